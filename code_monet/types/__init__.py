"""Type definitions: geometry, paths, state, styles, brushes and protocol messages."""

from code_monet.types.brushes import BRUSH_NAMES, BRUSH_PRESETS, BrushPreset, get_brush_preset
from code_monet.types.geometry import PathDict, PathType, PendingStrokeDict, Point, PointDict
from code_monet.types.messages import (
    AgentTurnComplete,
    ClientMessage,
    ServerMessage,
    parse_client_message,
    parse_server_message,
)
from code_monet.types.paths import Author, Path
from code_monet.types.state import (
    AgentStatus,
    CanvasState,
    GalleryEntry,
    PauseReason,
    SavedCanvas,
    WorkspaceFile,
)
from code_monet.types.styles import (
    DrawingStyleConfig,
    DrawingStyleType,
    StrokeStyle,
    get_style_config,
)

__all__ = [
    "BRUSH_NAMES",
    "BRUSH_PRESETS",
    "AgentStatus",
    "AgentTurnComplete",
    "Author",
    "BrushPreset",
    "CanvasState",
    "ClientMessage",
    "DrawingStyleConfig",
    "DrawingStyleType",
    "GalleryEntry",
    "Path",
    "PathDict",
    "PathType",
    "PauseReason",
    "PendingStrokeDict",
    "Point",
    "PointDict",
    "SavedCanvas",
    "ServerMessage",
    "StrokeStyle",
    "WorkspaceFile",
    "get_brush_preset",
    "get_style_config",
    "parse_client_message",
    "parse_server_message",
]
