"""The package's shape: stages import only earlier stages, no import cycles, pure sources."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "digest"


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _imports() -> dict[str, set[str]]:
    """Each module of digest/ with the digest modules it imports (lazy imports included)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("digest"):
                for alias in node.names:  # `from digest.x import y`: y may be a module
                    sub = f"{node.module}.{alias.name}"
                    deps.add(sub if sub in modules else node.module or "")
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("digest"))
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in graph[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    assert _cycles(_imports()) == []


def test_sources_are_pure_parsers_and_io():
    graph = _imports()
    sources = {m: deps for m, deps in graph.items() if m.startswith("digest.sources")}
    assert sources
    for module, deps in sources.items():
        later = [d for d in deps if d.split(".")[1] in {"store", "fetch", "classify", "draft"}]
        assert later == [], f"{module} imports {later}"


def test_stages_import_only_earlier_stages():
    order = ["sources", "fetch", "classify", "translate", "draft", "site"]
    for module, deps in _imports().items():
        stage = module.split(".")[1] if module.count(".") else ""
        if stage not in order:
            continue
        for dep in deps:
            dep_stage = dep.split(".")[1] if dep.count(".") else ""
            if dep_stage in order:
                assert order.index(dep_stage) <= order.index(stage), f"{module} imports {dep}"


def test_few_modules_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py") if not p.name.startswith("__"))
    assert len(top) <= 10, top
