"""A readable log of the artist's turns in the user's workspace (``logs/``), bounded in size.

Each piece has one Markdown file, ``piece_000012.md``; every turn appends a section: what the
artist thought and which tools it called with what outcome — handy when a piece goes wrong.
Appending to an existing file is cheap (creating a file per turn was a measurable share of a
busy server's time). A piece's log over ``MAX_PIECE_LOG_BYTES`` is moved to ``….old.md`` (one
kept) and started afresh; only the newest ``MAX_LOG_FILES`` files are kept, pruned whenever a
new file is started.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from code_monet.tools.callbacks import CodeExecutionEvent

MAX_LOG_FILES = 100
MAX_LOG_CHARS = 200_000
"""At most this much of one turn is logged."""
MAX_PIECE_LOG_BYTES = 2 * 1024 * 1024
INLINE_LOG_CHARS = 16_000
"""Turns up to this size that append to an existing file are written on the event loop."""


@dataclass
class TurnLog:
    path: Path
    parts: list[str] = field(default_factory=list)
    size: int = 0
    new_file: bool = True
    """The piece's log does not exist yet (closing creates it and prunes old files)."""

    @classmethod
    def open(cls, workspace_dir: Path, piece_number: int, turn: int) -> TurnLog:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = workspace_dir / "logs" / f"piece_{piece_number:06d}.md"
        log = cls(path, new_file=not path.exists())
        log._add(f"\n## Piece {piece_number}, turn {turn + 1} ({stamp} UTC)\n\n")
        return log

    @property
    def cheap(self) -> bool:
        """Closing is one small append (fine on the event loop, unlike creating files)."""
        return not self.new_file and self.size <= INLINE_LOG_CHARS

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
        """Append this turn to the piece's log (a plain append: it is a diagnostic, not
        state); rotate an over-long log; prune old files when a new one is started."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        started = not self.path.exists()
        if not started and self.path.stat().st_size > MAX_PIECE_LOG_BYTES:
            self.path.replace(self.path.with_suffix(".old.md"))
            started = True
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write("".join(self.parts))
        if not started:
            return
        logs = sorted(self.path.parent.glob("*.md"))  # by piece number
        for old in logs[:-MAX_LOG_FILES]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
