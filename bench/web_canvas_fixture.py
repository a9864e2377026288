"""Fixtures for ``bench.web_canvas``: a workspace holding N finished strokes, and stroke batches.

The workspace is a real ``WorkspaceFile`` (what ``code_monet.workspace`` loads from
``<DATA_DIR>/users/<id>/workspace.json``); the batches are ``strokes``-frame payloads
(``PendingStroke`` dicts) with points from the server's own interpolation, so the studio animates
them exactly as it animates the artist's strokes.
"""

from __future__ import annotations

from pathlib import Path

from bench.corpus import paint_corpus, plotter_corpus
from code_monet.types.geometry import PendingStrokeDict
from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import (
    AgentStatus,
    CanvasState,
    PauseReason,
    WorkspaceFile,
)
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace.persistence import atomic_write_bytes, user_directory
from code_monet.workspace.strokes import PendingBatch, interpolate_strokes

WORKSPACE_FILE = "workspace.json"


def corpus(style: DrawingStyleType, n: int, seed: int) -> list[StrokePath]:
    """``n`` deterministic mixed paths (polyline/line/quadratic/cubic/svg), styled for ``style``."""
    if style is DrawingStyleType.PAINT:
        return paint_corpus(n, seed=seed)
    return plotter_corpus(n, seed=seed)


def write_workspace(
    data_dir: Path, user_id: str, strokes: int, style: DrawingStyleType, *, seed: int = 11
) -> int:
    """Write a user's workspace with ``strokes`` finished strokes, paused by the user (so the
    artist only starts when the benchmark presses Resume). Returns the file size in bytes."""
    workspace = WorkspaceFile(
        canvas=CanvasState(strokes=corpus(style, strokes, seed), drawing_style=style),
        status=AgentStatus.PAUSED,
        pause_reason=PauseReason.USER,
        piece_number=1,
        title=f"bench: {strokes:,} strokes",
        # The artist's batch ids start well above the ones the benchmark feeds the page.
        next_batch_id=1000,
    )
    data = workspace.model_dump_json().encode()
    atomic_write_bytes(user_directory(data_dir, user_id) / WORKSPACE_FILE, data)
    return len(data)


def stroke_batches(
    style: DrawingStyleType, *, batches: int = 24, per_batch: int = 2, seed: int = 97
) -> list[list[PendingStrokeDict]]:
    """``batches`` agent batches of ``per_batch`` strokes each, as a ``strokes`` frame carries
    them (path + interpolated points). ``batch_id`` is rewritten by the page when it feeds one."""
    paths = corpus(style, batches * per_batch, seed)
    out: list[list[PendingStrokeDict]] = []
    for index in range(batches):
        chunk = paths[index * per_batch : (index + 1) * per_batch]
        out.append(PendingBatch(index + 1, interpolate_strokes(chunk)).to_dicts())
    return out
