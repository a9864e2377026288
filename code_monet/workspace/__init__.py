"""Per-user workspace: the live canvas, the artist's state, the stroke queue and the gallery.

``WorkspaceState`` (:mod:`.state`) holds them in memory and writes every change to the user's
log first; :mod:`.gallery` stores finished pieces; :mod:`.persistence` does atomic file writes
and safe per-user paths; :mod:`.legacy` reads the files of the layout before the log.
"""

from code_monet.workspace.state import (
    LogOptions,
    PieceSavedHook,
    WorkspaceState,
    read_workspace_file,
    replace_workspace_file,
    workspace_exists,
)
from code_monet.workspace.strokes import StaleCanvasError, WorkspaceLimitError

__all__ = [
    "LogOptions",
    "PieceSavedHook",
    "StaleCanvasError",
    "WorkspaceLimitError",
    "WorkspaceState",
    "read_workspace_file",
    "replace_workspace_file",
    "workspace_exists",
]
