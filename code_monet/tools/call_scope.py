"""What a tool call began with, for checks at the moment it commits.

A tool call can outlive the turn that made it (the in-process tool server runs the handler in
its own task, so cancelling the turn does not stop it), and a turn can begin just before a
new piece replaces the canvas. ``CALL_CANVAS`` holds the canvas generation the turn (or, outside
a turn, the call) began on; strokes committed after a new piece began are refused, so a
cancelled turn's strokes never land on the new canvas.
"""

from __future__ import annotations

from contextvars import ContextVar

CALL_CANVAS: ContextVar[int | None] = ContextVar("code_monet_call_canvas", default=None)
