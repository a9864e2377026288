"""The package's shape, checked from its imports (issue 18): folders by role, a layered
dependency order with nothing importing upward, no import cycles, no code in ``__init__.py``,
and configuration read from the environment only in ``app/``.

The layers below are the architecture's map (``docs/architecture.md`` draws the
same one). A new import that breaks it fails here, so the design cannot drift silently.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "code_monet"

# The layers, lowest first: each package names the packages it builds on, and may import
# those and everything they may import (a package never imports one above or beside it).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("types", ()),
    ("limits", ("types",)),
    ("observability", ("types",)),
    ("geometry", ("types",)),
    ("sandbox", ("geometry",)),
    ("db", ("observability",)),
    ("auth", ("db", "limits")),
    ("workspace", ("geometry", "observability")),
    ("render", ("workspace", "limits")),
    ("tools", ("render", "sandbox")),
    ("agent", ("tools",)),
    ("share", ("render", "auth")),
    ("live", ("agent", "share")),
    ("routes", ("live",)),
    ("app", ("routes",)),
)


def allowed_imports() -> dict[str, frozenset[str]]:
    allowed: dict[str, frozenset[str]] = {}
    for name, uses in LAYERS:
        reach = set(uses)
        for used in uses:
            reach |= allowed[used]
        allowed[name] = frozenset(reach)
    return allowed


ALLOWED = allowed_imports()

# Names whose use means "reads configuration from the environment".
ENVIRONMENT_READERS = ("os.environ", "os.getenv", "getenv(", "BaseSettings", "load_dotenv")


@dataclass(frozen=True)
class Import:
    """One ``import``/``from … import`` of a ``code_monet`` module, wherever it appears."""

    source: str  # the importing module, dotted
    target: str  # the imported module, dotted (a name imported from a package counts as it)
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    source = module_name(path)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("code_monet"):
                    yield Import(source, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("code_monet"):
                continue
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                target = candidate if candidate in modules else node.module
                yield Import(source, target, node.lineno)


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else ""


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Import]]:
    modules = all_modules()
    return {name: list(imports_of(path, modules)) for name, path in modules.items()}


class TestLayout:
    def test_package_root_holds_no_modules(self) -> None:
        """Every module lives in a folder named for its role; the root keeps only the entry."""
        # Arrange
        allowed = {"__init__.py", "__main__.py"}

        # Act
        stray = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in allowed)

        # Assert
        assert stray == []

    def test_every_folder_is_on_the_map(self) -> None:
        """A new package must be placed in the layer order before it can be used."""
        # Arrange
        folders = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}

        # Act
        unknown = sorted(folders - set(ALLOWED))

        # Assert
        assert unknown == []

    def test_init_files_hold_no_implementation(self) -> None:
        """``__init__.py`` holds a docstring and re-exports at most: code lives in modules."""
        # Arrange
        offenders: list[str] = []

        # Act
        for init in sorted(PACKAGE.rglob("__init__.py")):
            tree = ast.parse(init.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                    continue  # the docstring
                if isinstance(node, ast.Assign) and all(
                    isinstance(t, ast.Name) and t.id in {"__all__", "__version__"}
                    for t in node.targets
                ):
                    continue
                offenders.append(f"{init.relative_to(PACKAGE)}:{node.lineno}")

        # Assert
        assert offenders == []


class TestDependencies:
    def test_nothing_imports_upward(self, graph: dict[str, list[Import]]) -> None:
        """Each package imports only the packages below it in the map (``ALLOWED``)."""
        # Arrange
        violations: list[str] = []

        # Act
        for imports in graph.values():
            for imp in imports:
                source, target = package_of(imp.source), package_of(imp.target)
                if not source or not target or source == target:
                    continue
                if target not in ALLOWED[source]:
                    violations.append(f"{imp.source}:{imp.line} imports {imp.target}")

        # Assert
        assert violations == []

    def test_no_import_cycles(self, graph: dict[str, list[Import]]) -> None:
        """No module reaches itself through imports, lazy or type-only ones included."""
        # Arrange
        edges = {
            name: sorted({i.target for i in imps if i.target in graph})
            for name, imps in graph.items()
        }
        state: dict[str, int] = {}
        cycles: list[list[str]] = []

        def visit(node: str, stack: list[str]) -> None:
            state[node] = 1
            stack.append(node)
            for nxt in edges[node]:
                if state.get(nxt) == 1:
                    cycles.append([*stack[stack.index(nxt) :], nxt])
                elif nxt not in state:
                    visit(nxt, stack)
            stack.pop()
            state[node] = 2

        # Act
        for name in sorted(edges):
            if name not in state:
                visit(name, [])

        # Assert
        assert cycles == []


class TestConfiguration:
    def test_only_the_app_reads_the_environment(self) -> None:
        """Configuration is read once, in ``app/``, and passed down; nothing below reads it."""
        # Arrange
        offenders: list[str] = []

        # Act
        for path in sorted(PACKAGE.rglob("*.py")):
            relative = path.relative_to(PACKAGE)
            if relative.parts[0] == "app":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if any(reader in code for reader in ENVIRONMENT_READERS):
                    offenders.append(f"{relative}:{number}: {line.strip()}")

        # Assert
        assert offenders == []
