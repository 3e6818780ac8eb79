"""JSON with comments and trailing commas (VS Code's settings.json), edited
structurally without disturbing the user's formatting.

Parsed by tree-sitter's JavaScript grammar, whose object literals are a
superset of JSONC, as the expression `(<file>)`: offsets are shifted back by
the one byte of the opening parenthesis.  Members are set by replacing a
value's span or inserting a new member after the last one, in the file's own
indentation, comma style and line endings.  `load` reads JSONC into Python
values from the same syntax tree (never by rewriting the text), so a result
can be checked to mean exactly what was intended, and refuses JavaScript
that is not JSON.
"""

import json

from patcher.engine.text import UTF8_BOM, newline_of
from patcher.errors import Refused


class Doc:
    """A JSONC document and the edits planned on it."""

    def __init__(self, data: bytes, label: str):
        self.label = label
        self.bom = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
        self.newline = newline_of(data)
        if _only_comments(data[self.bom:]):
            # Nothing but comments (or nothing): they stay, an empty object follows them.
            data += (self.newline if data[self.bom:].strip() and not data.endswith(b"\n") else b"") \
                + b"{" + self.newline + b"}" + self.newline
        self.data = data
        value = _top_value(data[self.bom:], label)
        if value.type != "object":
            raise Refused(f"{label}: the top level is not an object")
        self.root = value
        self.unit = self._indent_unit()

    # byte offsets in the real file
    def start(self, node) -> int:
        return node.start_byte - 1 + self.bom

    def end(self, node) -> int:
        return node.end_byte - 1 + self.bom

    def _indent_unit(self) -> bytes:
        """The file's indentation step: that of its first indented line inside the top object."""
        inside = self.data[self.start(self.root) + 1:self.end(self.root) - 1]
        for line in inside.split(b"\n"):
            stripped = line.lstrip(b" \t")
            if stripped.strip() and len(stripped) < len(line):
                return line[:len(line) - len(stripped)]
        return b"\t"

    def pairs(self, obj) -> list:
        return [c for c in obj.named_children if c.type == "pair"]

    def key(self, pair) -> str:
        k = pair.child_by_field_name("key")
        text = self.data[self.start(k):self.end(k)].decode("utf-8")
        return json.loads(text) if text.startswith('"') else text

    def member(self, obj, key: str):
        return next((p for p in self.pairs(obj) if self.key(p) == key), None)


def _render(value, unit: bytes, depth: int, newline: bytes) -> bytes:
    text = json.dumps(value, indent="\t", ensure_ascii=False).encode("utf-8")
    lines = text.split(b"\n")
    indent = unit * depth
    return newline.join([lines[0]] + [indent + ln.replace(b"\t", unit) for ln in lines[1:]])


def set_members(data: bytes, members: list[tuple[list[str], object]], label: str) -> bytes:
    """data with each (key path, value) set: an existing member's value is
    replaced, a missing one is added at the end of its object (objects on
    the path are created as needed)."""
    for path, value in members:
        data = _set_one(data, path, value, label)
    return data


def _set_one(data: bytes, path: list[str], value, label: str) -> bytes:
    doc = Doc(data, label)
    obj, depth = doc.root, 1
    for i, key in enumerate(path):
        pair = doc.member(obj, key)
        rest = path[i + 1:]
        wanted = value
        for k in reversed(rest):
            wanted = {k: wanted}
        if pair is None:
            return _insert(doc, obj, depth, key, wanted)
        node = pair.child_by_field_name("value")
        if not rest or node.type != "object":
            text = _render(wanted, doc.unit, depth, doc.newline)
            return data[:doc.start(node)] + text + data[doc.end(node):]
        obj, depth = node, depth + 1
    return data  # pragma: no cover


def _insert(doc: Doc, obj, depth: int, key: str, value) -> bytes:
    data, nl = doc.data, doc.newline
    member = json.dumps(key, ensure_ascii=False).encode("utf-8") + b": " + _render(value, doc.unit, depth, nl)
    pairs = doc.pairs(obj)
    close = doc.end(obj) - 1  # the closing brace
    if not pairs:
        opening = doc.start(obj) + 1
        inside = data[opening:close]
        outer = doc.unit * (depth - 1)
        if inside.strip() == b"":
            return data[:opening] + nl + doc.unit * depth + member + nl + outer + data[close:]
        # Only comments inside: add after them.
        return data[:close].rstrip() + nl + doc.unit * depth + member + nl + outer + data[close:]
    last = pairs[-1]
    after = doc.end(last)
    # What follows the last member up to the brace: its comma, if any, and
    # comments; a comment that starts on the member's own line belongs to it.
    comma_end = None
    line_end = after
    for c in obj.children:
        if doc.start(c) < after or c.type == "}":
            continue
        if c.type == ",":
            comma_end = doc.end(c)
            line_end = max(line_end, comma_end)
        elif c.type == "comment" and b"\n" not in data[after:doc.start(c)]:
            line_end = doc.end(c)
    if comma_end is not None:  # trailing-comma style: the new member gets one too
        return data[:line_end] + nl + doc.unit * depth + member + b"," + data[line_end:]
    return data[:after] + b"," + data[after:line_end] + nl + doc.unit * depth + member + data[line_end:]


