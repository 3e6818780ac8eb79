"""extensions.json: an entry added and taken out again with every other byte
where the editor put it, whatever formatting the editor used."""

import json

import pytest

from patcher.errors import Refused
from patcher.targets import extensionsjson as ej

OURS = {"identifier": {"id": "patcher.patcher-keep"}, "version": "1.0.0", "relativeLocation": "patcher.patcher-keep-1.0.0"}
GO = {"identifier": {"id": "golang.go", "uuid": "d6f6cfea"}, "version": "0.54.0", "relativeLocation": "golang.go-0.54.0"}


@pytest.mark.parametrize("original", [
    b"[]",
    b" [ ]\n",
    json.dumps([GO], separators=(",", ":")).encode(),  # as the editor writes it
    b"\xef\xbb\xbf" + json.dumps([GO, GO | {"identifier": {"id": "ms-python.python"}}], indent=4).encode() + b"\r\n",
])
def test_an_entry_added_and_taken_out_gives_the_same_bytes(original):
    added = ej.with_entry(original, OURS, "extensions.json")
    assert ej.parse(added, "x") == ej.parse(original, "x") + [OURS]
    assert added.startswith(original[:1]) and added.endswith(original[-1:])
    assert ej.without_entry(added, "Patcher.Patcher-Keep", "extensions.json") == original


def test_our_entry_is_taken_out_wherever_the_editor_moved_it():
    rewritten = json.dumps([OURS, GO, OURS | {"version": "0.9.0"}], indent=2).encode()
    out = ej.without_entry(rewritten, "patcher.patcher-keep", "f")
    assert ej.parse(out, "f") == [GO] and out.startswith(b"[\n  {") and out.endswith(b"}\n]")
    assert ej.without_entry(out, "patcher.patcher-keep", "f") == out


def test_what_is_not_a_list_of_extensions_is_refused():
    for bad, why in ((b"{}", "not a list of extensions"), (b"[{", "not readable JSON")):
        with pytest.raises(Refused, match=why):
            ej.with_entry(bad, OURS, "extensions.json")
    with pytest.raises(Refused, match="already lists patcher.patcher-keep"):
        ej.with_entry(json.dumps([OURS]).encode(), OURS, "extensions.json")


def test_where_an_entry_points(tmp_path):
    assert ej.location(GO, tmp_path) == tmp_path / "golang.go-0.54.0"
    where = tmp_path / "用户 x" / "golang.go-0.54.0"
    assert ej.location({"location": where.as_uri()}, tmp_path) == where
    assert ej.location({"location": {"$mid": 1, "path": where.as_posix(), "scheme": "file"}}, tmp_path) == where
    assert ej.location({"location": {"fsPath": str(where)}}, tmp_path) == where
    assert ej.location({}, tmp_path) is None


def test_a_file_uri_as_the_editor_writes_it():
    """vscode-uri's form (code-server 4.100.3's own entries; Windows as its URI.file gives it)."""
    from pathlib import PurePosixPath, PureWindowsPath

    file_location = ej.file_location
    assert file_location(PurePosixPath("/tmp/x/Go 工具链 root/ext/a.b-1.0.0")) == {
        "$mid": 1, "fsPath": "/tmp/x/Go 工具链 root/ext/a.b-1.0.0",
        "external": "file:///tmp/x/Go%20%E5%B7%A5%E5%85%B7%E9%93%BE%20root/ext/a.b-1.0.0",
        "path": "/tmp/x/Go 工具链 root/ext/a.b-1.0.0", "scheme": "file"}
    assert file_location(PureWindowsPath(r"C:\Users\me\.cursor\extensions\x-1.0.0")) == {
        "$mid": 1, "fsPath": "c:\\Users\\me\\.cursor\\extensions\\x-1.0.0", "_sep": 1,
        "external": "file:///c%3A/Users/me/.cursor/extensions/x-1.0.0", "path": "/C:/Users/me/.cursor/extensions/x-1.0.0",
        "scheme": "file"}
