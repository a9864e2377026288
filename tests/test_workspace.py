"""WorkspaceState: canvas, queue, gallery, persistence across reloads, hostile ids."""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path

import pytest
from pydantic import TypeAdapter

from code_monet.types import (
    AgentStatus,
    DrawingStyleType,
    PathType,
    PauseReason,
    PendingStrokeDict,
    Point,
)
from code_monet.types import Path as StrokePath
from code_monet.workspace import WorkspaceState, read_workspace_file
from code_monet.workspace.limits import WorkspaceLimits
from code_monet.workspace.log import LogWriteError
from code_monet.workspace.persistence import WorkspacePathError
from code_monet.workspace.stroke_queue import QueuedBatch, batches_to_dicts


def _poly(n: int = 5, y: float = 10.0) -> StrokePath:
    return StrokePath(type=PathType.POLYLINE, points=[Point(x=10 * i, y=y) for i in range(n)])


async def _reload(tmp_path: Path, user_id: str) -> WorkspaceState:
    return await WorkspaceState.load_for_user(user_id, data_dir=tmp_path, durable=False)


class TestCanvas:
    """Stroke storage and clearing."""

    async def test_strokes_survive_reload(self, workspace: WorkspaceState, tmp_path: Path) -> None:
        """Added strokes are on disk before add_strokes returns."""
        # Arrange
        paths = [_poly(), _poly(y=50)]
        # Act
        await workspace.add_strokes(paths)
        reloaded = await _reload(tmp_path, workspace.user_id)
        # Assert
        assert reloaded.canvas.strokes == paths

    async def test_clear_empties_canvas_and_queue(self, workspace: WorkspaceState) -> None:
        """clear_canvas removes strokes and pending batches."""
        # Arrange
        await workspace.add_strokes([_poly()])
        await workspace.add_strokes([_poly()], queue=True)
        # Act
        await workspace.clear_canvas()
        # Assert
        assert workspace.canvas.strokes == []
        assert workspace.queue.stroke_count == 0

    async def test_concurrent_adds_lose_nothing(
        self, workspace: WorkspaceState, tmp_path: Path
    ) -> None:
        """Fifty concurrent add_strokes calls all land, in memory and on disk."""
        # Arrange
        paths = [_poly(y=float(i)) for i in range(50)]
        # Act
        await asyncio.gather(*(workspace.add_strokes([p]) for p in paths))
        reloaded = await _reload(tmp_path, workspace.user_id)
        # Assert
        assert len(workspace.canvas.strokes) == 50
        assert sorted(p.points[0].y for p in reloaded.canvas.strokes) == [
            float(i) for i in range(50)
        ]


def _pending(workspace: WorkspaceState, after: int = 0) -> list[PendingStrokeDict]:
    return batches_to_dicts(workspace.queue.after(after))


def _id(queued: QueuedBatch | None) -> int:
    assert queued is not None
    return queued.batch_id


class TestStrokeQueue:
    """add_strokes(queue=True) returns the queued batch; the queue rebuilds from the log."""

    async def test_queued_batches_get_new_ids_and_interpolated_points(
        self, workspace: WorkspaceState
    ) -> None:
        """Each queued batch gets the next id; its points are interpolated for animation."""
        # Arrange
        paths = [_poly(n=3), _poly(n=4)]
        # Act
        first = _id(await workspace.add_strokes(paths, queue=True))
        second = _id(await workspace.add_strokes(paths[:1], queue=True))
        pending = _pending(workspace)
        # Assert
        assert first + 1 == second
        assert sum(len(p["points"]) for p in pending if p["batch_id"] == first) > 7
        assert pending[0]["path"]["type"] == "polyline"
        assert pending[0]["points"][0] == {"x": 0.0, "y": 10.0}

    async def test_queue_survives_restart(self, workspace: WorkspaceState, tmp_path: Path) -> None:
        """Queued strokes are persisted and re-interpolated identically on load."""
        # Arrange
        batch_id = _id(await workspace.add_strokes([_poly(n=6)], queue=True))
        before = _pending(workspace)
        # Act
        reloaded = await _reload(tmp_path, workspace.user_id)
        after = _pending(reloaded)
        # Assert
        assert after == before
        assert after[0]["batch_id"] == batch_id
        assert _id(await reloaded.add_strokes([_poly()], queue=True)) == batch_id + 1

    async def test_pending_after_cursor_and_ack(
        self, workspace: WorkspaceState, tmp_path: Path
    ) -> None:
        """Reading the queue is non-destructive; an ``ack`` record drops acknowledged
        batches, and so does replaying it."""
        # Arrange
        b1 = _id(await workspace.add_strokes([_poly()], queue=True))
        b2 = _id(await workspace.add_strokes([_poly(), _poly()], queue=True))
        # Act
        after_b1 = _pending(workspace, b1)
        workspace.record_ack(b1)
        reloaded = await _reload(tmp_path, workspace.user_id)
        # Assert
        assert {p["batch_id"] for p in after_b1} == {b2}
        assert workspace.queue.ids() == [b2] == reloaded.queue.ids()
        assert workspace.queue.stroke_count == 2


