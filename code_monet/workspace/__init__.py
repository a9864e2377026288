"""Per-user workspace: the live canvas, the piece's status, the stroke queue and the gallery.

``WorkspaceState`` (:mod:`.state`) composes them and writes every change to the user's log
first; :mod:`.canvas`, :mod:`.piece` and :mod:`.stroke_queue` hold what it applies
(:mod:`.contents` applies a record to them); :mod:`.gallery` stores finished pieces;
:mod:`.log` (with :mod:`.log_records` and :mod:`.log_sync`) is the user's durable log;
:mod:`.loading` and :mod:`.snapshot` read and write the files; :mod:`.persistence` does atomic
file writes and safe per-user paths; :mod:`.legacy` reads the files of the layout before the log.
"""

from code_monet.workspace.canvas import LiveCanvas
from code_monet.workspace.loading import LogOptions
from code_monet.workspace.piece import PieceStatus
from code_monet.workspace.snapshot import (
    read_workspace_file,
    replace_workspace_file,
    workspace_exists,
)
from code_monet.workspace.state import PieceSavedHook, WorkspaceState
from code_monet.workspace.strokes import StaleCanvasError, WorkspaceLimitError

__all__ = [
    "LiveCanvas",
    "LogOptions",
    "PieceSavedHook",
    "PieceStatus",
    "StaleCanvasError",
    "WorkspaceLimitError",
    "WorkspaceState",
    "read_workspace_file",
    "replace_workspace_file",
    "workspace_exists",
]
