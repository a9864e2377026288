"""The sandbox runner's path rules are generated from ``code_monet.types`` and still current."""

from __future__ import annotations

import ast
import sys

import pytest

from code_monet.sandbox import gen_limits, runner
from code_monet.types import colors
from code_monet.types.geometry import PathType
from code_monet.types.paths import (
    EXACT_POINTS,
    MAX_BRUSH_NAME_LENGTH,
    MAX_STROKE_WIDTH,
    MAX_SVG_D_LENGTH,
    MIN_POLYLINE_POINTS,
    STYLE_KEYS,
)

COLOR_SAMPLES = ("#e94560", "#E94560", " #abc ", "#ABC", "red", "#e9456", "#e94560ff", "", 7)


def _normalised(normalize: object, value: object) -> str | None:
    assert callable(normalize)
    try:
        result = normalize(value)
    except ValueError:
        return None
    assert isinstance(result, str)
    return result


class TestGeneratedBlock:
    """runner.py carries the block the generator would write now."""

    def test_block_is_current(self) -> None:
        """Regenerating in memory changes nothing (else run the generator)."""
        # Arrange
        text = gen_limits.RUNNER_PATH.read_text(encoding="utf-8")
        # Act
        regenerated = gen_limits.regenerate(text)
        # Assert
        assert regenerated == text, f"runner.py is stale: run `{gen_limits.COMMAND}`"

    def test_check_mode_reports_current(self, capsys: pytest.CaptureFixture[str]) -> None:
        """``--check`` exits 0 on the checked-in runner."""
        # Arrange / Act
        status = gen_limits.main(["--check"])
        # Assert
        assert status == 0 and "current" in capsys.readouterr().out

    def test_stale_block_is_rewritten(self) -> None:
        """An edited value inside the block is put back; text outside it is kept."""
        # Arrange
        text = gen_limits.RUNNER_PATH.read_text(encoding="utf-8")
        stale = text.replace(
            f"MIN_POLYLINE_POINTS: Final = {MIN_POLYLINE_POINTS}",
            "MIN_POLYLINE_POINTS: Final = 99",
        )
        # Act
        regenerated = gen_limits.regenerate(stale)
        # Assert
        assert stale != text and regenerated == text

    def test_missing_markers_are_an_error(self) -> None:
        """A runner without its block is refused, not silently left alone."""
        # Arrange
        text = "PATH_TYPES = ()\n"
        # Act / Assert
        with pytest.raises(gen_limits.StaleBlockError):
            gen_limits.regenerate(text)


class TestValues:
    """The runner's values equal the definitions in code_monet.types."""

    def test_path_shape_rules(self) -> None:
        """Path kinds, point counts, style keys and limits."""
        # Arrange
        exact = {kind.value: count for kind, count in EXACT_POINTS.items()}
        # Act
        found = (
            runner.PATH_TYPES,
            runner.EXACT_POINTS,
            runner.MIN_POLYLINE_POINTS,
            runner.STYLE_KEYS,
            runner.MAX_SVG_D_LENGTH,
            runner.MAX_BRUSH_NAME_LENGTH,
            runner.MAX_STROKE_WIDTH,
        )
        # Assert
        assert found == (
            frozenset(kind.value for kind in PathType),
            exact,
            MIN_POLYLINE_POINTS,
            STYLE_KEYS,
            MAX_SVG_D_LENGTH,
            MAX_BRUSH_NAME_LENGTH,
            MAX_STROKE_WIDTH,
        )

    @pytest.mark.parametrize("value", COLOR_SAMPLES)
    def test_colour_rule(self, value: object) -> None:
        """The runner normalises and refuses colours exactly as code_monet.types does."""
        # Arrange / Act
        mine = _normalised(runner.normalize_hex_color, value)
        theirs = _normalised(colors.normalize_hex_color, value)
        # Assert
        assert mine == theirs

    def test_check_style_uses_the_colour_rule(self) -> None:
        """A program's colour comes back normalised; a bad one names the form."""
        # Arrange / Act
        color = runner.check_style("color", " #ABC", None, "line()")
        # Assert
        assert color == "#aabbcc"
        with pytest.raises(runner.ProgramOutputError, match="#RRGGBB"):
            runner.check_style("color", "red", None, "line()")


class TestStandalone:
    """The runner stays importable without code_monet: stdlib (and lazily numpy) only."""

    def test_imports_only_the_standard_library(self) -> None:
        """Every import in runner.py is a standard-library module, numpy or pyseccomp."""
        # Arrange
        tree = ast.parse(gen_limits.RUNNER_PATH.read_text(encoding="utf-8"))
        # Act
        names = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 0
        }
        # Assert
        allowed = set(sys.stdlib_module_names) | {"numpy", "pyseccomp", "__future__"}
        assert names - allowed == set()