class TestGallery:
    """new_canvas saves pieces; listing and loading them."""

    async def test_new_canvas_saves_and_advances(self, workspace: WorkspaceState) -> None:
        """A non-empty canvas is saved as piece_000001 and the next piece starts empty."""
        # Arrange
        await workspace.add_strokes([_poly()])
        await workspace.set_title("Tide")
        # Act
        saved = await workspace.new_canvas(
            drawing_style=DrawingStyleType.PAINT, width=1200, height=5000, prompt="waves"
        )
        entries = await workspace.gallery.entries_async()
        # Assert
        assert saved == "piece_000001"
        assert workspace.piece.number == 2
        assert workspace.canvas.strokes == [] and workspace.piece.title is None
        assert workspace.piece.prompt == "waves"
        assert workspace.canvas.size == (1200, 2400)
        assert workspace.canvas.drawing_style is DrawingStyleType.PAINT
        assert [(e.id, e.stroke_count, e.title) for e in entries] == [("piece_000001", 1, "Tide")]

    async def test_save_piece_then_new_canvas_keeps_one_entry(
        self, workspace: WorkspaceState
    ) -> None:
        """A piece saved when finished is updated, not duplicated, by new_canvas."""
        # Arrange
        await workspace.add_strokes([_poly()])
        await workspace.set_title("First light")
        entry = await workspace.save_piece()
        await workspace.add_strokes([_poly(y=80)])
        # Act
        saved = await workspace.new_canvas()
        entries = await workspace.gallery.entries_async()
        # Assert
        assert entry.id == saved == "piece_000001"
        assert [(e.id, e.stroke_count) for e in entries] == [("piece_000001", 2)]
        assert workspace.piece.number == 2

    async def test_counter_reset_never_overwrites_saved_pieces(
        self, workspace: WorkspaceState, tmp_path: Path
    ) -> None:
        """After a corrupt workspace.json resets the counter, old pieces are kept."""
        # Arrange
        await workspace.add_strokes([_poly()])
        await workspace.new_canvas()
        (workspace.directory / "workspace.json").write_text("{broken")
        fresh = await _reload(tmp_path, workspace.user_id)
        await fresh.add_strokes([_poly(y=50)])
        # Act
        saved = await fresh.new_canvas()
        # Assert
        assert saved == "piece_000002"
        assert [e.id for e in await fresh.gallery.entries_async()] == [
            "piece_000001",
            "piece_000002",
        ]

    async def test_empty_canvas_saves_nothing(self, workspace: WorkspaceState) -> None:
        """new_canvas on an empty canvas returns None and keeps the piece number."""
        # Arrange / Act
        saved = await workspace.new_canvas()
        # Assert
        assert saved is None
        assert workspace.piece.number == 1
        assert await workspace.gallery.entries_async() == []

    async def test_load_from_gallery(self, workspace: WorkspaceState) -> None:
        """A saved piece loads back with its strokes and style."""
        # Arrange
        await workspace.set_drawing_style(DrawingStyleType.PAINT)
        await workspace.add_strokes([_poly(n=3)])
        await workspace.new_canvas()
        # Act
        saved = await workspace.gallery.load_async(1)
        # Assert
        assert len(saved.strokes) == 1 and saved.drawing_style is DrawingStyleType.PAINT

    async def test_missing_piece_raises_file_not_found(self, workspace: WorkspaceState) -> None:
        """Loading an unknown piece number is a FileNotFoundError."""
        # Arrange / Act / Assert
        with pytest.raises(FileNotFoundError):
            await workspace.gallery.load_async(42)

    async def test_corrupt_gallery_file_skipped_and_reported(
        self, workspace: WorkspaceState
    ) -> None:
        """A damaged piece file is left in place, skipped in listings and recorded."""
        # Arrange
        await workspace.add_strokes([_poly()])
        await workspace.new_canvas()
        bad = workspace.directory / "gallery" / "piece_000002.json"
        bad.write_text('{"id": "piece_000002", "strokes": [')
        # Act
        entries = await workspace.gallery.entries_async()
        # Assert
        assert [e.id for e in entries] == ["piece_000001"]
        assert "piece_000002.json" in workspace.gallery.corrupt_files
        assert bad.exists()

    async def test_thumbnail_token_changes_with_content(self, workspace: WorkspaceState) -> None:
        """Different pieces get different content tokens."""
        # Arrange
        await workspace.add_strokes([_poly()])
        await workspace.new_canvas()
        await workspace.add_strokes([_poly(y=99)])
        await workspace.new_canvas()
        # Act
        entries = await workspace.gallery.entries_async()
        # Assert
        tokens = {e.thumbnail_token for e in entries}
        assert len(tokens) == 2 and all(t and len(t) == 16 for t in tokens)


