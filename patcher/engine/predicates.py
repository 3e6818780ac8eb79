"""The engine's own query predicates, for what a tree-sitter pattern cannot say.

tree-sitter evaluates its built-in predicates (#eq?, #match?, ...) itself
and hands every other `#name?` of a pattern to a callback; without one it
would treat an unknown predicate as true.  `evaluate` is that callback for
every anchor query the engine runs: it knows the names in PREDICATES and
refuses any other, and the catalog refuses a manifest naming one it does not
know (`unknown`), so a typo never silently widens an anchor.

#patcher-decodes-chunk? @fn
    @fn is a `data` listener (arrow function or function expression) that
    turns its first parameter, the chunk, into text: `chunk.toString()` (or
    with "utf8", or an encoding in a variable; not a literal other one),
    `s += chunk`, `a + chunk`, `${chunk}`, `String(chunk)`, or
    `parts.push(chunk)` with `parts.join(...)` in the enclosing function.
    A listener that only passes its chunk on as bytes (a parser, a socket)
    does not, nor one that gives the parameter's name another value.
"""

import re

import tree_sitter

from patcher.errors import AnchorError

# What tree-sitter evaluates itself (py-tree-sitter 0.23+: text predicates and the directives).
BUILTIN = frozenset({"eq?", "not-eq?", "any-eq?", "any-not-eq?", "match?", "not-match?", "any-match?",
                     "any-not-match?", "any-of?", "not-any-of?", "is?", "is-not?", "set!"})
_NAME_RE = re.compile(r"#([A-Za-z0-9_-]+[?!])")
_FUNCTIONS = ("arrow_function", "function_expression", "function_declaration", "method_definition",
              "generator_function", "generator_function_declaration")


def _param(fn: tree_sitter.Node) -> bytes | None:
    """The name of a function's first parameter, when it is a plain identifier."""
    single = fn.child_by_field_name("parameter")  # `chunk => ...`
    if single is not None:
        return single.text if single.type == "identifier" else None
    params = fn.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_children else None
    return first.text if first is not None and first.type == "identifier" else None


def _identifiers(node: tree_sitter.Node, name: bytes):
    """Every identifier node called `name` under `node` (depth first)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier" and n.text == name:
            yield n
        stack.extend(reversed(n.children))


def _joined_in_scope(fn: tree_sitter.Node, array: bytes) -> bool:
    """`array.join(...)` somewhere in the function around the listener `fn`."""
    scope = fn.parent
    while scope is not None and scope.type not in _FUNCTIONS and scope.type != "program":
        scope = scope.parent
    if scope is None:
        return False
    for ident in _identifiers(scope, array):
        member = ident.parent
        if (member.type == "member_expression" and member.child_by_field_name("object") == ident
                and member.child_by_field_name("property").text == b"join"
                and member.parent is not None and member.parent.type == "call_expression"):
            return True
    return False


def _rebinds(ident: tree_sitter.Node) -> bool:
    parent = ident.parent
    if parent.type == "variable_declarator":
        return parent.child_by_field_name("name") == ident
    if parent.type in ("assignment_expression", "augmented_assignment_expression"):
        return parent.child_by_field_name("left") == ident
    return parent.type in ("formal_parameters", "catch_clause") or (
        parent.type == "arrow_function" and parent.child_by_field_name("parameter") == ident)


def _text_use(ident: tree_sitter.Node, fn: tree_sitter.Node) -> bool:
    """Whether this use of the chunk turns it into text."""
    parent = ident.parent
    if parent.type == "member_expression" and parent.child_by_field_name("object") == ident:
        call = parent.parent
        if parent.child_by_field_name("property").text != b"toString" or call is None or call.type != "call_expression":
            return False
        args = call.child_by_field_name("arguments").named_children
        # An encoding named by a literal must be UTF-8's; a variable may be (it is by default).
        return not args or args[0].type != "string" or args[0].text.strip(b"'\"`").lower() in (b"utf8", b"utf-8")
    if parent.type == "augmented_assignment_expression":
        return parent.child_by_field_name("right") == ident and parent.child_by_field_name("operator").text == b"+="
    if parent.type == "binary_expression":
        return parent.child_by_field_name("operator").text == b"+"
    if parent.type == "template_substitution":
        return True
    if parent.type == "arguments" and parent.parent.type == "call_expression":
        callee = parent.parent.child_by_field_name("function")
        if callee.type == "identifier" and callee.text == b"String":
            return True
        if (callee.type == "member_expression" and callee.child_by_field_name("property").text == b"push"
                and callee.child_by_field_name("object").type == "identifier"):
            return _joined_in_scope(fn, callee.child_by_field_name("object").text)
    return False


def decodes_chunk(fn: tree_sitter.Node) -> bool:
    """See #patcher-decodes-chunk? above."""
    if fn.type not in ("arrow_function", "function_expression"):
        return False
    name = _param(fn)
    body = fn.child_by_field_name("body")
    if name is None or body is None:
        return False
    uses = list(_identifiers(body, name))
    if any(_rebinds(ident) for ident in uses):  # after `var chunk = ...` the name no longer holds the chunk
        return False
    return any(_text_use(ident, fn) for ident in uses)


PREDICATES = {"patcher-decodes-chunk?": decodes_chunk}


def evaluate(name: str, args, pattern_index: int, captures: dict) -> bool:
    """The callback tree-sitter calls for each predicate it does not know."""
    check = PREDICATES.get(name)
    if check is None:
        raise AnchorError(f"unknown query predicate #{name}")
    if len(args) != 1 or args[0][1] != "capture":
        raise AnchorError(f"#{name} takes one capture")
    nodes = captures.get(args[0][0], [])
    return bool(nodes) and all(check(n) for n in nodes)


def unknown(query: str) -> list[str]:
    """The predicates a query names that neither tree-sitter nor the engine knows."""
    return sorted({n for n in _NAME_RE.findall(query) if n not in BUILTIN and n not in PREDICATES})
