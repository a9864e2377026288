"""The ``code-monet`` command line.

Exit codes scripts can trust: 0 success, 1 failure (not found, conflict, database error),
2 usage error. Data lives in ``DATA_DIR``; accounts in ``DATABASE_URL`` (default: SQLite there).
This is the edge: each command reads its configuration once (``cli_db.command_config``) and
passes it down.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel, Field, ValidationError

from code_monet import __version__
from code_monet.app.cli_accounts import invite_app, user_app
from code_monet.app.cli_db import command_config, db_app, fail, run_with_database
from code_monet.app.config import AppConfig
from code_monet.db.engine import Database
from code_monet.db.repository import users
from code_monet.live.data_lock import DataDirLock, DataDirLockedError
from code_monet.types.state import DEFAULT_CANVAS_SIZE, SavedCanvas, WorkspaceFile, utc_now
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace import read_workspace_file, replace_workspace_file, workspace_exists
from code_monet.workspace.gallery import GalleryStore, piece_id
from code_monet.workspace.persistence import (
    WorkspacePathError,
    user_directory,
    validate_user_id,
)

app = typer.Typer(help="Code Monet: an autonomous AI artist that draws live.", no_args_is_help=True)
workspace_app = typer.Typer(help="Users' workspaces in DATA_DIR.", no_args_is_help=True)
gallery_app = typer.Typer(help="Finished pieces in users' galleries.", no_args_is_help=True)
app.add_typer(invite_app, name="invite")
app.add_typer(user_app, name="user")
app.add_typer(workspace_app, name="workspace")
app.add_typer(gallery_app, name="gallery")
app.add_typer(db_app, name="db")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.", envvar="HOST")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to listen on.", envvar="PORT")
    ] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    force: Annotated[
        bool, typer.Option(help="Allow local mode on a non-loopback address (unsafe).")
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the realtime server (HTTP + WebSocket) until Ctrl-C / SIGTERM."""
    from code_monet.app.server import serve as run_server
    from code_monet.auth import UnsafeBindError, check_bind_address

    config = command_config()
    try:
        check_bind_address(host, config.auth.local_mode, force=force)
    except UnsafeBindError as exc:
        fail(str(exc), code=2)
    try:
        run_server(config, host, port, reload=reload, log_level=log_level)
    except DataDirLockedError as exc:  # another server on this DATA_DIR: stop before any write
        fail(str(exc))


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


@app.command("render-sample")
def render_sample(
    out: Annotated[Path, typer.Option(help="Directory to write the sample into.")] = Path("out"),
    seed: Annotated[int, typer.Option(help="Seed of the generative sample.")] = 1,
    style: Annotated[DrawingStyleType, typer.Option(help="Drawing style.")] = (
        DrawingStyleType.PLOTTER
    ),
) -> None:
    """Render a generative sample piece to PNG and SVG (no server, no keys)."""
    from code_monet.app.sample_piece import sample_piece
    from code_monet.render.pipeline import RenderOptions, canvas_to_svg, render_strokes

    width, height = DEFAULT_CANVAS_SIZE
    strokes = sample_piece(seed=seed, width=width, height=height, style=style)
    options = RenderOptions(
        width=width,
        height=height,
        drawing_style=style,
        expand_brushes=style is DrawingStyleType.PAINT,
        output_format="bytes",
    )
    png = render_strokes(strokes, options)
    if not isinstance(png, bytes):
        raise typer.BadParameter("renderer returned no PNG bytes")
    out.mkdir(parents=True, exist_ok=True)
    png_path = out / f"sample-{style.value}-{seed}.png"
    svg_path = out / f"sample-{style.value}-{seed}.svg"
    png_path.write_bytes(png)
    svg_path.write_text(canvas_to_svg(strokes, width, height, style), encoding="utf-8")
    typer.echo(f"Rendered {len(strokes)} strokes → {png_path} and {svg_path}")


