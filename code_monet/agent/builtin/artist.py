"""The builtin artist's turn loop: look, listen, decide, draw, explain — through the tools only.

Each turn it calls ``view_canvas`` and measures the result, folds in nudges and answers new
human strokes, then runs one planned step as a ``generate_svg`` program. On the last turn it
adds an accent with ``draw_paths`` and performs the ritual (``sign_canvas``, ``name_piece``,
``mark_piece_done``). Everything random derives from (seed, piece, turn), never the clock, so a
seed replays the same piece; tool errors are read, explained and worked around.

``progress`` / ``restore`` carry the piece across restarts (see ``progress.py``). Anything that
marks work as done — a step taken off the plan, the accent, the signature, the regions kept
clear for visitors — is set *before* the tool call that draws it: the agent saves the progress
before every tool call, so a crash mid-call may lose that stroke batch but never redraws it.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import AsyncIterator
from dataclasses import replace

from code_monet.agent.builtin import voice
from code_monet.agent.builtin.api import ThinkingEvent, ToolCaller, TurnFinished, TurnInput
from code_monet.agent.builtin.critic import CanvasReading, describe, read_canvas
from code_monet.agent.builtin.finishing import accent_paths, make_title
from code_monet.agent.builtin.layers import ROLE_OF_PHASE, layer_density, layer_params
from code_monet.agent.builtin.nudges import interpret
from code_monet.agent.builtin.palettes import INK, PALETTES
from code_monet.agent.builtin.planner import (
    MAX_TURNS,
    PiecePlan,
    Step,
    apply_direction,
    make_plan,
)
from code_monet.agent.builtin.progress import BuiltinProgress, ProgressError, Region
from code_monet.agent.builtin.responses import respond_params
from code_monet.agent.builtin.techniques import (
    RESPONSE_TECHNIQUE,
    TECHNIQUES,
    ProgramParams,
    Technique,
    build_program,
)
from code_monet.types.styles import DrawingStyleType

logger = logging.getLogger(__name__)

Event = ThinkingEvent | TurnFinished
FALLBACKS = {"ground": "flow_field", "focal": "circle_packing", "texture": "stippling"}
COVERAGE_ENOUGH = {DrawingStyleType.PAINT: 0.62, DrawingStyleType.PLOTTER: 0.5}
_DREW = re.compile(r"drew (\d+) paths")


class BuiltinArtist:
    """The default offline artist. One instance per agent; ``reset`` starts a new piece."""

    def __init__(self, *, seed: int = 0) -> None:
        self._base_seed = seed
        self._seed = seed  # the current piece's (a restored piece keeps the seed it began with)
        self._plan: PiecePlan | None = None
        self._piece: int | None = None
        self._avoid: list[Region] = []

    def reset(self, *, seed: int | None = None) -> None:
        if seed is not None:
            self._base_seed = seed
        self._seed = self._base_seed
        self._plan, self._piece, self._avoid = None, None, []

    def progress(self) -> str | None:
        """The current piece's resumable state as JSON text (None before its first turn)."""
        if self._piece is None:
            return None
        saved = BuiltinProgress.of(
            seed=self._seed, piece=self._piece, plan=self._plan, avoid=self._avoid
        )
        return saved.to_text()

    def restore(self, progress: str | None, piece_number: int) -> None:
        """Continue piece ``piece_number`` where ``progress`` left it. Unusable progress is
        ignored with a warning: the artist then picks the piece up from what it sees."""
        self.reset()
        if progress is None:
            return
        try:
            saved = BuiltinProgress.from_text(progress)
        except ProgressError as exc:
            logger.warning(
                "Ignoring the builtin artist's saved progress for piece %d: %s", piece_number, exc
            )
            return
        if saved.piece != piece_number:
            logger.warning(
                "Ignoring the builtin artist's saved progress: it is for piece %d, not %d",
                saved.piece,
                piece_number,
            )
            return
        self._seed, self._piece = saved.seed, saved.piece
        self._plan, self._avoid = saved.restored_plan(), list(saved.avoid)

    def run_turn(self, turn: TurnInput, call_tool: ToolCaller) -> AsyncIterator[Event]:
        return _Turn(self, turn, call_tool).run()

    def rng(self, turn: TurnInput, purpose: str) -> random.Random:
        return random.Random(f"{self._seed}:{turn.piece_number}:{turn.turn_index}:{purpose}")


