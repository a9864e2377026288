"""The artist's turn logs: one Markdown file per piece, a section per turn, bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from code_monet.live.turn_log import MAX_LOG_FILES, TurnLog


def _turn(workspace: Path, piece: int, turn: int, text: str) -> TurnLog:
    log = TurnLog.open(workspace, piece, turn)
    log.thinking(text)
    log.close()
    return log


class TestTurnLog:
    def test_each_turn_appends_a_section_to_the_piece_log(self, tmp_path: Path) -> None:
        """Turns of one piece share a file; later turns append cheaply (no new file)."""
        # Arrange
        first = _turn(tmp_path, 2, 0, "a quiet harbour")
        # Act
        second = TurnLog.open(tmp_path, 2, 1)
        second.note("paused: by the user")
        cheap = second.cheap
        second.close()
        # Assert
        text = first.path.read_text(encoding="utf-8")
        assert first.path == second.path == tmp_path / "logs" / "piece_000002.md"
        assert first.new_file and cheap
        assert "Piece 2, turn 1" in text and "Piece 2, turn 2" in text
        assert text.index("a quiet harbour") < text.index("paused: by the user")

    def test_old_piece_logs_are_pruned_to_the_bound(self, tmp_path: Path) -> None:
        """However many pieces, at most MAX_LOG_FILES logs remain, the newest ones."""
        # Arrange
        pieces = MAX_LOG_FILES + 7
        # Act
        for piece in range(1, pieces + 1):
            _turn(tmp_path, piece, 0, f"piece {piece}")
        # Assert
        remaining = sorted(p.name for p in (tmp_path / "logs").glob("*.md"))
        assert len(remaining) == MAX_LOG_FILES
        assert remaining[-1] == f"piece_{pieces:06d}.md"
        assert remaining[0] == f"piece_{pieces - MAX_LOG_FILES + 1:06d}.md"

    def test_an_over_long_piece_log_is_rotated(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Past MAX_PIECE_LOG_BYTES the log moves to .old.md and starts afresh."""
        # Arrange
        monkeypatch.setattr("code_monet.live.turn_log.MAX_PIECE_LOG_BYTES", 200)
        _turn(tmp_path, 1, 0, "x" * 300)
        # Act
        _turn(tmp_path, 1, 1, "after the rotation")
        # Assert
        logs = tmp_path / "logs"
        assert "x" * 300 in (logs / "piece_000001.old.md").read_text(encoding="utf-8")
        assert (logs / "piece_000001.md").read_text(encoding="utf-8").count("turn") == 1
