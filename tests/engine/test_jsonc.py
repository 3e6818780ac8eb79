import json

import pytest

from patcher.engine import jsonc
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


def test_comments_around_the_object_and_a_file_of_comments_only():
    """Doc and load find the top-level value the same way: comments before and after it are fine."""
    out = jsonc.set_members(b'// mine\n{\n  "a": 1\n}\n/* the end */\n', [(["b"], 2)], "s")
    assert out == b'// mine\n{\n  "a": 1,\n  "b": 2\n}\n/* the end */\n'
    # A settings.json of comments only means no settings: the comments stay, the members follow them.
    out = jsonc.set_members(b"// settings come here\r\n", [(["a"], True)], "s")
    assert out.startswith(b"// settings come here\r\n{") and jsonc.load(out, "s") == {"a": True}
    assert jsonc.load(jsonc.set_members(b"", [(["a"], 1)], "s"), "s") == {"a": 1}


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


def test_load_keeps_string_contents_that_look_like_trailing_commas():
    # The landed loader removed ",<spaces>}" with a regex over the whole text,
    # strings included: this loaded as "x }".
    assert jsonc.load(b'{"a": "x, }", "b": ["y ,]", "z,\\n}"]}', "s") == {"a": "x, }", "b": ["y ,]", "z,\n}"]}


PRODUCT = ('\ufeff{\r\n'
           '\t// written by an older Cursor\r\n'
           '\t"nameShort": "Cursor", /* inline */ "vscodeVersion": "1.96.2",\r\n'
           '\t"quote": "say \\"hi\\" \\\\ \\/ \\b\\f\\n\\r\\t", "cjk": "\\u4e2d\\u6587 \\ud83d\\ude00 中文 😀",\r\n'
           '\t"numbers": [0, -1, 2.5, -3e-2, 1E+3, 12345678901234567890],\r\n'
           '\t"flags": {"t": true, "f": false, "n": null, "empty": {}, "none": [],},\r\n'
           '\t"nested": [[1, [2, {"a": [3,],},],], // after\r\n'
           '\t\t{"b": {"c": "//not a comment /* either */"}}],\r\n'
           '\t"url": "http://x/*y*/",\r\n'
           '}\r\n// last words\r\n').encode("utf-8")


def test_load_reads_a_product_json_with_comments_and_trailing_commas():
    assert jsonc.load(PRODUCT, "product.json") == {
        "nameShort": "Cursor", "vscodeVersion": "1.96.2",
        "quote": 'say "hi" \\ / \b\f\n\r\t', "cjk": "中文 😀 中文 😀",
        "numbers": [0, -1, 2.5, -0.03, 1000.0, 12345678901234567890],
        "flags": {"t": True, "f": False, "n": None, "empty": {}, "none": []},
        "nested": [[1, [2, {"a": [3]}]], {"b": {"c": "//not a comment /* either */"}}],
        "url": "http://x/*y*/",
    }


def test_load_without_comments_means_what_json_means():
    plain = b'{"a": [1, 2.0, -3, "\\u00e9", {"b": null}], "c": "d", "c": "last wins"}'
    assert jsonc.load(plain, "s") == json.loads(plain)
    assert jsonc.load(b"", "s") == {} and jsonc.load(b"\xef\xbb\xbf // nothing\r\n/* yet */\r\n", "s") == {}
    assert jsonc.load(b"[1, 2,]", "s") == [1, 2] and jsonc.load(b'"x"', "s") == "x"


@pytest.mark.parametrize("text,reason", [
    (b'{"a": b}', "the identifier b"),
    (b'{a: 1}', "the key a is not a double-quoted string"),
    (b"{'a': 1}", "the key 'a' is not a double-quoted string"),
    (b'{"a": \'x\'}', "the single-quoted string 'x'"),
    (b'{"a": `x${1}`}', "the template string `x${1}`"),
    (b'{"a": function () { return 1 }}', "a function"),
    (b'{"a": () => 1}', "a function"),
    (b'{"a": f(1)}', "a call"),
    (b'{"a": undefined}', "undefined"),
    (b'{"a": NaN}', "the identifier NaN"),
    (b'{"a": 0x10}', "the number 0x10"),
    (b'{"a": 010}', "the number 010"),
    (b'{"a": .5}', "the number .5"),
    (b'{"a": 1_000}', "the number 1_000"),
    (b'{"a": 10n}', "the number 10n"),
    (b'{"a": +1}', "unary expression"),
    (b'{"a": "\\x41"}', 'the string "\\x41"'),
    (b'{"a": [1,,2]}', "an empty element"),
    (b'{,}', "a comma before the first element"),
    (b'{...x}', "spread element in an object"),
    (b'{"a": 1}, {"b": 2}', "sequence expression"),
    (b'({"a": 1})', "parentheses"),
    (b'{"a": 1}; alert(1)', "not valid JSON with comments"),
    (b'{"a": 1', "not valid JSON with comments"),
    (b'{"a": "\xff"}', "not UTF-8"),
])
def test_load_refuses_javascript_that_is_not_json_naming_the_file(text, reason):
    with pytest.raises(Refused) as exc:
        jsonc.load(b'\n' + text, "C:\\Cursor 安装\\product.json")
    message = str(exc.value)
    assert message.startswith("C:\\Cursor 安装\\product.json: ") and reason in message and "\n" not in message
    if "JSON:" in message:
        assert message.endswith("at line 2")
