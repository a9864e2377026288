"""The ``code-monet`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from code_monet import __version__
from code_monet.types.styles import DrawingStyleType

app = typer.Typer(help="Code Monet: an autonomous AI artist that draws live.", no_args_is_help=True)


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
    from code_monet.rendering import RenderOptions, canvas_to_svg, render_strokes
    from code_monet.sample_piece import sample_piece

    width, height = 800, 600
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
