import os

import pytest

from patcher.errors import Refused
from patcher.state.treepaths import inside


def test_plain_file_and_link_inside_the_tree(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "real.js").write_text("x")
    os.symlink("real.js", tmp_path / "out" / "main.js")
    assert inside(tmp_path, "out/real.js") == "out/real.js"
    assert inside(tmp_path, "out/main.js") == "out/real.js", "the real file is the one patched"


def test_link_outside_the_tree_is_refused(tmp_path):
    outside = tmp_path / "elsewhere.js"
    outside.write_text("x")
    (tmp_path / "app" / "out").mkdir(parents=True)
    os.symlink(outside, tmp_path / "app" / "out" / "main.js")
    with pytest.raises(Refused) as exc:
        inside(tmp_path / "app", "out/main.js")
    assert str(exc.value) == (f"{tmp_path / 'app' / 'out' / 'main.js'}: is a symbolic link to {outside}, outside "
                              f"{tmp_path / 'app'}; patcher does not write outside the tree it patches")


def test_root_given_through_a_link(tmp_path):
    (tmp_path / "real" / "out").mkdir(parents=True)
    (tmp_path / "real" / "out" / "main.js").write_text("x")
    os.symlink(tmp_path / "real", tmp_path / "alias")
    assert inside(tmp_path / "alias", "out/main.js") == "out/main.js"
