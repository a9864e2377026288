"""The per-agent tool context: everything a tool may touch, and nothing global.

Each agent gets its own ``ToolContext`` (its user's workspace — seen through the narrow
:class:`~code_monet.tools.workspace_view.CanvasAccess` — callbacks, sandbox handle and image
provider), and ``create_drawing_server`` closes over it, so two users' agents running at
once can never reach each other's canvas. The one thing contexts share on purpose is
``parses``: the server's cap on agent-output parses at once (``ParseSlots``), handed in at
construction so many users' huge outputs cannot take every worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from code_monet.sandbox.code_sandbox import CodeSandbox
from code_monet.tools.callbacks import ProgramOutput, ToolCallbacks
from code_monet.tools.image_types import ImageProvider
from code_monet.tools.parse_slots import ParseSlots
from code_monet.tools.path_parsing import PathLimits
from code_monet.tools.workspace_view import CanvasAccess
from code_monet.types.styles import DrawingStyleType


@dataclass
class ToolContext:
    """One agent's view of the world. Mutable fields track what the agent has seen."""

    state: CanvasAccess
    callbacks: ToolCallbacks = field(default_factory=ToolCallbacks)
    sandbox: CodeSandbox | None = None
    image_provider: ImageProvider | None = None
    path_limits: PathLimits = field(default_factory=PathLimits)
    program_limits: PathLimits = field(
        default_factory=lambda: PathLimits(max_paths=5000, max_points_total=200_000)
    )
    parses: ParseSlots = field(default_factory=ParseSlots)  # the server's, when it runs one
    image_timeout: float = 60.0
    inline_image_max_paths: int = 40
    piece_done: bool = False
    human_strokes_seen: int = 0
    program_output: ProgramOutput | None = None

    @property
    def canvas_width(self) -> int:
        return self.state.canvas.size[0]

    @property
    def canvas_height(self) -> int:
        return self.state.canvas.size[1]

    @property
    def drawing_style(self) -> DrawingStyleType:
        return self.state.canvas.drawing_style

    @property
    def workspace_dir(self) -> Path:
        return self.state.directory

    @property
    def references_dir(self) -> Path:
        return self.state.directory / "references"