@app.command()
def draw(
    prompt: Annotated[str, typer.Argument(help="What to draw (optional).")] = "",
    style: Annotated[DrawingStyleType, typer.Option(help="Drawing style.")] = (
        DrawingStyleType.PLOTTER
    ),
    seed: Annotated[int, typer.Option(help="Seed for the builtin artist.")] = 1,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("out"),
    provider: Annotated[
        str, typer.Option(help="builtin | claude | openai (default: AGENT_PROVIDER or builtin)")
    ] = "",
    max_turns: Annotated[int, typer.Option(help="Stop after this many turns.")] = 12,
) -> None:
    """Run one whole piece headless with any provider and write PNG and SVG.

    The artist's thinking streams to stdout; if its reader goes away (``| head -1``) the piece
    stops and the command exits quietly with status 141, as a Unix tool killed by SIGPIPE.
    """
    import asyncio

    from code_monet.agent.providers.factory import artist_provider
    from code_monet.app.headless import draw_piece

    config = command_config()
    agent = config.artist.agent
    if provider:
        if provider not in ("builtin", "claude", "openai"):
            raise typer.BadParameter(f"unknown provider {provider!r}")
        agent = agent.model_copy(update={"agent_provider": provider})
    agent = agent.model_copy(update={"agent_seed": seed})
    artist = config.artist.model_copy(update={"agent": agent})
    try:
        result = asyncio.run(
            draw_piece(
                prompt or None,
                style=style,
                out_dir=out,
                provider=artist_provider(artist),
                max_turns=max_turns,
                worker_host_env=config.worker_host.worker_env(),
            )
        )
        if result.output_closed:
            raise _closed_stdout()
        state = "finished" if result.completed else "stopped"
        typer.echo(
            f"\n{state}: {result.title or 'untitled'} — {result.strokes} strokes → "
            f"{result.png} and {result.svg}"
        )
    except BrokenPipeError:
        raise _closed_stdout() from None


EXIT_CLOSED_PIPE = 141
"""128 + SIGPIPE: what a shell reports for a Unix tool whose reader went away."""


def _closed_stdout() -> typer.Exit:
    """Nobody reads stdout any more: the quiet exit to raise (no traceback, no complaint)."""
    import contextlib
    import os

    # stdout now points at /dev/null, so the interpreter's last flush has nowhere to fail.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return typer.Exit(EXIT_CLOSED_PIPE)


# ---------------------------------------------------------------------- workspace & gallery

EXPORT_FORMAT = "code-monet-workspace"


class WorkspaceExport(BaseModel):
    """The file ``workspace export`` writes: the live workspace plus every gallery piece."""

    format: str = EXPORT_FORMAT
    version: int = 1
    user_id: str
    exported_at: datetime = Field(default_factory=utc_now)
    workspace: WorkspaceFile
    gallery: list[SavedCanvas] = Field(default_factory=list)


class ImageFormat(StrEnum):
    png = "png"
    svg = "svg"


def _user_dir(config: AppConfig, user_id: str) -> Path:
    try:
        return user_directory(config.data_dir, user_id)
    except WorkspacePathError as exc:
        raise typer.BadParameter(str(exc), param_hint="USER_ID") from exc


@contextmanager
def _data_dir_lock(config: AppConfig, purpose: str) -> Iterator[None]:
    """Hold the ``DATA_DIR`` lock while writing there; exit 1 if a server holds it."""
    try:
        lock = DataDirLock.acquire(config.data_dir, purpose=purpose)
    except DataDirLockedError as exc:
        fail(str(exc))
    try:
        yield
    finally:
        lock.release()


def _write_output(target: str, data: bytes) -> None:
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(target).write_bytes(data)
    except OSError as exc:
        fail(f"Cannot write {target}: {exc}")


@workspace_app.command("list")
def workspace_list() -> None:
    """List workspaces: user, e-mail, current piece, strokes and gallery size."""
    config = command_config()
    root = config.data_dir / "users"
    directories = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []

    async def emails(database: Database) -> dict[str, str]:
        async with database.read() as session:
            return {str(u.id): u.email for u in await users.list_users(session)}

    known = run_with_database(emails, config) if directories else {}
    rows = []
    for directory in directories:
        try:
            uid = validate_user_id(directory.name)
        except WorkspacePathError:
            continue
        try:
            data = read_workspace_file(directory, config.workspace)
        except (ValidationError, ValueError, OSError):
            data = None
        piece, strokes = (data.piece_number, len(data.canvas.strokes)) if data else ("?", "?")
        pieces = len(GalleryStore(directory / "gallery", durable=False).entries())
        rows.append(f"{uid:<36}  {known.get(uid, '-'):<32} {piece!s:>5} {strokes!s:>7} {pieces:>7}")
    if not rows:
        typer.echo(f"No workspaces in {root}")
        return
    typer.echo(f"{'USER ID':<36}  {'EMAIL':<32} {'PIECE':>5} {'STROKES':>7} {'GALLERY':>7}")
    typer.echo("\n".join(rows))