class TestAgentStateAndSafety:
    """Agent fields persist; corrupt files and hostile ids are handled."""

    async def test_agent_fields_persist(self, workspace: WorkspaceState, tmp_path: Path) -> None:
        """Pause reason, completion and prompt survive a reload; a working status does not
        (no turn survives a restart)."""
        # Arrange
        await workspace.set_status(AgentStatus.DRAWING)
        await workspace.set_paused(PauseReason.DISCONNECT)
        await workspace.set_prompt("a lighthouse")
        await workspace.set_piece_completed(True)
        # Act
        reloaded = await _reload(tmp_path, workspace.user_id)
        # Assert
        assert reloaded.piece.status is AgentStatus.IDLE
        assert reloaded.piece.paused and reloaded.piece.pause_reason is PauseReason.DISCONNECT
        assert reloaded.piece.prompt == "a lighthouse"
        assert reloaded.piece.completed

    async def test_corrupt_workspace_moved_aside(self, tmp_path: Path, user_id: str) -> None:
        """A truncated workspace.json is kept under a new name and reported."""
        # Arrange
        state = await _reload(tmp_path, user_id)
        await state.add_strokes([_poly()])
        await state.save()  # strokes go to the log; this folds them into a snapshot
        epoch = state.log.epoch
        state.close()
        path = state.directory / "workspace.json"
        path.write_bytes(path.read_bytes()[:40])
        # Act
        recovered = await _reload(tmp_path, user_id)
        # Assert
        assert recovered.canvas.strokes == []
        assert "damaged" in recovered.load_warnings[0] and recovered.log.epoch != epoch
        aside = list(state.directory.glob("workspace.json.corrupt-*"))
        assert len(aside) == 1 and aside[0].stat().st_size == 40

    @pytest.mark.parametrize("bad_id", ["../../etc", "not-a-uuid", "", "a/b", "\x00"])
    async def test_hostile_user_ids_rejected(self, tmp_path: Path, bad_id: str) -> None:
        """User ids that are not UUIDs never reach the filesystem."""
        # Arrange / Act / Assert
        with pytest.raises(WorkspacePathError, match="must be a UUID"):
            await WorkspaceState.load_for_user(bad_id, data_dir=tmp_path)
        assert not (tmp_path / "users").exists() or not any((tmp_path / "users").iterdir())

    async def test_users_are_isolated(self, tmp_path: Path) -> None:
        """Two users' workspaces live in separate directories and never mix."""
        # Arrange
        a = await WorkspaceState.load_for_user(
            "11111111-1111-4111-8111-111111111111", data_dir=tmp_path, durable=False
        )
        b = await WorkspaceState.load_for_user(
            "22222222-2222-4222-8222-222222222222", data_dir=tmp_path, durable=False
        )
        # Act
        await a.add_strokes([_poly()])
        # Assert
        assert b.canvas.strokes == []
        assert a.directory != b.directory and a.directory.parent == b.directory.parent


