"""A readable per-turn log in the user's workspace (``logs/``), bounded in file count.

Each turn writes one Markdown file: what the artist thought and which tools it called with
what outcome — handy when a piece goes wrong. Only the newest ``MAX_LOG_FILES`` are kept
(pruned every ``PRUNE_EVERY`` turns, so a few more may exist in between).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from code_monet.tools.callbacks import CodeExecutionEvent

MAX_LOG_FILES = 100
MAX_LOG_CHARS = 200_000
PRUNE_EVERY = 20
INLINE_LOG_CHARS = 16_000
"""Logs up to this size (without pruning) are written on the event loop: one small write."""


@dataclass
class TurnLog:
    path: Path
    parts: list[str] = field(default_factory=list)
    size: int = 0
    prune: bool = True

    @classmethod
    def open(cls, workspace_dir: Path, piece_number: int, turn: int) -> TurnLog:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = workspace_dir / "logs" / f"{stamp}_piece_{piece_number:06d}_turn_{turn:04d}.md"
        log = cls(path, prune=turn % PRUNE_EVERY == 0)
        log._add(f"# Piece {piece_number}, turn {turn + 1} ({stamp} UTC)\n\n")
        return log

    def _add(self, text: str) -> None:
        if self.size < MAX_LOG_CHARS:
            self.parts.append(text[: MAX_LOG_CHARS - self.size])
            self.size += len(text)

    def thinking(self, text: str) -> None:
        self._add(text)

    def tool(self, event: CodeExecutionEvent) -> None:
        if event.status == "started":
            self._add(f"\n\n- tool `{event.tool_name}` started\n")
        else:
            self._add(f"- tool `{event.tool_name}` finished (status {event.return_code})\n")
            if event.stderr:
                self._add(f"  stderr: {event.stderr[-500:]}\n")

    def note(self, text: str) -> None:
        self._add(f"\n\n> {text}\n")

    def close(self) -> None:
        """Write the log (a plain write: it is a diagnostic, not state) and, every
        ``PRUNE_EVERY`` turns, delete the oldest files beyond the bound."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text("".join(self.parts), encoding="utf-8")
        if not self.prune:
            return
        logs = sorted(self.path.parent.glob("*.md"))
        for old in logs[:-MAX_LOG_FILES]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
