"""A contact sheet of the builtin artist: many prompts drawn, one PNG grid to look at.

Not a test: a person looks at the sheet and names what each picture shows. Every piece is drawn
the way the server draws it, without a server: a workspace on a temporary directory, the real
``DrawingAgent`` with the builtin provider, its MCP tool session and the code sandbox; nudges
are queued before the turn they are given at, as a viewer's would be. Each finished canvas is
rendered with the project's renderer and tiled with its prompt (and style, nudges, title) under
it.

    python -m bench.contact_sheet --out /tmp/sheet.png
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from code_monet.agent.callbacks import AgentCallbacks
from code_monet.agent.drawing_agent import DrawingAgent
from code_monet.agent.providers.builtin import BuiltinProvider
from code_monet.render.pipeline import RenderOptions, render_strokes_image
from code_monet.sandbox.code_sandbox import CodeSandbox, SandboxConfig
from code_monet.types.messages import AgentTurnComplete
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace import WorkspaceState

PLOTTER, PAINT = DrawingStyleType.PLOTTER, DrawingStyleType.PAINT
WIDTH, HEIGHT = 800, 600
TILE: Final = (400, 300)
CAPTION: Final = 46
COLUMNS: Final = 6
MAX_TURNS: Final = 12


@dataclass(frozen=True)
class Sample:
    """One prompt, its style, and nudges given before the turn numbered by their key."""

    prompt: str
    style: DrawingStyleType
    nudges: tuple[tuple[int, str], ...] = ()


SAMPLES: Final = (
    Sample("a lighthouse in fog", PAINT),
    Sample("a lighthouse in fog", PLOTTER),
    Sample("portrait of a cat", PAINT),
    Sample("portrait of a cat", PLOTTER),
    Sample("abstract rhythm in red and blue", PAINT),
    Sample("a city skyline at dusk", PAINT),
    Sample("a city skyline at dusk", PLOTTER),
    Sample("a horse in a field", PAINT, ((2, "add birds top left"),)),
    Sample("an owl on a branch at night", PLOTTER),
    Sample("a whale in a stormy sea", PAINT),
    Sample("a cup of tea on a table", PLOTTER),
    Sample("a vase of flowers", PAINT, ((1, "more blue"),)),
    Sample("a castle on a mountain", PLOTTER),
    Sample("a windmill in the snow", PAINT),
    Sample("a boat on a river", PAINT, ((1, "a red boat bottom right"),)),
    Sample("a fox in a forest", PAINT),
    Sample("a bicycle by a house", PLOTTER),
    Sample("a teapot and a book", PAINT),
    Sample("a bridge over a river at dawn", PAINT),
    Sample("a guitar", PLOTTER),
    Sample("two dogs on a beach", PAINT, ((1, "bigger sun"),)),
    Sample("a train in the rain", PLOTTER),
    Sample("a tree on a hill, minimal", PLOTTER, ((2, "finish it"),)),
    Sample("a street at night with the moon", PAINT, ((1, "less clutter"),)),
)


@dataclass(frozen=True)
class Drawn:
    sample: Sample
    image: Image.Image
    title: str
    turns: int
    seconds: float


async def draw(sample: Sample, sandbox: CodeSandbox, seed: int) -> Drawn:
    """One piece start to finish through the real agent (bounded by ``MAX_TURNS``)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="contact-sheet-") as root:
        state = await WorkspaceState.load_for_user(uuid.uuid4(), data_dir=Path(root), durable=False)
        agent = DrawingAgent(state, provider=BuiltinProvider(seed=seed), sandbox=sandbox)
        await state.new_canvas(
            drawing_style=sample.style, width=WIDTH, height=HEIGHT, prompt=sample.prompt
        )
        await agent.reset_session()
        agent.add_nudge(sample.prompt)
        turns = 0
        for turn in range(MAX_TURNS):
            for at, text in sample.nudges:
                if at == turn:
                    agent.add_nudge(text)
            turns += 1
            if await _turn(agent):
                break
        options = RenderOptions(
            width=WIDTH,
            height=HEIGHT,
            drawing_style=sample.style,
            expand_brushes=sample.style is PAINT,
            output_format="image",
        )
        image = await asyncio.to_thread(render_strokes_image, list(state.canvas.strokes), options)
        title = state.piece.title or ""
        await agent.close()
    return Drawn(sample, image, title, turns, time.perf_counter() - started)


async def _turn(agent: DrawingAgent) -> bool:
    done = False
    async for event in agent.run_turn(AgentCallbacks()):
        if isinstance(event, AgentTurnComplete) and event.done:
            done = True
            await agent.state.set_piece_completed(True)
    return done


def sheet(pieces: list[Drawn]) -> Image.Image:
    """The grid: each piece scaled to a tile, its caption below it."""
    rows = (len(pieces) + COLUMNS - 1) // COLUMNS
    cell_w, cell_h = TILE[0], TILE[1] + CAPTION
    out = Image.new("RGB", (COLUMNS * cell_w, rows * cell_h), "white")
    pen = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=13)
    small = ImageFont.load_default(size=11)
    for i, piece in enumerate(pieces):
        x, y = (i % COLUMNS) * cell_w, (i // COLUMNS) * cell_h
        out.paste(piece.image.convert("RGB").resize(TILE, Image.Resampling.LANCZOS), (x, y))
        pen.rectangle((x, y, x + cell_w - 1, y + TILE[1] - 1), outline="#cccccc")
        pen.text((x + 6, y + TILE[1] + 4), f'"{piece.sample.prompt}"', fill="#111111", font=font)
        nudges = "; then ".join(f'"{t}"' for _at, t in piece.sample.nudges)
        detail = f"{piece.sample.style.value} · {piece.title}"
        if nudges:
            detail = f"{piece.sample.style.value} · nudge {nudges} · {piece.title}"
        pen.text((x + 6, y + TILE[1] + 24), detail[:70], fill="#555555", font=small)
    return out


async def main(out: Path, seed: int) -> None:
    pieces: list[Drawn] = []
    async with CodeSandbox(SandboxConfig(pool_size=1, local_mode=True)) as sandbox:
        for sample in SAMPLES:
            drawn = await draw(sample, sandbox, seed)
            pieces.append(drawn)
            print(
                f"{drawn.seconds:5.1f}s {drawn.turns:2d} turns  {sample.style.value:7s} "
                f"{sample.prompt!r} → {drawn.title!r}",
                flush=True,
            )
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet(pieces).save(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("contact_sheet.png"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(main(args.out, args.seed))