class TestIncrementalEncoding:
    """workspace.json is written from cached stroke JSON; it must equal a full encoding."""

    async def test_file_matches_the_state_through_adds_clears_and_new_pieces(
        self, workspace: WorkspaceState, tmp_path: Path
    ) -> None:
        """After every kind of change the reloaded canvas is exactly the live one."""

        # Arrange
        def line(x: float) -> StrokePath:
            return StrokePath(type=PathType.LINE, points=[Point(x=x, y=1), Point(x=x + 5, y=9)])

        snapshots: list[list[dict[str, object]]] = []
        reloaded: list[list[dict[str, object]]] = []
        # Act
        for step in range(6):
            if step == 3:
                await workspace.clear_canvas()
            elif step == 5:
                await workspace.new_canvas()
            await workspace.add_strokes([line(step), line(step + 10)], queue=step % 2 == 0)
            snapshots.append([p.model_dump() for p in workspace.canvas.strokes])
            again = await _reload(tmp_path, workspace.user_id)
            reloaded.append([p.model_dump() for p in again.canvas.strokes])
        # Assert
        assert reloaded == snapshots
        assert [len(s) for s in snapshots] == [2, 4, 6, 2, 4, 2]


class TestCanvasStrokesInMemory:
    """The live canvas is kept as encoded JSON; every view of it must decode to the same."""

    async def test_counts_and_views_agree_with_the_added_paths(
        self, workspace: WorkspaceState
    ) -> None:
        """Counts by author, the decoded list, the snapshot and the JSON array all match."""
        # Arrange
        agent = [_poly(), _poly(y=30)]
        human = StrokePath(
            type=PathType.LINE, points=[Point(x=1, y=2), Point(x=3, y=4)], author="human"
        )
        # Act
        await workspace.add_strokes(agent)
        await workspace.add_strokes([human])
        decoded = await workspace.canvas.stroke_paths()
        snapshot = await workspace.canvas.snapshot()
        # Assert
        assert workspace.canvas.stroke_count == 3
        assert workspace.canvas.human_stroke_count == 1
        assert decoded == [*agent, human] == workspace.canvas.strokes == snapshot.strokes
        assert (
            workspace.canvas.strokes_json()
            == TypeAdapter(list[StrokePath]).dump_json(decoded).decode()
        )

    async def test_big_canvases_decode_off_the_loop_to_the_same_paths(
        self, workspace: WorkspaceState
    ) -> None:
        """Above the inline bound the decode runs in a thread and gives the same result."""
        # Arrange
        from code_monet.workspace.canvas_strokes import INLINE_DECODE_MAX_STROKES

        paths = [_poly(y=float(i)) for i in range(INLINE_DECODE_MAX_STROKES + 5)]
        await workspace.add_strokes(paths)
        # Act
        decoded = await workspace.canvas.stroke_paths()
        # Assert
        assert decoded == paths

    async def test_a_failed_save_rolls_back_strokes_and_counts(
        self, workspace: WorkspaceState, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """When the write fails nothing is added: not the strokes, not the human count."""
        # Arrange
        await workspace.add_strokes([_poly()])
        human = StrokePath(
            type=PathType.LINE, points=[Point(x=1, y=2), Point(x=3, y=4)], author="human"
        )

        def full_disk(fd: int, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr("code_monet.workspace.log.os.write", full_disk)
        # Act
        with pytest.raises(LogWriteError, match="disk is full"):
            await workspace.add_strokes([human], queue=True)
        # Assert
        assert workspace.canvas.stroke_count == 1
        assert workspace.canvas.human_stroke_count == 0
        assert workspace.queue.ids() == []

    async def test_a_saved_piece_holds_the_canvas_strokes(self, workspace: WorkspaceState) -> None:
        """Saving to the gallery decodes the canvas in the worker thread, unchanged."""
        # Arrange
        paths = [_poly(), _poly(y=70)]
        await workspace.add_strokes(paths)
        # Act
        entry = await workspace.save_piece()
        saved = await workspace.gallery.load_async(entry.piece_number)
        # Assert
        assert saved.strokes == paths


class TestOfflineRead:
    """What the offline tools (export) read without loading a server."""

    async def test_the_log_is_folded_like_a_load(self, workspace: WorkspaceState) -> None:
        """Snapshot plus log, read offline, is the live state: canvas, title, queue, seq."""
        # Arrange
        await workspace.add_strokes([_poly()], queue=True)
        await workspace.add_strokes([_poly(y=40.0)])
        await workspace.set_title("Tide")
        workspace.close()
        # Act
        data = read_workspace_file(workspace.directory, WorkspaceLimits())
        # Assert
        assert data is not None
        assert data.canvas.strokes == workspace.canvas.strokes and data.title == "Tide"
        assert sorted({p.batch_id for p in data.pending_strokes}) == workspace.queue.ids()
        assert data.last_seq == workspace.log.last_seq
