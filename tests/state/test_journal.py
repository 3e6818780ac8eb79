import json
import stat

import pytest

from patcher.errors import Refused
from patcher.state.journal import APPLIED, FileRecord, Journal, JournalData, PatchRecord


def test_round_trip(tmp_path):
    j = Journal(tmp_path)
    data = JournalData(kind="go", root="/g", phase=APPLIED, release="go1.25.5",
                       patches=[PatchRecord("go/x", 1, "ab" * 32)],
                       files=[FileRecord("bin/go", "inplace", "a" * 64, "b" * 64, backup="a" * 64, mode=0o755, patches=["go/x@1"])])
    j.save(data)
    loaded = j.load()
    assert loaded == data
    assert loaded.patches[0].ref == "go/x@1"
    assert loaded.file("bin/go").mode == 0o755
    assert stat.S_IMODE(j.path.stat().st_mode) == 0o600


def test_missing_journal_is_none(tmp_path):
    assert Journal(tmp_path).load() is None


def test_unknown_schema_and_garbage_are_refused(tmp_path):
    j = Journal(tmp_path)
    j.path.write_text(json.dumps({"schema": 99}))
    with pytest.raises(Refused, match="unknown format"):
        j.load()
    j.path.write_text("{not json")
    with pytest.raises(Refused, match="journal is unreadable"):
        j.load()


def test_a_journal_with_a_field_of_the_wrong_kind_is_refused_in_one_line(tmp_path):
    journal = Journal(tmp_path)
    journal.path.write_text(json.dumps({"schema": 1, "kind": "cursor", "root": "/x", "phase": "applied",
                                        "files": [{"path": "a", "role": "bogus", "pre_sha256": None, "post_sha256": None}]}))
    with pytest.raises(Refused, match="journal is malformed"):
        journal.load()
