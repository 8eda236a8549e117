"""The package's rooms and the one direction of its imports, read from the source: only the
store speaks SQL; analysis, then charts, then the dashboards; nothing inner reaches out."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "toolkit"

# What each room may import from the toolkit (besides itself). The command line and the
# server extension sit outermost; errors and config innermost.
MAY_IMPORT = {
    "errors": set(),
    "config": {"errors"},
    "safeguarding": {"config", "errors"},
    "content": {"config", "errors"},
    "store": {"config", "errors", "content", "safeguarding"},
    "analysis": {"config", "errors", "content"},
    "charts": {"config", "errors", "content", "analysis"},
    "bundle": {"errors", "content", "store"},
    "demo": {"config", "errors", "content", "store"},
    # The console's lobby draws the join page's QR code as the server does.
    # The content editor previews a screen with the student page's own template (server.preview).
    "dashboards": {"config", "errors", "content", "store", "analysis", "charts", "safeguarding", "server.qr",
                   "server.preview"},
    # toolkit serve names the dashboards' Voila template in Voila's configuration.
    "server": {"config", "errors", "content", "store", "safeguarding", "dashboards.template"},
    # toolkit report writes the same programme report as the trends page's button.
    "cli": {"config", "errors", "content", "store", "analysis", "bundle", "demo", "server", "dashboards.trends.report"},
}


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        yield path, parts[:-1] if parts[-1] == "__init__" else parts, parts[-1] == "__init__"


def imports_of(path: Path, name: tuple, package: bool):
    """Every import of ``path``, as the dotted names it may bring in: ``from a import b``
    gives ``a.b`` (a module or a name in ``a``); relative imports are resolved."""
    here = list(name) if package else list(name[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield from (f"{module}.{alias.name}" for alias in node.names)


def room(dotted: str) -> str:
    return dotted.split(".")[1] if dotted.count(".") else ""


@pytest.mark.parametrize("path, name, package", list(modules()), ids=lambda v: v if isinstance(v, str) else None)
def test_imports_point_inward(path, name, package):
    mine = name[1] if len(name) > 1 else ""
    if not mine:
        return  # toolkit/__init__.py: open_store and the extension's entry point
    allowed = MAY_IMPORT[mine] | {"__version__"}
    for imported in imports_of(path, name, package):
        if not imported.startswith("toolkit.") or room(imported) == mine:
            continue
        inside = imported.split(".", 1)[1]
        assert any(inside == a or inside.startswith(a + ".") for a in allowed), \
            f"{'.'.join(name)} imports {imported}"


def test_only_the_store_speaks_sql():
    speaking = sorted(".".join(name) for path, name, package in modules()
                      if any(i.split(".")[0] == "sqlalchemy" for i in imports_of(path, name, package)))
    assert speaking and all(n.startswith("toolkit.store") for n in speaking), speaking


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE.parent)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
