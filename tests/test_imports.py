"""The package's import graph has no cycles.

The graph is read from the source with :mod:`ast`, so it sees every import, including the lazy
ones inside functions (they run on first use and form a cycle just the same) and the relative
ones. An edge goes from a module to each ``pipeline`` module it names:

* ``import hebnews.a.b`` -> ``hebnews.a.b``;
* ``from P import n`` -> ``P.n`` when that is a module (``from . import mlm``), otherwise ``P``
  itself: a name taken from a package's ``__init__`` makes the module depend on that package.

Importing ``P.n`` also runs ``P/__init__``, but that implicit edge is left out: it would make
every package that re-exports from its own modules a cycle by construction.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "hebnews"  # the import name; the folder is pipeline/ (pyproject package-dir)
ROOT = Path(__file__).resolve().parent.parent / "pipeline"

# Cycles (as sorted module lists) that are known and tolerated until their modules are
# reworked; a cycle listed here that no longer exists fails the test too, so the list only
# ever shrinks. Each is harmless at run time (one side imports lazily) but still a cycle:
ALLOWED_CYCLES: list[list[str]] = [
]


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    parts[0] = PACKAGE  # the folder installs as the import package
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _base(module: str, is_package: bool, level: int) -> str:
    """The package a relative import of ``level`` dots starts from."""
    parts = module.split(".")
    if not is_package:
        parts.pop()
    if level > 1:
        parts = parts[:len(parts) - (level - 1)]
    return ".".join(parts)


def _targets(node, module: str, is_package: bool, modules: set[str]) -> set[str]:
    out: set[str] = set()
    if isinstance(node, ast.Import):
        for alias in node.names:
            parts = alias.name.split(".")
            for n in range(len(parts), 0, -1):  # the deepest module the dotted name reaches
                if ".".join(parts[:n]) in modules:
                    out.add(".".join(parts[:n]))
                    break
        return out
    if node.level:
        base = _base(module, is_package, node.level)
        pkg = f"{base}.{node.module}" if node.module else base
    else:
        pkg = node.module or ""
    for alias in node.names:
        if f"{pkg}.{alias.name}" in modules:
            out.add(f"{pkg}.{alias.name}")
        elif pkg in modules:
            out.add(pkg)
    return out


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    modules = set(files)
    graph: dict[str, set[str]] = {}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _targets(node, mod, path.name == "__init__.py", modules)
        graph[mod] = edges - {mod}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(out)


def cycle_path(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One cycle through the component's first module, as a path that ends where it starts."""
    members, start = set(component), component[0]
    parent: dict[str, str] = {}
    queue = [start]
    while queue:  # breadth first: the shortest way back to start
        v = queue.pop(0)
        for w in sorted(graph[v] & members):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [start] + path[::-1][1:] + [start]
            if w not in parent:
                parent[w] = v
                queue.append(w)
    raise AssertionError(f"no cycle in {component}")


def test_graph_sees_relative_lazy_and_package_imports(tmp_path):
    pkg = tmp_path / PACKAGE
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("def f():\n    from .a import x\n")
    (pkg / "a.py").write_text("from .sub import helper\nimport hebnews.b\n")
    (pkg / "b.py").write_text("def g():\n    if True:\n        from hebnews.sub.c import y\n")
    (pkg / "sub" / "__init__.py").write_text("from ..a import x\n")
    (pkg / "sub" / "c.py").write_text("from .. import b\nfrom . import d\n")
    (pkg / "sub" / "d.py").write_text("import os\n")
    graph = import_graph(pkg)
    assert graph == {"hebnews": {"hebnews.a"}, "hebnews.a": {"hebnews.sub", "hebnews.b"},
                     "hebnews.b": {"hebnews.sub.c"}, "hebnews.sub": {"hebnews.a"},
                     "hebnews.sub.c": {"hebnews.b", "hebnews.sub.d"}, "hebnews.sub.d": set()}
    comps = strongly_connected(graph)
    assert comps == [["hebnews.a", "hebnews.sub"], ["hebnews.b", "hebnews.sub.c"]]
    assert cycle_path(graph, comps[1]) == ["hebnews.b", "hebnews.sub.c", "hebnews.b"]


def test_no_import_cycles():
    graph = import_graph()
    assert "hebnews.cli" in graph and graph["hebnews.cli"], "the graph is empty: wrong root?"
    found = strongly_connected(graph)
    unexpected = [c for c in found if c not in ALLOWED_CYCLES]
    gone = [c for c in ALLOWED_CYCLES if c not in found]
    lines = [" -> ".join(cycle_path(graph, c)) + f"   (component: {', '.join(c)})" for c in unexpected]
    assert not unexpected, "import cycles:\n" + "\n".join(lines)
    assert not gone, f"allowed cycles that no longer exist (remove them from ALLOWED_CYCLES): {gone}"


def test_pyproject_installs_every_subpackage():
    import re

    text = (ROOT.parent / "pyproject.toml").read_text("utf-8")
    assert 'package-dir = {"hebnews" = "pipeline"}' in text
    listed = set(re.findall(r'"(hebnews(?:\.\w+)*)"', text.split("packages = [", 1)[1].split("]", 1)[0]))
    folders = {module_name(p.parent / "__init__.py") for p in ROOT.rglob("__init__.py")}
    assert listed == folders


MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60  # outside pipeline/train/ (training recipes are long by nature)


def test_modules_and_functions_stay_small():
    """The layout's size rules, read from the source: no module over 400 lines; no function
    (methods and nested functions included) over 60 lines outside ``pipeline/train/``."""
    too_long = []
    for path in sorted(ROOT.rglob("*.py")):
        src = path.read_text("utf-8")
        rel = path.relative_to(ROOT)
        if src.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{rel}: {src.count(chr(10))} lines")
        if rel.parts[0] == "train":
            continue
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    too_long.append(f"{rel}:{node.lineno} {node.name}: {n} lines")
    assert not too_long, "over the size rules:\n" + "\n".join(too_long)
