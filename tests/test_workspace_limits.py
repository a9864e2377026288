"""Workspace limits: clear errors, nothing lost, nothing half-applied."""

from __future__ import annotations

from pathlib import Path

import pytest

from code_monet.types import Path as StrokePath
from code_monet.types import PathType, Point
from code_monet.workspace import WorkspaceLimitError, WorkspaceState
from code_monet.workspace.limits import WorkspaceLimits


def _line(i: int = 0) -> StrokePath:
    return StrokePath(type=PathType.LINE, points=[Point(x=i, y=0), Point(x=i, y=10)])


async def _load(tmp_path: Path, user_id: str, **limits: int) -> WorkspaceState:
    return await WorkspaceState.load_for_user(
        user_id, data_dir=tmp_path, limits=WorkspaceLimits(**limits), durable=False
    )


class TestStrokeLimits:
    """Strokes per canvas and points per path."""

    async def test_adding_past_stroke_limit_is_refused_whole(
        self, tmp_path: Path, user_id: str
    ) -> None:
        """A batch that would exceed the limit is rejected and nothing of it is added."""
        # Arrange
        state = await _load(tmp_path, user_id, max_strokes_per_canvas=5)
        await state.add_strokes([_line(i) for i in range(4)])
        # Act
        with pytest.raises(WorkspaceLimitError, match="limit of 5 strokes per canvas"):
            await state.add_strokes([_line(10), _line(11)])
        # Assert
        assert len(state.canvas.strokes) == 4
        reloaded = await _load(tmp_path, user_id, max_strokes_per_canvas=5)
        assert len(reloaded.canvas.strokes) == 4

    async def test_points_per_path_limit_names_the_path(self, tmp_path: Path, user_id: str) -> None:
        """An over-long polyline is refused with its index and the limit."""
        # Arrange
        state = await _load(tmp_path, user_id, max_points_per_path=10)
        long_path = StrokePath(type=PathType.POLYLINE, points=[Point(x=i, y=i) for i in range(11)])
        # Act / Assert
        with pytest.raises(WorkspaceLimitError, match=r"Path 1 has 11 points; the limit is 10"):
            await state.add_strokes([_line(), long_path])
        assert state.canvas.strokes == []


class TestPendingAndSizeLimits:
    """Pending queue and total workspace size."""

    async def test_pending_limit_refuses_new_batch(self, tmp_path: Path, user_id: str) -> None:
        """The stroke queue never grows past its limit; queued strokes stay."""
        # Arrange
        state = await _load(tmp_path, user_id, max_pending_strokes=3)
        await state.add_strokes([_line(1), _line(2)], queue=True)
        # Act
        with pytest.raises(WorkspaceLimitError, match="limit of 3 pending strokes"):
            await state.add_strokes([_line(3), _line(4)], queue=True)
        # Assert
        assert state.queue.stroke_count == 2

    async def test_workspace_size_limit_rolls_back(self, tmp_path: Path, user_id: str) -> None:
        """A save that would exceed the byte limit fails and the canvas keeps what it had."""
        # Arrange
        state = await _load(tmp_path, user_id, max_workspace_bytes=4096)
        await state.add_strokes([_line(0)])
        big = [StrokePath(type=PathType.POLYLINE, points=[Point(x=i, y=i) for i in range(400)])]
        # Act
        with pytest.raises(WorkspaceLimitError, match="bytes; the limit is 4096 bytes"):
            await state.add_strokes(big)
        # Assert
        assert len(state.canvas.strokes) == 1
        reloaded = await _load(tmp_path, user_id, max_workspace_bytes=4096)
        assert len(reloaded.canvas.strokes) == 1

    async def test_monologue_keeps_most_recent_text(self, tmp_path: Path, user_id: str) -> None:
        """The monologue is a rolling window of the latest thinking."""
        # Arrange
        state = await _load(tmp_path, user_id, max_monologue_chars=10)
        # Act
        await state.append_monologue("abcdefgh")
        await state.append_monologue("12345")
        # Assert
        assert state.piece.monologue == "defgh12345"
