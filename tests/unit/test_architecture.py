"""The layout holds: no import cycle, no import inside a function, each layer imports only what it
may, and docs/ARCHITECTURE.md's hop lists name files and functions that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage")


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            if "migrations" in path.relative_to(ROOT).parts:  # Alembic's scripts, run by Alembic
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module or name, line, inside a function) for every import statement."""
    tree = ast.parse(path.read_text())
    in_function = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                   for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno, id(node) in in_function) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            out.append((base, node.lineno, id(node) in in_function))
            out += [(f"{base}.{a.name}", node.lineno, id(node) in in_function) for a in node.names]
    return out


def _graph() -> dict[str, set[str]]:
    return {m: {name for name, _, _ in _imports(p) if name in MODULES and name != m} for m, p in MODULES.items()}


def test_there_is_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    path: list[str] = []
    cycles = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(path[path.index(n):] + [n])
            elif n not in state:
                visit(n)
        path.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert cycles == []


def test_the_graph_does_see_imports():
    """The checks above and below would pass on an empty graph: make sure they don't have one."""
    graph = _graph()
    assert "bot.deps" in graph["bot.slack.app"] and "storage.db" in graph["bot.deps"]
    assert "handlers" in graph["bot.slack.app"]


def test_no_import_inside_a_function():
    found = [f"{p.relative_to(ROOT)}:{line}" for p in MODULES.values() for _, line, inside in _imports(p) if inside]
    assert found == []


def _importers(prefix: str):
    return [(m, name) for m, p in MODULES.items() if m == prefix or m.startswith(prefix + ".")
            for name, _, _ in _imports(p)]


@pytest.mark.parametrize("layer, forbidden", [
    ("bot.domain", ("bot.services", "bot.delivery", "bot.slack", "bot.blocks", "bot.deps", "storage", "handlers",
                    "slack_sdk", "slack_bolt", "sqlalchemy", "sqlmodel")),
    ("bot.services", ("bot.slack", "bot.blocks", "handlers", "slack_sdk", "slack_bolt")),
    ("bot.blocks", ("storage.repositories", "storage.db", "bot.delivery", "handlers", "slack_sdk", "slack_bolt")),
    ("storage", ("bot", "handlers", "slack_sdk", "slack_bolt")),
])
def test_each_layer_imports_only_what_it_may(layer, forbidden):
    bad = sorted({(m, name) for m, name in _importers(layer)
                  if any(name == f or name.startswith(f + ".") for f in forbidden)})
    assert bad == []


def test_listeners_do_not_import_one_another():
    """A folder's __init__ registers its modules; a listener module imports none of its peers."""
    bad = []
    for m, p in MODULES.items():
        if not m.startswith("handlers.") or p.name == "__init__.py":
            continue
        for name, _, _ in _imports(p):
            if name.startswith("handlers") and name in MODULES and not name.endswith(".request"):
                bad.append((m, name))
    assert bad == []


# --- docs/ARCHITECTURE.md -----------------------------------------------------------------

HOP = re.compile(r"^\d+\. `(?P<file>[\w/]+\.py)` `(?P<name>[\w.]+)`(?P<rest>.*)$")


def _flows() -> dict[str, list[re.Match]]:
    flows: dict[str, list[re.Match]] = {}
    current = None
    for line in (ROOT / "docs" / "ARCHITECTURE.md").read_text().splitlines():
        if line.startswith("### "):
            current = line[4:]
            flows[current] = []
        elif current and (m := HOP.match(line)):
            flows[current].append(m)
    return flows


def _defined(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
            if isinstance(node, ast.ClassDef):
                names |= {f"{node.name}.{n.name}" for n in node.body if isinstance(n, ast.FunctionDef)}
    return names


def test_the_architecture_doc_lists_three_flows_that_reach_feature_code_within_five_files():
    flows = _flows()
    assert set(flows) == {"A slash command: `/mentoring join`", "A button click: \"Check in\" in a pair's DM",
                          "A scheduled nudge"}
    for title, hops in flows.items():
        assert 3 <= len(hops) <= 6, title
        feature = [i for i, m in enumerate(hops, 1) if "Feature code." in m["rest"]]
        assert feature and feature[0] <= 5, title
        for m in hops:
            path = ROOT / m["file"]
            assert path.is_file(), m["file"]
            assert m["name"] in _defined(path), f"{m['file']} has no {m['name']}"


def test_every_file_the_architecture_doc_names_exists():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    named = set(re.findall(r"`((?:bot|handlers|storage|tests|docs)/[\w/]+\.(?:py|md))`", text))
    assert named and [n for n in sorted(named) if not (ROOT / n).exists()] == []