@workspace_app.command("export")
def workspace_export(
    user_id: Annotated[str, typer.Argument(help="The user's UUID.")],
    file: Annotated[str, typer.Argument(help="Output JSON file ('-' for stdout).")],
) -> None:
    """Export a workspace and its gallery to one JSON file."""
    config = command_config()
    directory = _user_dir(config, user_id)
    try:
        workspace = read_workspace_file(directory, config.workspace)
    except (ValidationError, ValueError) as exc:
        fail(f"Workspace of user {user_id} is corrupt: {str(exc)[:300]}")
    if workspace is None:
        fail(f"No workspace for user {user_id} in {directory.parent}")
    store = GalleryStore(directory / "gallery", durable=False)
    try:
        gallery = [store.load(entry.piece_number) for entry in store.entries()]
    except (ValueError, OSError) as exc:
        fail(f"Gallery of user {user_id} could not be read: {exc}")
    export = WorkspaceExport(user_id=directory.name, workspace=workspace, gallery=gallery)
    _write_output(file, export.model_dump_json(indent=2).encode())
    if file != "-":
        typer.echo(f"Exported user {directory.name}: {len(gallery)} piece(s) → {file}")


@workspace_app.command("import")
def workspace_import(
    file: Annotated[Path, typer.Argument(help="A file written by `workspace export`.")],
    user_id: Annotated[
        str | None, typer.Option("--user-id", help="Import into this user instead.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing workspace.")] = False,
) -> None:
    """Import a workspace export (refused while a server uses DATA_DIR). The user must exist."""
    try:
        export = WorkspaceExport.model_validate_json(file.read_bytes())
    except OSError as exc:
        fail(f"Cannot read {file}: {exc}")
    except (ValidationError, ValueError) as exc:
        fail(f"{file} is not a workspace export: {str(exc)[:300]}")
    if export.format != EXPORT_FORMAT:
        fail(f"{file} has format {export.format!r}, expected {EXPORT_FORMAT!r}")
    config = command_config()
    directory = _user_dir(config, user_id or export.user_id)
    target = uuid.UUID(directory.name)

    async def exists(database: Database) -> bool:
        async with database.read() as session:
            return await users.get_user(session, target) is not None

    with _data_dir_lock(config, "not importing"):  # a running server would overwrite it
        if not run_with_database(exists, config):
            fail(f"No user {target} in the database; create one with `code-monet user create`")
        if workspace_exists(directory) and not force:
            fail(f"User {target} already has a workspace; use --force to replace it")
        store = GalleryStore(directory / "gallery")
        for piece in export.gallery:
            store.save(piece)
        replace_workspace_file(directory, export.workspace)
    typer.echo(f"Imported workspace into user {target}: {len(export.gallery)} piece(s)")


@gallery_app.command("export")
def gallery_export(
    user_id: Annotated[str, typer.Argument(help="The user's UUID.")],
    piece: Annotated[int, typer.Argument(min=1, help="Piece number.")],
    image_format: Annotated[
        ImageFormat, typer.Option("--format", "-f", help="Image format.")
    ] = ImageFormat.png,
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Output file ('-' for stdout).")
    ] = None,
) -> None:
    """Render a gallery piece to PNG or SVG (default file: piece_000001.png)."""
    from code_monet.render.pipeline import RenderOptions, canvas_to_svg, render_strokes_png

    store = GalleryStore(_user_dir(command_config(), user_id) / "gallery", durable=False)
    try:
        saved = store.load(piece)
    except FileNotFoundError:
        fail(f"User {user_id} has no gallery piece {piece}")
    except ValueError as exc:
        fail(str(exc))
    style = saved.drawing_style
    if image_format is ImageFormat.svg:
        data = canvas_to_svg(saved.strokes, saved.width, saved.height, style).encode()
    else:
        options = RenderOptions(
            width=saved.width,
            height=saved.height,
            drawing_style=style,
            expand_brushes=style is DrawingStyleType.PAINT,
            output_format="bytes",
        )
        data = render_strokes_png(saved.strokes, options)
    target = output or f"{piece_id(piece)}.{image_format.value}"
    _write_output(target, data)
    if target != "-":
        typer.echo(f"Wrote {target}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
