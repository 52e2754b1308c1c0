"""The package's shape: no import circle, layers that import only downward, and one name per concept.

The import graph is read from the source with ``ast`` (imports inside functions included), so a circle that only
closes at run time is found too. A package's ``__init__`` may gather its children (``staff/__init__`` imports its
views, which take ``bp`` from it): that edge back to the parent package is the one allowed.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "survey_app"

# Which top-level areas each area may import (besides itself). Anything not listed is forbidden.
LOWER = {"clock", "config", "db", "models", "questionnaire", "tokens", "clientkeys", "templating"}
# What the blueprints may use besides the lower layers: the services and the web infrastructure modules.
WEB = {"services", "stats", "documents", "extensions", "web", "monitoring"}
ALLOWED = {
    "stats": set(),
    "models": {"db", "clock"},
    "documents": {"models", "templating", "clock"},
    # monitoring.counters has no Flask: services count what only they see (a released batch).
    "services": LOWER | {"stats", "documents", "migrate", "monitoring"},
    "public": LOWER | WEB,
    "staff": LOWER | WEB,
    "cli": LOWER | {"services", "stats", "documents", "migrate"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of the package that ``name`` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_import_graph_has_no_circle_besides_a_package_gathering_its_children() -> None:
    graph = _graph()
    # A module importing one of its own packages (a blueprint's ``bp``; the factory in ``survey_app``, which Python
    # loads before any submodule anyway) is the allowed edge back up.
    pruned = {name: {m for m in deps if not name.startswith(m + ".")} for name, deps in graph.items()}
    assert _circles(pruned) == []
    # The check can fail: the command line before the move (cli.py <-> cli_stats.py) was such a circle.
    assert _circles({"a.cli": {"a.cli_stats"}, "a.cli_stats": {"a.cli"}}) == [["a.cli", "a.cli_stats"]]


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for name, deps in _graph().items():
        area = name.split(".")[1] if "." in name else None
        if area not in ALLOWED:
            continue
        for dep in deps:
            if name.startswith(dep + "."):
                continue  # its own package (for ``survey_app``: the factory, loaded before any submodule)
            dep_area = dep.split(".")[1]
            if dep_area != area and dep_area not in ALLOWED[area]:
                wrong.append(f"{name} imports {dep}")
    assert wrong == []


def test_no_lower_module_loads_the_command_line_in_a_fresh_interpreter() -> None:
    """Import every module outside ``survey_app.cli`` in a new interpreter; none may pull a cli module in."""
    names = sorted(n for n in _modules() if n != "survey_app.cli" and not n.startswith("survey_app.cli."))
    script = textwrap.dedent(
        f"""
        import importlib, sys
        for name in {names!r}:
            importlib.import_module(name)
        print("\\n".join(sorted(m for m in sys.modules if m == "survey_app.cli" or m.startswith("survey_app.cli."))))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
    assert len(names) > 60


def test_no_module_at_the_top_reuses_a_name_of_a_subpackage_module() -> None:
    top = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    nested = {p.stem for p in PACKAGE.glob("*/**/*.py") if p.stem != "__init__"}
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert top & nested == set()
    assert top & subpackages == set()


def _packages() -> list[Path]:
    return sorted(p.parent for p in PACKAGE.rglob("__init__.py"))


def test_no_package_directly_holds_more_than_fifteen_modules() -> None:
    crowded = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in _packages()
        if (n := len([m for m in p.glob("*.py") if m.name != "__init__.py"])) > 15
    }
    assert crowded == {}


def test_services_and_staff_are_grouped_by_the_same_parts() -> None:
    def parts(area: str) -> set[str]:
        return {p.name for p in (PACKAGE / area).iterdir() if (p / "__init__.py").exists()}

    services, staff = parts("services"), parts("staff")
    assert {"intake", "outreach", "results", "improvement", "integrity", "accounts", "cycles"} <= services
    # Every staff part is a part of the services, under the same name (intake has no staff pages).
    assert staff <= services
    assert len(staff) >= 6


def _inflected(a: str, b: str) -> bool:
    """``b`` is ``a`` (or ``a`` less a final ``e``) with a suffix or an inflection: ``release``/``released``,
    ``report``/``report_docx``, ``improve``/``improvement_view``."""
    for stem in (a, a[:-1] if a.endswith("e") else a):
        rest = b[len(stem) :] if b.startswith(stem) else None
        if rest and (rest.startswith("_") or re.fullmatch(r"(s|d|ed|es|ing|ment|ments)(_.*)?", rest)):
            return True
    return False


def test_no_two_modules_of_a_package_differ_only_by_a_suffix() -> None:
    """``release``/``released`` or ``improve``/``improvement_view``: one concept split badly."""
    clashes = []
    for package in _packages():
        names = sorted(m.stem for m in package.glob("*.py") if m.stem != "__init__")
        names += sorted(p.name for p in package.iterdir() if (p / "__init__.py").exists())
        for a in names:
            for b in names:
                if a != b and _inflected(a, b):
                    clashes.append(f"{package.relative_to(PACKAGE.parent)}: {a} / {b}")
    assert clashes == []
    # The check can fail: the names this layout replaced.
    assert _inflected("release", "released") and _inflected("improve", "improvement_view")
    assert _inflected("report", "report_docx") and not _inflected("cli", "clientkeys")


def test_every_package_and_subpackage_says_what_it_owns() -> None:
    missing = [
        str(p.relative_to(PACKAGE.parent))
        for p in _packages()
        if not ast.get_docstring(ast.parse((p / "__init__.py").read_text(encoding="utf-8")))
    ]
    assert missing == []


def test_the_readme_layout_table_names_every_package_and_top_level_module() -> None:
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    top = [p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"]
    packages = [str(p.relative_to(PACKAGE)) for p in _packages() if p != PACKAGE]
    unnamed = [n for n in top if f"{n}.py" not in table] + [
        p for p in packages if p.split("/")[-1] not in table
    ]
    assert unnamed == []


def test_services_know_nothing_of_flask() -> None:
    """Services take a session and return values: no request, no application object, no Flask extension."""
    found = []
    for path in (PACKAGE / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            found += [
                f"{path.relative_to(PACKAGE)}: {n}" for n in names if n.split(".")[0].startswith("flask")
            ]
    assert found == []


def test_views_leave_queries_to_the_services() -> None:
    """The blueprints parse the request, call a service and render: they build no SQL query."""
    builders = {"select", "func", "update", "delete", "insert", "and_", "or_", "text"}
    found = []
    for area in ("staff", "public"):
        for path in (PACKAGE / area).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                    found += [
                        f"{path.relative_to(PACKAGE)}: {a.name}" for a in node.names if a.name in builders
                    ]
    assert found == []
