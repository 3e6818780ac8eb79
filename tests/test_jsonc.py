import pytest

from patcher import jsonc
from patcher.errors import Refused

USER = (b'{\r\n\t// my font\r\n\t"editor.fontSize": 14, // big\r\n\t"terminal.integrated.profiles.windows": {\r\n'
        b'\t\t"Git Bash": { "path": "C:\\\\Git\\\\bin\\\\bash.exe" },\r\n\t},\r\n\t/* trailing block */\r\n}\r\n')


def test_members_are_added_in_the_users_style():
    out = jsonc.set_members(USER, [(["terminal.integrated.profiles.windows", "PS"], {"source": "PowerShell"}),
                                   (["terminal.integrated.defaultProfile.windows"], "PS")], "settings.json")
    text = out.decode()
    assert "// my font" in text and "// big" in text and "/* trailing block */" in text, "comments kept"
    assert out.replace(b"\r\n", b"").count(b"\n") == 0, "CRLF kept"
    assert '\t\t"Git Bash": { "path": "C:\\\\Git\\\\bin\\\\bash.exe" },\r\n\t\t"PS": {\r\n\t\t\t"source": "PowerShell"\r\n\t\t},' in text, \
        "inserted after the last member, trailing comma style kept, tab indentation"
    doc = jsonc.load(out, "settings.json")
    assert doc["terminal.integrated.profiles.windows"] == {"Git Bash": {"path": "C:\\Git\\bin\\bash.exe"}, "PS": {"source": "PowerShell"}}
    assert doc["editor.fontSize"] == 14 and doc["terminal.integrated.defaultProfile.windows"] == "PS"


def test_existing_value_is_replaced_and_setting_twice_changes_nothing():
    data = b'{\n  "terminal.integrated.defaultProfile.windows": "Command Prompt",\n  "x": [1, 2]\n}\n'
    once = jsonc.set_members(data, [(["terminal.integrated.defaultProfile.windows"], "PS")], "s")
    assert once == data.replace(b'"Command Prompt"', b'"PS"')
    assert jsonc.set_members(once, [(["terminal.integrated.defaultProfile.windows"], "PS")], "s") == once


def test_empty_and_comment_only_objects():
    assert jsonc.load(jsonc.set_members(b"{}", [(["a", "b"], 1)], "s"), "s") == {"a": {"b": 1}}
    out = jsonc.set_members(b"{\n    // nothing yet\n}\n", [(["a"], True)], "s")
    assert out == b'{\n    // nothing yet\n    "a": true\n}\n'


def test_a_comment_on_the_last_line_stays_with_its_member():
    out = jsonc.set_members(b'{\n  "a": 1 // one\n}\n', [(["b"], 2)], "s")
    assert out == b'{\n  "a": 1, // one\n  "b": 2\n}\n'


@pytest.mark.parametrize("bad,reason", [(b'{"a": }', "not valid JSON with comments"), (b"[1, 2]", "the top level is not an object"),
                                        (b'{"a": 1', "not valid JSON with comments")])
def test_broken_settings_are_refused(bad, reason):
    with pytest.raises(Refused, match=reason):
        jsonc.set_members(bad, [(["x"], 1)], "settings.json")


def test_load_handles_comment_markers_inside_strings():
    assert jsonc.load(b'{"url": "http://x/*y*/", /* c */ "b": [1,], }', "s") == {"url": "http://x/*y*/", "b": [1]}