def load(data: bytes, label: str):
    """JSONC -> Python values, read from the syntax tree: comments anywhere,
    trailing commas, a BOM and CRLF are fine; anything that is JavaScript but
    not JSON (identifiers, single-quoted or template strings, functions, hex
    numbers...) is refused naming the file.  An empty or comment-only file is {}."""
    try:
        body = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"{label}: not UTF-8 (byte {exc.start + (len(data) - len(body))})") from None
    strict = _strict_json(body)
    if strict is not _NOT_STRICT:
        return strict
    if _only_comments(body):
        return {}  # only comments (or nothing): the file means no settings
    try:
        return _value(_top_value(body, label), label)
    except RecursionError:
        raise Refused(f"{label}: not JSON we can read: nested too deeply") from None


def _only_comments(body: bytes) -> bool:
    """Whether a file holds nothing but comments and white space."""
    if not body.strip():
        return True
    from patcher.engine import syntax

    bare = syntax.parse("javascript", body)
    return not bare.root_node.has_error and all(c.type == "comment" for c in bare.root_node.named_children)


def _top_value(body: bytes, label: str):
    """The syntax node of the file's one value, comments around it allowed;
    offsets are those of `b"(" + body`.  Refused when there is not exactly one.
    (tree-sitter only here: `status` reads product.json files that are plain
    JSON, see _strict_json, and need not load the parser for them.)"""
    from patcher.engine import syntax

    # Wrapped in parentheses an object literal is an expression, not a block.
    tree = syntax.parse("javascript", b"(" + body + b"\n)")
    if tree.root_node.has_error:
        raise Refused(f"{label}: not valid JSON with comments ({syntax.describe_error(syntax.first_error(tree))})")
    top = [c for c in tree.root_node.named_children if c.type != "comment"]
    stmt = top[0] if len(top) == 1 else None
    inner = _solid(stmt)[0] if stmt is not None and stmt.type == "expression_statement" and len(_solid(stmt)) == 1 else None
    values = _solid(inner) if inner is not None and inner.type == "parenthesized_expression" else []
    if len(values) != 1:
        raise Refused(f"{label}: not JSON: the file is not one JSON value")
    return values[0]


_NOT_STRICT = object()


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _strict_json(body: bytes):
    """The value of a file that is plain JSON (the same value the syntax tree
    gives: JSON is a subset of JSONC), else _NOT_STRICT.  NaN and Infinity,
    which Python's json accepts, are not JSON: left to the tree, which refuses them."""
    try:
        # (decoded first: given bytes, json guesses UTF-16/32 from NUL bytes)
        return json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return _NOT_STRICT


def _solid(node) -> list:
    """A node's named children that are not comments."""
    return [c for c in node.named_children if c.type != "comment"]


def _line(node) -> int:
    return node.start_point[0] + 1


def _not_json(node, label: str, what: str) -> Refused:
    return Refused(f"{label}: not JSON: {what} at line {_line(node)}")


def _decode(node, label: str, what: str):
    """One token (string, number, negative number) by JSON's own rules."""
    text = node.text.decode("utf-8")
    try:
        return json.loads(text)
    except ValueError:
        raise _not_json(node, label, f"{what} {_clip(text)}") from None


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


# What a JavaScript node that is not JSON is, in the refusal.
_JS_ONLY = {"identifier": "the identifier", "undefined": "undefined", "template_string": "the template string",
            "function_expression": "a function", "arrow_function": "a function", "call_expression": "a call",
            "regex": "a regular expression", "binary_expression": "an expression", "parenthesized_expression": "parentheses"}


def _value(node, label: str):
    kind = node.type
    if kind == "object":
        return _object(node, label)
    if kind == "array":
        _check_commas(node, label)
        return [_value(c, label) for c in _solid(node)]
    if kind == "string":
        if not node.text.startswith(b'"'):
            raise _not_json(node, label, f"the single-quoted string {_clip(node.text.decode())}")
        return _decode(node, label, "the string")
    if kind == "number":
        value = _decode(node, label, "the number")
        if isinstance(value, (int, float)):
            return value
        raise _not_json(node, label, f"the number {node.text.decode()}")  # pragma: no cover - json.loads gives numbers
    if kind == "unary_expression" and node.child_by_field_name("operator").type == "-" \
            and node.child_by_field_name("argument").type == "number":
        return _decode(node, label, "the number")
    if kind in ("true", "false", "null"):
        return {"true": True, "false": False, "null": None}[kind]
    what = _JS_ONLY.get(kind, kind.replace("_", " "))
    raise _not_json(node, label, f"{what} {_clip(node.text.decode())}" if kind in ("identifier", "template_string") else what)


def _object(node, label: str) -> dict:
    _check_commas(node, label)
    out = {}
    for member in _solid(node):
        if member.type != "pair":
            raise _not_json(member, label, f"{_JS_ONLY.get(member.type, member.type.replace('_', ' '))} in an object")
        key = member.child_by_field_name("key")
        if key.type != "string" or not key.text.startswith(b'"'):
            raise _not_json(key, label, f"the key {_clip(key.text.decode())} is not a double-quoted string")
        out[_decode(key, label, "the key")] = _value(member.child_by_field_name("value"), label)
    return out


def _check_commas(node, label: str) -> None:
    """JSON has one comma between two members (we allow one after the last),
    JavaScript allows holes: `[1,,2]`."""
    previous = "["
    for c in node.children:
        if c.type == "comment":
            continue
        if c.type == "," and previous in (",", "[", "{"):
            raise _not_json(c, label, "an empty element (two commas)" if previous == "," else "a comma before the first element")
        previous = c.type
