"""The layout's promises, read from the import statements of patcher's own modules
(at the top of a module and inside functions alike: a deferred import is still a
dependency)."""

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "patcher"
# Each layer, and the layers it must never import.
BELOW = {
    "catalog": {"targets", "keep", "doctor", "cli"},
    "engine": {"targets", "keep", "doctor", "cli"},
    "state": {"targets", "keep", "doctor", "cli"},
    "targets": {"keep", "doctor", "cli"},
    "keep": {"cli"},
    "doctor": {"cli"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, str | None, int]]:
    """(module imported, name taken from it or None, line) for each of patcher's own modules a file imports;
    `from P import m` of a module m counts as importing P.m."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names if a.name in MODULES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in MODULES:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.append((sub, None, node.lineno) if sub in MODULES else (node.module, a.name, node.lineno))
    return out


GRAPH = {name: _imports(path) for name, path in MODULES.items()}


def _private_attributes(path: Path) -> list[tuple[str, str, int]]:
    """(module, private name, line) for each `m._name` where m names one of patcher's modules here."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bound = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound.update({a.asname: a.name for a in node.names if a.asname and a.name in MODULES})
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in MODULES:
            bound.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names
                          if f"{node.module}.{a.name}" in MODULES})
    return [(bound[n.value.id], n.attr, n.lineno) for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in bound
            and n.attr.startswith("_") and not n.attr.startswith("__")]


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_layer_imports_one_above_it():
    wrong = [f"{MODULES[m].relative_to(REPO)}:{line} imports {dep}"
             for m, deps in GRAPH.items() for dep, _, line in deps if _layer(dep) in BELOW.get(_layer(m), ())]
    assert not wrong, "\n".join(wrong)


def test_no_module_uses_another_modules_private_names():
    wrong = [f"{MODULES[m].relative_to(REPO)}:{line} takes {name} from {dep}"
             for m, deps in GRAPH.items() for dep, name, line in deps
             if name and name.startswith("_") and not name.startswith("__") and dep != m]
    wrong += [f"{path.relative_to(REPO)}:{line} uses {dep}.{name}"
              for m, path in MODULES.items() for dep, name, line in _private_attributes(path) if dep != m]
    assert not wrong, "\n".join(wrong)


def test_no_import_circle():
    circles, state, stack = [], {}, []

    def visit(m: str) -> None:
        state[m] = "open"
        stack.append(m)
        for dep, _, _ in GRAPH[m]:
            if state.get(dep) == "open":
                circles.append(" -> ".join(stack[stack.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[m] = "done"

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)
    assert not circles, "\n".join(circles)


def test_the_graph_is_read_at_all(tmp_path):
    """The checks above see the imports they are about (they cannot pass on an empty graph)."""
    assert any(d == "patcher.targets.go.workspace" for d, _, _ in GRAPH["patcher.targets.go.target"])
    assert any(d == "patcher.catalog.manifest" for d, _, _ in GRAPH["patcher.engine.anchors"])
    assert any(d == "patcher.targets.cases" for d, _, _ in GRAPH["patcher.cli.patches"])  # a deferred import
    # (and `m._name` is seen, as rebuild.py once used target.py's steps)
    sample = tmp_path / "sample.py"
    sample.write_text("from patcher.targets.go import target\n\ndef f():\n    return target._copies()\n")
    assert _private_attributes(sample) == [("patcher.targets.go.target", "_copies", 4)]
