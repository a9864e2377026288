"""``web/scripts/record_session.py``: it records through a real server, in the fixture's shape.

The web client's replay test (``web/src/__tests__/replay.test.ts``) feeds on what this script
writes (``web/src/__fixtures__/builtin-session.json``); running it here keeps it from rotting.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "web" / "scripts" / "record_session.py"
FIXTURE_KEYS = {
    "description",
    "seed",
    "style",
    "prompt",
    "final_stroke_count",
    "final_title",
    "plan_total_time",
    "messages",
}

Document = dict[str, object]
Frame = dict[str, object]


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Document:
    """One short recording (a small canvas, two turns) by the script's own entry point."""
    out = tmp_path_factory.mktemp("record") / "session.json"
    command = [sys.executable, str(SCRIPT), "--seed", "3", "--width", "240", "--height", "240"]
    command += ["--prompt", "a lighthouse", "--max-turns", "2", "-o", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    document = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _messages(document: Document) -> list[Frame]:
    messages = document["messages"]
    assert isinstance(messages, list)
    return messages


class TestRecordSession:
    def test_document_has_the_fixture_keys(self, recording: Document) -> None:
        """The same top-level keys as the checked-in fixture, with the options given."""
        # Arrange
        fixture = SCRIPT.parents[1] / "src" / "__fixtures__" / "builtin-session.json"
        # Act
        checked_in = json.loads(fixture.read_text(encoding="utf-8"))
        # Assert
        assert set(recording) == FIXTURE_KEYS == set(checked_in)
        assert (recording["seed"], recording["style"]) == (3, "plotter")
        assert recording["prompt"] == "a lighthouse"

    def test_first_frame_is_init_then_the_requested_piece(self, recording: Document) -> None:
        """A fresh v2 socket is greeted with ``init``; ``new_canvas`` has the requested size."""
        # Arrange
        messages = _messages(recording)
        # Act
        first = messages[0]
        new_canvas = next(m for m in messages if m["type"] == "new_canvas")
        # Assert
        assert first["type"] == "init"
        assert (new_canvas["canvas_width"], new_canvas["canvas_height"]) == (240, 240)

    def test_strokes_arrive_inline(self, recording: Document) -> None:
        """At least one ``strokes`` frame carries strokes; their timestamps are dropped."""
        # Arrange
        messages = _messages(recording)
        # Act
        batches = [m for m in messages if m["type"] == "strokes"]
        # Assert
        assert any(isinstance(b["strokes"], list) and b["strokes"] for b in batches)
        assert all("queued_at" not in b for b in batches)

    def test_seq_increases_without_gaps(self, recording: Document) -> None:
        """Every frame carries a ``seq``, each one more than the last (``init`` repeats the
        newest logged one)."""
        # Arrange
        messages = _messages(recording)
        # Act
        seqs = [m["seq"] for m in messages]
        # Assert
        assert all(isinstance(s, int) for s in seqs)
        first = seqs[0]
        assert isinstance(first, int)
        assert seqs == list(range(first, first + len(seqs)))

    def test_plan_times_cover_exactly_the_recorded_batches(self, recording: Document) -> None:
        """``plan_total_time`` has one positive time per recorded batch id."""
        # Arrange
        messages = _messages(recording)
        # Act
        batch_ids = {str(m["batch_id"]) for m in messages if m["type"] == "strokes"}
        plan = recording["plan_total_time"]
        # Assert
        assert isinstance(plan, dict)
        assert set(plan) == batch_ids
        assert all(isinstance(t, float) and t > 0 for t in plan.values())

    def test_final_stroke_count_matches_the_recorded_strokes(self, recording: Document) -> None:
        """Cut short by ``--max-turns``, the artist is paused first, so the server's final
        canvas holds exactly the strokes recorded."""
        # Arrange
        messages = _messages(recording)
        # Act
        recorded = sum(
            len(strokes)
            for m in messages
            if m["type"] == "strokes" and isinstance(strokes := m["strokes"], list)
        )
        # Assert
        assert recording["final_stroke_count"] == recorded
