"""The shape of the code base, checked from its source (``ast``), so a change that breaks it fails here:

- no import cycle between curate's modules (function-local imports included; ``if TYPE_CHECKING:`` blocks excluded);
- no ``print()`` in library modules: only the command-line modules (``curate/cli/``, a stage's ``cli.py``, a script's
  ``if __name__ == "__main__"`` entry) write to the terminal;
- no stage builds a path into another stage's folder, and no list of stage names exists beside the registry.
"""

from __future__ import annotations

import ast
from pathlib import Path

from curate.stages import names, specs

CURATE = Path(__file__).resolve().parents[1] / "curate"


def _module_name(path: Path) -> str:
    parts = path.relative_to(CURATE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(CURATE.rglob("*.py"))}


def _tree(module: str) -> ast.Module:
    return ast.parse(MODULES[module].read_text(encoding="utf-8"))


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def imports_of(module: str) -> set[str]:
    """The curate modules ``module`` imports (``from a import b`` counts as ``a.b`` when that is a module)."""
    tree = _tree(module)
    skip = _type_checking_nodes(tree)
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: up (level - 1) packages from this module's package
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names)
    return {m for m in found if m in MODULES and m != module}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path a -> ... -> a, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_no_import_cycle_between_curate_modules():
    graph = {m: imports_of(m) for m in MODULES}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def _is_cli(module: str) -> bool:
    return module.startswith("curate.cli") or module.endswith(".cli") or module == "curate.__main__"


def test_no_print_in_library_modules():
    offenders = []
    for module in MODULES:
        if _is_cli(module):
            continue
        tree = _tree(module)
        script = {id(n) for node in tree.body if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test)
                  for n in ast.walk(node)}
        mains = {id(n) for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "main" and script
                 for n in ast.walk(node)}
        offenders += [f"{module}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Call)
                      and isinstance(n.func, ast.Name) and n.func.id == "print" and id(n) not in script | mains]
    assert offenders == []


def test_no_stage_reaches_into_another_stage_folder():
    """A stage finds what others made through named artifacts, never by building ``<out>/<other stage>/...``
    (the run's page, which reads every stage's output, is no stage)."""
    stages = set(names())
    packages = tuple(spec.package for spec in specs())
    offenders = []
    for module in (m for m in MODULES if m.startswith(packages)):
        for node in ast.walk(_tree(module)):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                for side in (node.left, node.right):
                    if isinstance(side, ast.Constant) and str(side.value).split("/")[0] in stages:
                        offenders.append(f"{module}:{node.lineno}: / {side.value!r}")
    assert offenders == []


def test_no_list_of_stage_names_beside_the_registry():
    stages = set(names())
    offenders = []
    for module in MODULES:
        for node in ast.walk(_tree(module)):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                named = [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in stages]
                if len(named) >= 3:
                    offenders.append(f"{module}:{node.lineno}: {named}")
    assert offenders == []
