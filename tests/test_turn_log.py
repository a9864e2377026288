"""The per-turn Markdown logs: written on close, bounded in number."""

from __future__ import annotations

from pathlib import Path

from code_monet.turn_log import MAX_LOG_FILES, PRUNE_EVERY, TurnLog


class TestTurnLog:
    def test_a_closed_log_holds_what_the_turn_said(self, tmp_path: Path) -> None:
        """Thinking and notes end up in the turn's file."""
        # Arrange
        log = TurnLog.open(tmp_path, 2, 0)
        log.thinking("a quiet harbour")
        log.note("paused: by the user")
        # Act
        log.close()
        # Assert
        text = log.path.read_text(encoding="utf-8")
        assert log.path.parent == tmp_path / "logs"
        assert "Piece 2, turn 1" in text
        assert "a quiet harbour" in text and "paused: by the user" in text

    def test_old_logs_are_pruned_to_the_bound(self, tmp_path: Path) -> None:
        """However many turns run, at most MAX_LOG_FILES (+ one pruning interval) remain,
        and the newest turn's log is always kept."""
        # Arrange
        turns = MAX_LOG_FILES + 3 * PRUNE_EVERY + 1
        newest: Path | None = None
        # Act
        for turn in range(turns):
            log = TurnLog.open(tmp_path, 1, turn)
            log.note(f"turn {turn}")
            log.close()
            newest = log.path
        # Assert
        remaining = list((tmp_path / "logs").glob("*.md"))
        assert MAX_LOG_FILES <= len(remaining) <= MAX_LOG_FILES + PRUNE_EVERY
        assert newest is not None and newest.exists()
