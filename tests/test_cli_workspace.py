"""CLI: `workspace list/export/import` and `gallery export` (Typer's CliRunner)."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from code_monet.app.cli import app
from code_monet.types.geometry import PathType, Point
from code_monet.types.paths import Path as StrokePath
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace import WorkspaceState

runner = CliRunner()


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _create_user(env: dict[str, str], email: str) -> str:
    code, out, err = _invoke(env, "user", "create", email)
    assert code == 0, err
    return out.split()[2]


def _stroke(y: float) -> StrokePath:
    return StrokePath(type=PathType.POLYLINE, points=[Point(x=10 * i, y=y) for i in range(5)])


def _paint_one_piece(data_dir: Path, user_id: str) -> None:
    """Piece 1 (paint style, 2 strokes) saved to the gallery; piece 2 in progress (1 stroke)."""

    async def paint() -> None:
        state = await WorkspaceState.load_for_user(user_id, data_dir=data_dir, durable=False)
        await state.set_drawing_style(DrawingStyleType.PAINT)
        await state.add_strokes([_stroke(100), _stroke(200)])
        await state.set_title("Two lines")
        await state.new_canvas()
        await state.add_strokes([_stroke(300)])

    asyncio.run(paint())


class TestWorkspaceCommands:
    """list, export and import."""

    def test_list_shows_each_workspace_with_email(self, env: dict[str, str]) -> None:
        """Every user directory is listed with its e-mail, piece and counts."""
        # Arrange
        user_id = _create_user(env, "ada@example.com")
        _paint_one_piece(Path(env["DATA_DIR"]), user_id)
        # Act
        code, out, _ = _invoke(env, "workspace", "list")
        # Assert
        assert code == 0
        line = next(row for row in out.splitlines() if row.startswith(user_id))
        assert line.split()[1:] == ["ada@example.com", "2", "1", "1"]

    def test_list_without_workspaces(self, env: dict[str, str]) -> None:
        """No users directory is not an error."""
        # Arrange / Act
        code, out, _ = _invoke(env, "workspace", "list")
        # Assert
        assert code == 0 and "No workspaces" in out

    def test_export_then_import_into_another_user(
        self, env: dict[str, str], tmp_path: Path
    ) -> None:
        """An export restores into a second account: canvas, gallery and title intact."""
        # Arrange
        source = _create_user(env, "ada@example.com")
        target = _create_user(env, "bo@example.com")
        _paint_one_piece(Path(env["DATA_DIR"]), source)
        export_file = tmp_path / "export.json"
        # Act
        exported = _invoke(env, "workspace", "export", source, str(export_file))
        imported = _invoke(env, "workspace", "import", str(export_file), "--user-id", target)
        again = _invoke(env, "workspace", "import", str(export_file), "--user-id", target)
        forced = _invoke(
            env, "workspace", "import", str(export_file), "--user-id", target, "--force"
        )

        async def load() -> WorkspaceState:
            return await WorkspaceState.load_for_user(target, data_dir=Path(env["DATA_DIR"]))

        restored = asyncio.run(load())
        gallery = asyncio.run(restored.gallery.entries_async())
        # Assert
        assert exported[0] == 0 and json.loads(export_file.read_text())["user_id"] == source
        assert imported[0] == 0 and "1 piece(s)" in imported[1]
        assert again[0] == 1 and "--force" in again[2]
        assert forced[0] == 0
        assert len(restored.canvas.strokes) == 1 and restored.piece.number == 2
        assert [(g.piece_number, g.title, g.stroke_count) for g in gallery] == [(1, "Two lines", 2)]

    def test_export_and_import_errors(self, env: dict[str, str], tmp_path: Path) -> None:
        """Bad ids are usage errors (2); missing data, junk files, unknown users fail (1)."""
        # Arrange
        junk = tmp_path / "junk.json"
        junk.write_text('{"format": "something else"}')
        stranger = str(uuid.uuid4())
        user_id = _create_user(env, "ada@example.com")
        _paint_one_piece(Path(env["DATA_DIR"]), user_id)
        good = tmp_path / "good.json"
        _invoke(env, "workspace", "export", user_id, str(good))
        # Act
        bad_id = _invoke(env, "workspace", "export", "../../etc", str(tmp_path / "x.json"))
        missing = _invoke(env, "workspace", "export", stranger, str(tmp_path / "x.json"))
        not_export = _invoke(env, "workspace", "import", str(junk))
        no_file = _invoke(env, "workspace", "import", str(tmp_path / "absent.json"))
        no_user = _invoke(env, "workspace", "import", str(good), "--user-id", stranger)
        # Assert
        assert bad_id[0] == 2
        assert missing[0] == 1 and "No workspace" in missing[2]
        assert not_export[0] == 1 and "not a workspace export" in not_export[2]
        assert no_file[0] == 1 and "Cannot read" in no_file[2]
        assert no_user[0] == 1 and "user create" in no_user[2]


class TestGalleryExport:
    """gallery export USER_ID PIECE --format png|svg."""

    @pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("svg", b"<svg")])
    def test_export_formats(
        self, env: dict[str, str], tmp_path: Path, fmt: str, magic: bytes
    ) -> None:
        """PNG and SVG are written to -o, or to piece_000001.<fmt> by default."""
        # Arrange
        user_id = _create_user(env, "ada@example.com")
        _paint_one_piece(Path(env["DATA_DIR"]), user_id)
        target = tmp_path / f"out.{fmt}"
        # Act
        code, out, _ = _invoke(
            env, "gallery", "export", user_id, "1", "--format", fmt, "-o", str(target)
        )
        # Assert
        assert code == 0 and str(target) in out
        data = target.read_bytes()
        assert magic in data[:200]

    def test_export_to_stdout(self, env: dict[str, str]) -> None:
        """-o - writes the image itself to stdout."""
        # Arrange
        user_id = _create_user(env, "ada@example.com")
        _paint_one_piece(Path(env["DATA_DIR"]), user_id)
        # Act
        result = runner.invoke(
            app, ["gallery", "export", user_id, "1", "-f", "svg", "-o", "-"], env=env
        )
        # Assert
        assert result.exit_code == 0 and result.stdout.lstrip().startswith(("<svg", "<?xml"))

    def test_export_errors(self, env: dict[str, str]) -> None:
        """Missing piece → 1; bad format, bad piece number, bad id → 2."""
        # Arrange
        user_id = _create_user(env, "ada@example.com")
        _paint_one_piece(Path(env["DATA_DIR"]), user_id)
        # Act
        missing = _invoke(env, "gallery", "export", user_id, "7")
        bad_format = _invoke(env, "gallery", "export", user_id, "1", "--format", "gif")
        bad_piece = _invoke(env, "gallery", "export", user_id, "0")
        bad_id = _invoke(env, "gallery", "export", "nope", "1")
        # Assert
        assert missing[0] == 1 and "no gallery piece 7" in missing[2]
        assert (bad_format[0], bad_piece[0], bad_id[0]) == (2, 2, 2)
