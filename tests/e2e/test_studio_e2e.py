"""The web studio end to end: a real server with the builtin artist, driven in Chromium.

One piece from prompt to gallery (pixels on the canvas, the notebook, nudge, reconnect, pause
and resume, gallery, replay, SVG download), then a mouse-drawn stroke echoed to a second tab.
Screenshots of each step are saved in ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"

pytestmark = pytest.mark.timeout(900)

# Generous waits: the builtin artist takes a few seconds per turn, animation included.
STEP = 60_000
PIECE = 360_000
SPEED = 20  # the studio's ?speed= multiplier: same motion plan, played faster

INK_PIXELS = """(selector) => {
  const canvas = document.querySelector(selector);
  if (!canvas || !canvas.width) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] < 450) ink++;
  return ink;
}"""

HUMAN_PIXELS = """(selector) => {
  const canvas = document.querySelector(selector);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let blue = 0;
  for (let i = 0; i < data.length; i += 4)
    if (data[i] < 90 && data[i + 1] < 150 && data[i + 2] > 150) blue++;
  return blue;
}"""

STATE = """() => {
  const s = window.__codeMonet.store.state;
  return {
    connection: s.connection, paused: s.paused, strokes: s.strokes.length,
    queue: s.queue.length, lastBatchId: s.lastBatchId, lastSeq: s.lastSeq,
    version: s.canvasVersion, completed: s.pieceCompleted, title: s.title,
    piece: s.pieceNumber, protocol: s.protocol,
    human: s.strokes.filter((p) => p.author === 'human').length,
  };
}"""


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    try:
        yield ctx
    finally:
        ctx.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def state(page: Page) -> dict[str, object]:
    value = page.evaluate(STATE)
    assert isinstance(value, dict)
    return value


def ink(page: Page, selector: str = ".canvas-base") -> int:
    return int(page.evaluate(INK_PIXELS, selector))


def open_studio(context: BrowserContext, server_url: str) -> Page:
    page = context.new_page()
    page.goto(f"{server_url}/studio?speed={SPEED}")
    page.wait_for_function(
        "() => window.__codeMonet && window.__codeMonet.store.state.initialized "
        "&& window.__codeMonet.store.state.connection === 'open'",
        timeout=STEP,
    )
    return page


class TestPieceFromPromptToGallery:
    """One piece through the studio: drawing, notebook, nudge, reconnect, pause, gallery."""

    def test_a_piece_from_prompt_to_gallery(self, context: BrowserContext, server_url: str) -> None:
        """A prompted piece is drawn, steered, paused, finished, replayed and downloaded."""
        # Arrange
        page = open_studio(context, server_url)
        # Assert: the studio is connected over protocol v2
        assert state(page)["protocol"] == "v2"
        expect(page.get_by_test_id("status-pill")).not_to_have_text("connecting")
        shot(page, "01-studio-open")

        # Act: start a piece with a prompt.
        page.get_by_test_id("new-piece").click()
        dialog = page.locator("#new-piece-dialog")
        expect(dialog).to_be_visible()
        page.get_by_test_id("new-prompt").fill("a lighthouse on a cliff at dusk")
        dialog.get_by_label("Plotter (pen)").check()
        dialog.get_by_label("4:3").check()
        shot(page, "02-new-piece-dialog")
        page.get_by_test_id("new-start").click()
        # Assert: the dialog closes
        expect(dialog).to_be_hidden()

        # Act: wait for drawing
        page.wait_for_function(f"() => ({INK_PIXELS})('.canvas-base') > 400", timeout=PIECE)
        # Assert: the canvas gains drawn pixels (read back from the canvas, not the DOM).
        assert ink(page) > 400
        shot(page, "03-canvas-drawn")

        # Assert: the notebook shows the artist's thinking and tool lines.
        notebook = page.get_by_test_id("notebook")
        expect(notebook.locator("li[data-kind=thought]").first).to_be_visible()
        expect(notebook.locator("li[data-kind=tool][data-status=done]").first).to_be_visible()
        expect(notebook.locator("li[data-kind=tool]", has_text="drew").first).to_be_visible(
            timeout=STEP
        )
        expect(notebook.locator("li[data-kind=nudge]").first).to_contain_text("lighthouse")
        shot(page, "04-notebook")

        # Act: nudge.
        page.get_by_test_id("nudge-input").fill("add a few birds over the sea")
        page.get_by_test_id("nudge-send").click()
        # Assert: the nudge is in the notebook and the input is cleared
        expect(notebook.locator("li[data-kind=nudge]", has_text="birds")).to_be_visible()
        expect(page.get_by_test_id("nudge-input")).to_have_value("")
        shot(page, "05-nudged")

        # Act: drop the connection and wait for it to reopen.
        before = state(page)
        page.evaluate("() => window.__codeMonet.connection.simulateDrop()")
        page.wait_for_function(
            "() => window.__codeMonet.store.state.connection === 'open'", timeout=STEP
        )
        after = state(page)
        # Assert: it resumed from last_seq: nothing redrawn, nothing lost.
        assert after["version"] == before["version"], "reconnecting redrew the canvas"
        assert int(str(after["strokes"])) >= int(str(before["strokes"]))
        shot(page, "06-reconnected")

        # Arrange: make sure there is something to pause.
        if state(page)["completed"]:
            # Finished already: a nudge reopens the piece, so there is something to pause.
            page.get_by_test_id("nudge-input").fill("keep going: add a second lighthouse")
            page.get_by_test_id("nudge-send").click()
            page.wait_for_function(
                "() => !window.__codeMonet.store.state.pieceCompleted", timeout=STEP
            )
        # Act: pause.
        page.get_by_test_id("pause").click()
        # Assert: the studio shows it is paused
        expect(page.get_by_test_id("status-pill")).to_have_text("paused", timeout=STEP)
        expect(page.get_by_test_id("pause")).to_have_text("Resume")
        # Act: batches already sent finish animating; after that nothing new may arrive.
        page.wait_for_function(
            "() => window.__codeMonet.store.state.queue.length === 0", timeout=STEP
        )
        paused = state(page)
        paused_ink = ink(page)
        page.wait_for_timeout(6000)
        still = state(page)
        # Assert: pause stops new strokes.
        assert still["lastBatchId"] == paused["lastBatchId"], "strokes arrived while paused"
        assert still["strokes"] == paused["strokes"]
        assert ink(page) == paused_ink
        shot(page, "07-paused")

        # Act: resume.
        page.get_by_test_id("pause").click()
        # Assert: the studio is no longer paused
        expect(page.get_by_test_id("pause")).to_have_text("Pause")
        expect(page.get_by_test_id("status-pill")).not_to_have_text("paused")
        # Act: the artist goes on and finishes the piece.
        page.wait_for_function(
            f"() => window.__codeMonet.store.state.lastBatchId > {paused['lastBatchId']}"
            " || window.__codeMonet.store.state.pieceCompleted",
            timeout=PIECE,
        )
        page.wait_for_function(
            "() => window.__codeMonet.store.state.pieceCompleted "
            "&& window.__codeMonet.store.state.queue.length === 0",
            timeout=PIECE,
        )
        finished = state(page)
        # Assert: the finished piece has a title, shown in the studio
        assert finished["title"], "the finished piece has no title"
        expect(page.get_by_test_id("piece-title")).to_have_text(str(finished["title"]))
        shot(page, "08-finished")

        # Act: open the gallery (client-side navigation).
        page.get_by_role("link", name="Gallery").click()
        # Assert: the finished piece is in the gallery
        card = page.get_by_test_id("gallery-card").filter(has_text=str(finished["title"]))
        expect(card).to_be_visible(timeout=STEP)
        expect(card).to_contain_text("Plotter")
        shot(page, "09-gallery")

        # Act: load the gallery directly (GET /gallery as a browser page, not the JSON API).
        page.goto(f"{server_url}/gallery")
        # Assert: the card is there
        expect(card).to_be_visible(timeout=STEP)
        # Act: open the piece
        card.click()
        # Assert: the piece page shows the title and the drawing
        heading = page.get_by_test_id("piece-heading")
        expect(heading).to_contain_text(str(finished["title"]))
        canvas = "[data-testid=piece-canvas] .canvas-base"
        page.wait_for_function(f"() => ({INK_PIXELS})('{canvas}') > 400", timeout=STEP)
        full_ink = ink(page, canvas)

        # Act: replay at the chosen speed.
        page.get_by_test_id("replay-speed").select_option("32")
        page.get_by_test_id("replay").click()
        # Assert: the strokes are redrawn in order, from a blank canvas.
        host = page.get_by_test_id("piece-canvas")
        expect(host).to_have_attribute("data-replaying", "true")
        assert ink(page, canvas) < full_ink, "replay did not start from a blank canvas"
        page.wait_for_timeout(1500)
        shot(page, "10-replay-running")
        expect(host).to_have_attribute("data-replaying", "false", timeout=PIECE)
        assert ink(page, canvas) > full_ink * 0.9
        shot(page, "11-replay-done")

        # Act: SVG download.
        with page.expect_download(timeout=STEP) as info:
            page.get_by_test_id("download-svg").click()
        download = info.value
        target = ARTIFACTS / download.suggested_filename
        download.save_as(str(target))
        text = target.read_text(encoding="utf-8")
        # Assert: an SVG file with paths is downloaded and the page says so
        assert download.suggested_filename.endswith(".svg")
        assert "<svg" in text and "<path" in text
        expect(page.get_by_test_id("piece-notice")).to_contain_text("Downloaded")
        shot(page, "12-downloaded")


class TestHumanStrokeSync:
    """Strokes drawn by hand go through the server to every open tab."""

    def test_a_mouse_stroke_reaches_a_second_tab(
        self, context: BrowserContext, server_url: str
    ) -> None:
        """A mouse-drawn stroke in one tab arrives in another as a human stroke."""
        # Arrange
        drawer = open_studio(context, server_url)
        watcher = open_studio(context, server_url)
        # Both tabs are the same local user; wait until each has settled its own canvas.
        for page in (drawer, watcher):
            page.wait_for_function(
                "() => window.__codeMonet.store.state.queue.length === 0", timeout=PIECE
            )
        human_before = int(str(state(watcher)["human"]))
        blue_before = int(watcher.evaluate(HUMAN_PIXELS, ".canvas-base"))

        # Act: turn on drawing
        drawer.bring_to_front()
        drawer.get_by_test_id("draw-toggle").click()
        # Assert: drawing is on
        expect(drawer.get_by_test_id("draw-toggle")).to_have_attribute("aria-pressed", "true")
        box = drawer.locator(".canvas-overlay").bounding_box()
        assert box is not None
        # Act: draw a stroke with the mouse
        x0, y0 = box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.3
        drawer.mouse.move(x0, y0)
        drawer.mouse.down()
        for i in range(1, 31):
            drawer.mouse.move(x0 + i * box["width"] * 0.02, y0 + (i % 10) * box["height"] * 0.01)
        drawer.mouse.up()
        shot(drawer, "13-drawn-by-mouse")

        # Act: watch the other tab
        watcher.bring_to_front()
        # Assert: the stroke went through the server; the other tab receives it as a human
        # stroke.
        watcher.wait_for_function(
            f"() => window.__codeMonet.store.state.strokes.filter((p) => p.author === 'human')"
            f".length > {human_before}",
            timeout=STEP,
        )
        watcher.wait_for_function(
            f"() => ({HUMAN_PIXELS})('.canvas-base') > {blue_before + 50}", timeout=STEP
        )
        stroke = watcher.evaluate(
            "() => { const s = window.__codeMonet.store.state.strokes"
            ".filter((p) => p.author === 'human'); return s[s.length - 1]; }"
        )
        assert isinstance(stroke, dict)
        points = stroke["points"]
        assert isinstance(points, list) and len(points) >= 10, json.dumps(stroke)[:200]
        drawer.wait_for_function(
            f"() => window.__codeMonet.store.state.strokes.filter((p) => p.author === 'human')"
            f".length > {human_before}",
            timeout=STEP,
        )
        shot(watcher, "14-echoed-in-second-tab")
