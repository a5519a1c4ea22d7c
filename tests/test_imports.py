"""Layering: no import cycles between capabilities, and no imports hidden inside functions.

Every module of the `corridor` package is read with `ast`, its imports included wherever they
are written (at the top, under a condition, inside a function). A module's capability is the
first package under `corridor` (`ingest`, `screen`, `resolve`, `store`, …); a top-level module
(`cli`, `demo`, `plugins`, …) is its own.
"""

from __future__ import annotations

import ast
import itertools
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import corridor

PACKAGE = Path(corridor.__file__).resolve().parent

#: Function-local imports that stay, as (module, imported module): optional or heavy
#: dependencies on one rarely used path. Keep this tiny.
ALLOWED_LOCAL = {
    # PySpark is an optional extra, and the Spark engine needs Java besides.
    ("corridor.resolve.engines", "corridor.resolve.spark"),
    # openpyxl takes about 100 ms to import, and only XLSX ingest needs it.
    ("corridor.ingest.tabular", "openpyxl"),
    # The same for the XLSX files the scenario writes.
    ("corridor.scenario.writer", "openpyxl"),
    # `corridor serve` and `corridor demo` start the web server and the demo; importing them
    # (uvicorn, every API route) at the top would slow every other command's start by ~0.25 s.
    ("corridor.commands.serve", "corridor.server"),
    ("corridor.commands.serve", "corridor.demo"),
    # statsmodels brings pandas and scipy (about a second at every start); networkx a tenth;
    # PostgreSQL's driver is for PostgreSQL stores only. Each is imported where it is used, so
    # that a command (and a DuckDB node) that never needs one starts without it.
    ("corridor.sensors.flows", "statsmodels"),
    ("corridor.sensors.hotspots", "statsmodels"),
    ("corridor.stats.forecast", "statsmodels"),
    ("corridor.stats.forecast", "pandas"),
    ("corridor.network.export", "networkx"),
    ("corridor.store.location", "corridor.store.postgres.store"),
}

#: What the command line must start without (see the last entries of `ALLOWED_LOCAL`).
NOT_AT_START = ("statsmodels", "pandas", "scipy", "networkx", "psycopg")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module
    line: int
    local: bool  # inside a function
    type_only: bool  # under `if TYPE_CHECKING:`: names types for the checker, never runs


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    module_name(path): path
    for path in sorted(PACKAGE.rglob("*.py"))
    if "__pycache__" not in path.parts
}


def capability(module: str) -> str:
    """`corridor.screen.matching` → `screen`; `corridor.cli` → `cli`; `corridor` → `corridor`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:  # relative: from the importing module's package
        package = (
            module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
        )
        anchor = package[: len(package) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        yield sub if sub in MODULES else base  # `from corridor.screen import lists` is a module


def imports_of(module: str) -> list[Import]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"), str(MODULES[module]))
    found: list[Import] = []

    def visit(node: ast.AST, local: bool, type_only: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in _targets(module, node):
                found.append(Import(module, target, node.lineno, local, type_only))
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, local, True)
            for child in node.orelse:
                visit(child, local, type_only)
            return
        inner = local or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner, type_only)

    visit(tree, False, False)
    return found


IMPORTS = [imp for module in MODULES for imp in imports_of(module)]


def is_edge(imp: Import) -> bool:
    """Whether an import is an edge of the capability graph.

    `corridor.plugins` names the types of its extension points' interfaces (a `Store`, a
    `ListedEntity`, …) under `TYPE_CHECKING` only: at run time it imports no capability (see
    `test_plugins_imports_no_capability`), which is what lets every capability import it.
    Every other import counts, type-only ones included.
    """
    return not (imp.module == "corridor.plugins" and imp.type_only)


def capability_graph() -> dict[str, dict[str, list[Import]]]:
    graph: dict[str, dict[str, list[Import]]] = {}
    for imp in IMPORTS:
        if not imp.target.startswith("corridor.") or not is_edge(imp):
            continue
        source, target = capability(imp.module), capability(imp.target)
        graph.setdefault(source, {})
        if source != target:
            graph[source].setdefault(target, []).append(imp)
    return graph


def find_cycle(graph: dict[str, dict[str, list[Import]]]) -> list[str] | None:
    """One cycle of the graph (its nodes, the first repeated at the end), or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def describe(cycle: list[str], graph: dict[str, dict[str, list[Import]]]) -> str:
    lines = [" → ".join(cycle)]
    for a, b in itertools.pairwise(cycle):
        imp = graph[a][b][0]
        more = len(graph[a][b]) - 1
        where = f"{imp.module}:{imp.line} imports {imp.target}"
        lines.append(f"  {a} → {b}: {where}" + (f" (and {more} more)" if more else ""))
    return "\n".join(lines)


def test_every_module_is_read() -> None:
    assert {"corridor.plugins", "corridor.screen.lists", "corridor.ingest.service"} <= set(MODULES)
    assert capability("corridor.screen.loaders.un") == "screen"
    assert capability("corridor.cli") == "cli"
    # Imports inside functions and under TYPE_CHECKING are seen.
    assert any(i.local for i in IMPORTS if i.module == "corridor.resolve.engines")
    assert any(i.type_only for i in IMPORTS if i.module == "corridor.plugins")


def test_no_import_cycles_between_capabilities() -> None:
    graph = capability_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle between capabilities:\n" + describe(cycle, graph)


def test_the_cycle_finder_finds_cycles() -> None:
    imp = Import("corridor.a", "corridor.b", 1, False, False)
    graph = {"a": {"b": [imp]}, "b": {"c": [imp]}, "c": {"a": [imp]}, "d": {"a": [imp]}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": [imp]}, "b": {}}) is None


def test_plugins_imports_no_capability() -> None:
    """The registries import their entries by dotted reference, on first use: any capability
    may import them, and ingest never imports the resolution and screening its steps run."""
    at_run_time = [i for i in IMPORTS if i.module == "corridor.plugins" and not i.type_only]
    assert not [i.target for i in at_run_time if i.target.startswith("corridor")]
    ingest = {
        capability(i.target)
        for i in IMPORTS
        if capability(i.module) == "ingest" and i.target.startswith("corridor.")
    }
    assert not {"screen", "resolve"} & ingest


def test_no_function_local_imports_outside_the_allow_list() -> None:
    local = {(i.module, i.target) for i in IMPORTS if i.local}
    allowed = {
        pair
        for pair in local
        if any(
            pair[0] == m and (pair[1] == t or pair[1].startswith(t + ".")) for m, t in ALLOWED_LOCAL
        )
    }
    hidden = sorted(local - allowed)
    assert not hidden, (
        "imports inside functions (import at the top; if that makes a cycle, move the shared "
        "piece down a layer):\n" + "\n".join(f"  {m} imports {t}" for m, t in hidden)
    )


def test_the_allow_lists_are_still_needed() -> None:
    local = {(i.module, i.target) for i in IMPORTS if i.local}
    stale = [
        (m, t) for m, t in sorted(ALLOWED_LOCAL)
        if not any(pm == m and (pt == t or pt.startswith(t + ".")) for pm, pt in local)
    ]  # fmt: skip
    assert not stale, f"no longer imported inside a function; drop from ALLOWED_LOCAL: {stale}"


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    """Every `corridor` command imports the whole command line first: a library only some
    commands use, imported at the top of a module, is paid for by all of them."""
    code = (
        f"import sys, corridor.cli; print(sorted(m for m in {NOT_AT_START!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