class _Turn:
    """One turn's working state (the plan itself lives on the artist between turns)."""

    def __init__(self, artist: BuiltinArtist, turn: TurnInput, call: ToolCaller) -> None:
        self.artist, self.turn, self.call = artist, turn, call
        self.paint = turn.drawing_style is DrawingStyleType.PAINT
        self.w, self.h = turn.canvas_width, turn.canvas_height
        self.rng = artist.rng(turn, "turn")
        self.finish_now = False

    async def run(self) -> AsyncIterator[Event]:
        artist, turn = self.artist, self.turn
        if artist._piece != turn.piece_number:
            artist.reset()
            artist._piece = turn.piece_number
        reading = CanvasReading(self.w, self.h)
        async for event in self.look():
            if isinstance(event, CanvasReading):
                reading = event
            else:
                yield event
        nudges = list(turn.nudges)
        plan = artist._plan
        if plan is None:
            prompt = (turn.prompt or "").strip()
            direction = interpret(prompt) if prompt else None
            plan = make_plan(artist.rng(turn, "plan"), self.w, self.h, direction, paint=self.paint)
            plan.subjects = list(direction.subjects[:2]) if direction else []
            artist._plan = plan
            opening = voice.opening(plan, self.w, self.h, self.paint, self.rng)
            if turn.turn_index > 0 and reading.coverage > 0.02:
                # The artist restarted mid-piece: build on what is there.
                plan.steps = [s for s in plan.steps if s.phase != "composition"]
                opening = "I'm picking this piece back up with a fresh plan. " + opening
            for event in voice.chunks(opening):
                yield event
            if direction and not direction.empty:
                for event in voice.chunks(
                    f'The prompt is "{prompt}": I read ' + "; ".join(direction.understood) + "."
                ):
                    yield event
            nudges = [n for n in nudges if n.strip() != prompt]
        reopened = plan.finished and bool(nudges or turn.human_strokes)
        for text in nudges:
            direction = interpret(text)
            turns_left = MAX_TURNS - turn.turn_index - 1
            step = apply_direction(plan, direction, turns_left)
            self.finish_now = self.finish_now or direction.finish
            for event in voice.chunks(voice.understood(direction, self.paint, step)):
                yield event
        if reopened:
            plan.finished = False
            for event in voice.chunks("The piece was finished, but I'll reopen it for this."):
                yield event
        if turn.human_strokes > 0:
            async for event in self.respond(plan, reading):
                yield event
        final = self.decide_finish(plan, reading, reopened)
        step = plan.next_step()
        if step is not None and (not final or step.reason == "your nudge"):
            plan.steps.pop(0)
            async for event in self.draw_step(plan, step, reading):
                yield event
        if final or reopened:
            async for event in self.finish(plan, reading):
                yield event
        yield TurnFinished(done=plan.finished)

    # ------------------------------------------------------------------ looking

    async def look(self) -> AsyncIterator[Event | CanvasReading]:
        reply = await self.call("view_canvas", {})
        if reply.is_error:
            yield ThinkingEvent(
                f"I couldn't look at the canvas ({reply.text[:120]}). "
                "I'll work from memory this turn.\n\n"
            )
            return
        plan = self.artist._plan
        avoid: tuple[tuple[float, float, float], ...] = ()
        if plan is not None and plan.focal_pending:
            avoid = ((plan.focal[0], plan.focal[1], min(self.w, self.h) * 0.3),)
        reading = read_canvas(
            reply.text,
            reply.image_png,
            width=self.w,
            height=self.h,
            style=self.turn.drawing_style,
            avoid=avoid,
            jitter=self.rng.random(),
            new_humans=self.turn.human_strokes,
            answered=tuple(self.artist._avoid),
        )
        if self.turn.turn_index > 0 or reading.coverage > 0.005:
            for event in voice.chunks("I look at the canvas. " + describe(reading)):
                yield event
        yield reading

    def decide_finish(self, plan: PiecePlan, reading: CanvasReading, reopened: bool) -> bool:
        if reopened:
            return False
        if self.finish_now or not plan.steps or self.turn.turn_index >= MAX_TURNS - 1:
            return True
        if reading.coverage >= COVERAGE_ENOUGH[self.turn.drawing_style] and (
            self.turn.turn_index >= 3
        ):
            plan.steps = [s for s in plan.steps if s.reason == "your nudge"]
            return True
        return False

    # ------------------------------------------------------------------ drawing

    def params_for(self, plan: PiecePlan, step: Step, reading: CanvasReading) -> ProgramParams:
        return layer_params(
            plan, step, reading, self.rng, paint=self.paint, avoid=self.artist._avoid
        )

    async def draw_step(
        self, plan: PiecePlan, step: Step, reading: CanvasReading
    ) -> AsyncIterator[Event]:
        params = self.params_for(plan, step, reading)
        x0, y0, x1, y1 = params.region
        where = (
            "across the canvas"
            if (x1 - x0) * (y1 - y0) > 0.6 * self.w * self.h
            else f"in the {reading.place_name((x0 + x1) / 2, (y0 + y1) / 2)}"
        )
        _d, note = layer_density(plan, step, reading, paint=self.paint)
        note = note or voice.mood_note(plan, params.density)
        for event in voice.chunks(voice.step_intro(step, where, note, self.rng)):
            yield event
        if step.phase == "composition" and plan.underpaint and step.technique != "washes":
            plan.underpaint = False
            wash = Step("composition", "washes", "", "full", 0.8)
            wash_params = self.params_for(plan, wash, reading)
            for event in voice.chunks("First a thin underpainting of washes to set the light."):
                yield event
            async for item in self.run_program(plan, TECHNIQUES["washes"], wash_params, "ground"):
                yield item
        tech = TECHNIQUES[step.technique]
        role = ROLE_OF_PHASE.get(step.phase, "")
        async for item in self.run_program(plan, tech, params, role):
            yield item
        if step.phase == "structure" and step.placement == "focal":
            plan.focal_drawn = True

    async def run_program(
        self, plan: PiecePlan, tech: Technique, params: ProgramParams, role: str
    ) -> AsyncIterator[Event]:
        """Run a technique; on an error, say what broke, lighten or switch, and retry (twice)."""
        for attempt in range(3):
            reply = await self.call("generate_svg", {"code": build_program(tech, params)})
            if not reply.is_error:
                match = _DREW.search(reply.text)
                n = int(match.group(1)) if match else 0
                count = f"{n} stroke{'s' * (n != 1)}" if match else "the strokes"
                if tech.name not in plan.used and tech is not RESPONSE_TECHNIQUE:
                    plan.used.append(tech.name)
                yield ThinkingEvent(f"Done: {count} of {tech.label}.\n\n")
                return
            problem = reply.text.removeprefix("Error: ").splitlines()[0][:160]
            if attempt == 0:
                params = replace(
                    params,
                    density=params.density * 0.6,
                    max_paths=params.max_paths // 2,
                    max_points=params.max_points // 2,
                )
                plan_b = "try again with about half as many marks"
            else:
                fallback = TECHNIQUES[FALLBACKS.get(role, "stippling")]
                if fallback.name == tech.name:
                    fallback = TECHNIQUES["flow_field"]
                tech = fallback
                params = replace(params, variant=tech.variants[0], extra={})
                plan_b = f"switch to {tech.label}, which is simpler"
            yield ThinkingEvent(f"That didn't work — the tool said: {problem}. I'll {plan_b}.\n\n")
        yield ThinkingEvent("Still failing, so I'll leave this layer out and move on.\n\n")

    async def respond(self, plan: PiecePlan, reading: CanvasReading) -> AsyncIterator[Event]:
        count = self.turn.human_strokes or len(reading.human_boxes)
        if not reading.human_boxes:
            text = (
                f"Someone added {count} stroke{'s' * (count != 1)}, but I can't tell where "
                "from this view; I'll leave space rather than guess."
            )
            for event in voice.chunks(text):
                yield event
            return
        params, description = respond_params(
            reading,
            self.rng,
            paint=self.paint,
            palette=PALETTES[plan.palette],
        )
        boxes = reading.human_boxes
        cx = sum((b[0] + b[2]) / 2 for b in boxes) / len(boxes)
        cy = sum((b[1] + b[3]) / 2 for b in boxes) / len(boxes)
        text = (
            f"A visitor drew {count} stroke{'s' * (count != 1)} near the "
            f"{reading.place_name(cx, cy)}. I'll answer with {description}. "
            "Later layers will keep clear of their line."
        )
        for event in voice.chunks(text):
            yield event
        self.artist._avoid.extend((b[0] - 8, b[1] - 8, b[2] + 8, b[3] + 8) for b in boxes)
        async for item in self.run_program(plan, RESPONSE_TECHNIQUE, params, "texture"):
            yield item

    # ------------------------------------------------------------------ finishing

    async def finish(self, plan: PiecePlan, reading: CanvasReading) -> AsyncIterator[Event]:
        rng = self.artist.rng(self.turn, "finish")
        if not plan.signed:
            if not plan.accented:
                what, paths = accent_paths(plan, reading, rng, paint=self.paint)
                for event in voice.chunks(f"To finish, {what}."):
                    yield event
                plan.accented = True
                reply = await self.call("draw_paths", {"paths": paths})
                if reply.is_error:
                    yield ThinkingEvent(
                        f"The accent didn't take ({reply.text[:100]}); "
                        "the piece stands without it.\n\n"
                    )
            spot = reading.quietest_signature_spot()
            args: dict[str, object] = {
                "position": spot,
                "size": "small" if reading.coverage > 0.4 else "medium",
            }
            if self.paint:
                args["color"] = INK if plan.palette != "cool" else "#7b68ee"
            for event in voice.chunks(
                f"I'll sign at the {spot.replace('_', ' ')}, the quietest part of the bottom edge."
            ):
                yield event
            plan.signed = True
            reply = await self.call("sign_canvas", args)
            if reply.is_error:
                yield ThinkingEvent(f"Signing failed ({reply.text[:100]}); unsigned it is.\n\n")
        if plan.title is None:
            plan.title = make_title(
                plan, self.artist.rng(replace(self.turn, turn_index=0), "title"), paint=self.paint
            )
            reply = await self.call("name_piece", {"title": plan.title})
            if reply.is_error:
                yield ThinkingEvent(f"Naming failed ({reply.text[:100]}).\n\n")
            for event in voice.chunks(f"I'll call it “{plan.title}”."):
                yield event
        reply = await self.call("mark_piece_done", {})
        if reply.is_error:
            yield ThinkingEvent(
                f"I couldn't mark it done ({reply.text[:100]}); I'll try again next turn.\n\n"
            )
            return
        plan.finished = True
        plan.steps.clear()
        for event in voice.chunks(
            rng.choice(
                [
                    "That's the piece. Thank you for watching.",
                    "Finished. I like where the light ended up.",
                    "Done — I'll leave it there before it gets fussy.",
                ]
            )
        ):
            yield event
