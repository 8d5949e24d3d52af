"""The package's folders are its data flow; these rules keep imports pointing one way.

telegram -> engine, ingest, kb; engine -> kb; ingest -> kb; kb -> nothing above it; nothing in
`bot` imports the development tools (`bench`) or the tests, so the installed package works alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO

BASE = {"bot.config", "bot.logs"}  # settings and log redaction: every layer may use them
ALLOWED = {
    "bot.kb": {"bot.kb", *BASE},
    "bot.ingest": {"bot.ingest", "bot.kb", *BASE},
    "bot.engine": {"bot.engine", "bot.kb", *BASE},
    "bot.telegram": {"bot.telegram", "bot.engine", "bot.ingest", "bot.kb", *BASE},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, lazy imports inside functions included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def package_graph() -> dict[str, set[str]]:
    graph = {}
    for path in sorted((REPO / "bot").rglob("*.py")):
        graph[module_name(path)] = {m for m in imports_of(path) if m.split(".")[0] in {"bot", "bench", "tests"}}
    return graph


def layer(module: str) -> str | None:
    return next((name for name in ALLOWED if module == name or module.startswith(name + ".")), None)


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for module, imported in package_graph().items():
        own = layer(module)
        if own is None:
            continue
        for target in imported:
            if not any(target == allowed or target.startswith(allowed + ".") for allowed in ALLOWED[own]):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_the_package_never_imports_development_tools_or_tests() -> None:
    leaks = [f"{m} imports {t}" for m, targets in package_graph().items() for t in targets if not t.startswith("bot")]
    assert leaks == []


def test_there_are_no_import_cycles() -> None:
    graph = package_graph()
    modules = set(graph)
    edges = {m: {t for t in targets if t in modules and t != m} for m, targets in graph.items()}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for module in sorted(modules):
        if module not in state:
            visit(module, [module])
    assert cycles == []
