"""The builtin artist's turn loop: look, listen, decide, draw, explain — through the tools only.

Turn 0 composes a scene from the prompt (``scene.composer``) and says plainly what it took from
the words, what it could not draw and what it does instead. Every turn it calls ``view_canvas``
and measures the result, folds nudges into the scene (``scene.nudging``), answers new human
strokes, then draws the next part of the scene back to front — sky and ground washes, the
background, the focal subject, the foreground, the weather — in ``draw_paths`` batches of a
few dozen strokes with its thinking in between. A piece without subjects is abstract and uses
the technique programs (``generate_svg``) in the scene's colours. The last turn looks again,
adds at most one fitting subject to a large empty region, signs where the rendered canvas has
no ink, names the piece from what it shows and marks it done.

Everything random derives from (seed, piece, purpose), never the clock, so a seed replays the
same piece. ``progress`` / ``restore`` carry the piece across restarts (see ``progress.py``):
anything that marks work as done — a subject's ``drawn``, an atmosphere chunk, a step taken,
the signature — is set *before* the tool call that draws it: the agent saves the progress
before every tool call, so a crash mid-call may lose that batch but never redraws it.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

from code_monet.agent.builtin import voice
from code_monet.agent.builtin.api import ThinkingEvent, ToolCaller, TurnFinished, TurnInput
from code_monet.agent.builtin.critic import CanvasReading, describe, read_canvas
from code_monet.agent.builtin.finishing import (
    CLUTTERED,
    Position,
    choose_signature,
    finishing_addition,
    make_title,
    reserve_signature,
    signature_box,
)
from code_monet.agent.builtin.layers import ROLE_OF_PHASE, layer_density, layer_params
from code_monet.agent.builtin.planner import (
    MAX_TURNS,
    PiecePlan,
    PieceState,
    Step,
    Work,
    make_plan,
    pending,
    this_turn,
)
from code_monet.agent.builtin.progress import BuiltinProgress, ProgressError, Region
from code_monet.agent.builtin.responses import respond_params
from code_monet.agent.builtin.scene import atmosphere
from code_monet.agent.builtin.scene.composer import compose
from code_monet.agent.builtin.scene.marks import MarkKind, Medium
from code_monet.agent.builtin.scene.nudging import apply_nudge
from code_monet.agent.builtin.scene.painter import PathDict, batches, subject_strokes
from code_monet.agent.builtin.scene.plan import ScenePlan
from code_monet.agent.builtin.scene.subjects.library import LIBRARY
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
BATCH = 40
SPLIT_AT = 60  # a focal subject with at least this many strokes is drawn over two turns
_DREW = re.compile(r"drew (\d+) paths", re.IGNORECASE)
STAGES = {
    MarkKind.WASH: "the colour",
    MarkKind.HATCH: "the shading",
    MarkKind.STIPPLE: "the shading",
    MarkKind.CONTOUR: "the lines that make it read",
    MarkKind.DETAIL: "the details",
}


class BuiltinArtist:
    """The default offline artist. One instance per agent; ``reset`` starts a new piece.

    ``state`` (the piece: scene plan and what is done), ``piece`` and ``avoid`` (regions kept
    clear for visitors' strokes) are the artist's memory between turns."""

    def __init__(self, *, seed: int = 0) -> None:
        self.base_seed = seed
        self.seed = seed  # the current piece's (a restored piece keeps the seed it began with)
        self.state: PieceState | None = None
        self.piece: int | None = None
        self.avoid: list[Region] = []

    def reset(self, *, seed: int | None = None) -> None:
        if seed is not None:
            self.base_seed = seed
        self.seed = self.base_seed
        self.state, self.piece, self.avoid = None, None, []

    def progress(self) -> str | None:
        """The current piece's resumable state as JSON text (None before its first turn)."""
        if self.piece is None:
            return None
        saved = BuiltinProgress.of(
            seed=self.seed, piece=self.piece, state=self.state, avoid=self.avoid
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
        self.seed, self.piece = saved.seed, saved.piece
        self.state, self.avoid = saved.restored(), list(saved.avoid)

    def run_turn(self, turn: TurnInput, call_tool: ToolCaller) -> AsyncIterator[Event]:
        if self.piece != turn.piece_number:
            self.reset()
            self.piece = turn.piece_number
        return _Turn(self, turn, call_tool).run()

    def rng(self, turn: TurnInput, purpose: str) -> random.Random:
        """Randomness for one turn and purpose (a nudge's placement, a response)."""
        return random.Random(f"{self.seed}:{turn.piece_number}:{turn.turn_index}:{purpose}")

    def piece_rng(self, piece: int, purpose: str) -> random.Random:
        """Randomness for one thing in the piece, whatever turn draws it (a subject, the sky),
        so a restarted piece draws it exactly as the uninterrupted one would."""
        return random.Random(f"{self.seed}:{piece}:{purpose}")


class _Turn:
    """One turn's working state (the piece itself lives on the artist between turns)."""

    def __init__(self, artist: BuiltinArtist, turn: TurnInput, call: ToolCaller) -> None:
        self.artist, self.turn, self.call = artist, turn, call
        self.paint = turn.drawing_style is DrawingStyleType.PAINT
        self.medium = Medium.PAINT if self.paint else Medium.PLOTTER
        self.w, self.h = turn.canvas_width, turn.canvas_height
        self.rng = artist.rng(turn, "turn")
        self.reading = CanvasReading(self.w, self.h)
        self.finish_asked = False
        self.reopened = False

    @property
    def state(self) -> PieceState:
        state = self.artist.state
        assert state is not None, "the piece is planned at the start of every turn"
        return state

    @property
    def scene(self) -> ScenePlan:
        return self.state.scene

    async def run(self) -> AsyncIterator[Event]:
        async for event in self.look():
            yield event
        for event in self.take_in():
            yield event
        async for event in self.answer_visitors():
            yield event
        if self.reopened:
            yield from_text("The piece was finished, but I'll reopen it for this.")
        async for event in self.work():
            yield event
        yield TurnFinished(done=self.state.finished)

    def take_in(self) -> Iterator[Event]:
        """Compose a new piece from its prompt, then fold in the nudges (on the turn that
        composes it, a nudge repeating the prompt is the prompt, not a nudge)."""
        nudges = list(self.turn.nudges)
        if self.artist.state is None:
            yield from self.compose()
            prompt = (self.turn.prompt or "").strip()
            nudges = [n for n in nudges if n.strip() != prompt]
        yield from self.listen(nudges)

    async def answer_visitors(self) -> AsyncIterator[Event]:
        """New human strokes get an answer, even on a finished piece (which reopens)."""
        if self.turn.human_strokes <= 0:
            return
        if self.state.finished:
            self.reopen()
        async for event in self.respond():
            yield event

    def reopen(self) -> None:
        self.state.finished = False
        self.reopened = True

    # ------------------------------------------------------------------ looking

    async def look(self) -> AsyncIterator[Event]:
        reply = await self.call("view_canvas", {})
        if reply.is_error:
            yield ThinkingEvent(
                f"I couldn't look at the canvas ({reply.text[:120]}). "
                "I'll work from memory this turn.\n\n"
            )
            return
        state = self.artist.state
        avoid: tuple[tuple[float, float, float], ...] = ()
        abstract = state.abstract if state is not None else None
        if abstract is not None and abstract.focal_pending:
            avoid = ((abstract.focal[0], abstract.focal[1], min(self.w, self.h) * 0.3),)
        self.reading = read_canvas(
            reply.text,
            reply.image_png,
            width=self.w,
            height=self.h,
            style=self.turn.drawing_style,
            avoid=avoid,
            jitter=self.rng.random(),
            new_humans=self.turn.human_strokes,
            answered=tuple(self.artist.avoid),
        )
        if self.turn.turn_index > 0 or self.reading.coverage > 0.005:
            for event in voice.chunks("I look at the canvas. " + describe(self.reading)):
                yield event

    # ------------------------------------------------------------------ planning

    def compose(self) -> Iterator[Event]:
        """Turn the prompt into a scene and say plainly what was understood."""
        turn = self.turn
        scene = compose(
            turn.prompt,
            width=self.w,
            height=self.h,
            medium=self.medium,
            rng=self.artist.rng(turn, "plan"),
        )
        state = PieceState(scene)
        state.signature = reserve_signature(scene, self.w, self.h, turn.piece_number)
        if not scene.subjects:
            state.abstract = make_plan(
                self.artist.rng(turn, "abstract"),
                self.w,
                self.h,
                paint=self.paint,
                mood=scene.mood,
                density=scene.density,
            )
        self.artist.state = state
        text = voice.opening(
            scene, dict(LIBRARY), width=self.w, height=self.h, paint=self.paint, rng=self.rng
        )
        if turn.turn_index > 0 and self.reading.coverage > 0.02:
            # The artist restarted mid-piece without its notes: build on what is there.
            state.done = [c.key for c in self.background()]
            if state.abstract is not None:
                state.abstract.steps = [s for s in state.abstract.steps if s.phase != "composition"]
            text = "I'm picking this piece back up with a fresh plan. " + text
        yield from voice.chunks(text)

    def listen(self, nudges: list[str]) -> Iterator[Event]:
        """Fold each nudge into the scene and say what it changed."""
        for text in nudges:
            outcome = apply_nudge(
                self.scene, text, width=self.w, height=self.h, rng=self.artist.rng(self.turn, text)
            )
            self.finish_asked = self.finish_asked or outcome.finish
            if self.state.finished and (outcome.added or outcome.changed):
                self.reopen()
            said = outcome.said or f'A nudge: "{text[:80]}". I keep to the plan.'
            yield from voice.chunks(said)

    # ------------------------------------------------------------------ deciding

    def background(self) -> list[atmosphere.Chunk]:
        if self.scene.composition == "abstract":
            return []
        rng = self.artist.piece_rng(self.turn.piece_number, "background")
        return atmosphere.background(self.scene, self.medium, rng, self.w, self.h, self.keep())

    def weather(self) -> list[atmosphere.Chunk]:
        rng = self.artist.piece_rng(self.turn.piece_number, "weather")
        return atmosphere.weather(self.scene, self.medium, rng, self.w, self.h, self.keep())

    def keep(self) -> atmosphere.Rect:
        """The signature's reserved box: washes and weather leave it bare."""
        spot = self.state.signature
        position: Position = "bottom_right"
        if spot in ("bottom_left", "bottom_center"):
            position = "bottom_left" if spot == "bottom_left" else "bottom_center"
        return signature_box(position, "medium", self.w, self.h, self.turn.piece_number)

    def queue(self) -> list[Work]:
        back = [c.key for c in self.background()]
        air = [c.key for c in self.weather()]
        return pending(self.state, back, air)

    async def work(self) -> AsyncIterator[Event]:
        """Draw this turn's part of the scene; finish when nothing is left, when asked, or on
        the last turn. When finishing was asked, only what the prompt or a nudge asked for is
        still drawn (never the scene's extras), so "finish it" never leaves out the subject."""
        if self.state.finished and not self.reopened:
            async for event in self.finish():
                yield event
            return
        queue = self.queue()
        items = this_turn(queue, self.scene)
        if self.finish_asked:
            items = [w for w in queue if self.asked_for(w)]
        for item in items:
            async for event in self.draw(item):
                yield event
        left = self.queue() if items else queue
        last_turn = self.turn.turn_index >= MAX_TURNS - 1
        if self.finish_asked or last_turn or (not left and (self.reopened or not items)):
            if items:  # look again: the finishing decisions need the canvas as it is now
                async for event in self.look():
                    yield event
            async for event in self.finish():
                yield event

    def asked_for(self, item: Work) -> bool:
        if item.kind != "subject":
            return False
        placed = self.scene.subjects[int(item.key)]
        return placed.focal or placed.why in ("your nudge", "the prompt")

    # ------------------------------------------------------------------ drawing

    async def draw(self, item: Work) -> AsyncIterator[Event]:
        if item.kind == "subject":
            async for event in self.draw_subject(int(item.key)):
                yield event
        elif item.kind == "step":
            async for event in self.draw_step():
                yield event
        else:
            chunks = self.background() if item.kind == "background" else self.weather()
            chunk = next((c for c in chunks if c.key == item.key), None)
            if chunk is not None:
                async for event in self.draw_chunk(chunk):
                    yield event

    async def draw_chunk(self, chunk: atmosphere.Chunk) -> AsyncIterator[Event]:
        for event in voice.chunks(chunk.said):
            yield event
        self.state.done.append(chunk.key)
        async for sent in self.send(chunk.paths, chunk.key):
            yield sent

    async def draw_subject(self, index: int) -> AsyncIterator[Event]:
        """Draw one subject. A large focal subject takes two turns, as a painter blocks in
        colour before the drawing (paint) or the drawing before its shading (plotter)."""
        placed = self.scene.subjects[index]
        spec = LIBRARY.get(placed.name)
        if spec is None:
            placed.drawn = True
            yield from_text(f"I don't know how to draw '{placed.name}', so I leave it out.")
            return
        rng = self.artist.piece_rng(self.turn.piece_number, f"subject:{index}:{placed.name}")
        keep = None if placed.focal else self.keep()  # only the focal subject may cover it
        canvas = (float(self.w), float(self.h))
        strokes = subject_strokes(
            spec, placed, self.scene, self.medium, rng, canvas=canvas, keep=keep
        )
        started = f"part:{index}" in self.state.done
        split = placed.focal and (started or not self.hurried())
        first, second = self.parts(strokes) if split else (strokes, [])
        if started or not second:
            placed.drawn = True  # before the draw: a crash never draws it twice
        else:
            self.state.done.append(f"part:{index}")
        if started:
            yield from_text(f"Back to the {placed.name}: {STAGES[second[0][0]]}.")
            todo = second
        else:
            where = self.reading.place_name(placed.x + placed.w / 2, placed.y + placed.h / 2)
            intro = voice.subject_intro(spec, placed, where, self.rng)
            if second:
                intro += (
                    f" First {STAGES[first[0][0]]}; {STAGES[second[0][0]]} next turn,"
                    " once I've looked at it."
                )
            for event in voice.chunks(intro):
                yield event
            todo = first
        sent = 0
        async for item in self.send_strokes(todo):
            if isinstance(item, int):
                sent += item
            else:
                yield item
        yield from_text(
            f"{sent} strokes for {spec.said}" + (" so far." if not placed.drawn else ".")
        )

    def hurried(self) -> bool:
        """Finishing this turn (asked to, or the last turn): nothing is left for later."""
        return self.finish_asked or self.turn.turn_index >= MAX_TURNS - 1

    def parts(
        self, strokes: list[tuple[MarkKind, PathDict]]
    ) -> tuple[list[tuple[MarkKind, PathDict]], list[tuple[MarkKind, PathDict]]]:
        """Colour and tone, then lines (paint); lines, then tone (plotter). One part only when
        the subject is small."""
        lines = [s for s in strokes if s[0] in (MarkKind.CONTOUR, MarkKind.DETAIL)]
        tone = [s for s in strokes if s[0] not in (MarkKind.CONTOUR, MarkKind.DETAIL)]
        if len(strokes) < SPLIT_AT or not lines or not tone:
            return strokes, []
        return (tone, lines) if self.paint else (lines, tone)

    async def send_strokes(
        self, strokes: list[tuple[MarkKind, PathDict]]
    ) -> AsyncIterator[Event | int]:
        """Batches of strokes, saying what comes next when the kind of mark changes; yields
        how many strokes each batch drew."""
        stage = STAGES[strokes[0][0]] if strokes else ""
        for batch in batches(range(len(strokes)), BATCH):
            now = STAGES[strokes[batch[0]][0]]
            if now != stage:
                yield ThinkingEvent(f"Now {now}. ")
            stage = now
            reply = await self.call("draw_paths", {"paths": [strokes[i][1] for i in batch]})
            if reply.is_error:
                yield from_text(f"That batch didn't take ({reply.text[:100]}); I move on.")
                continue
            yield len(batch)

    async def send(self, paths: list[PathDict], what: str) -> AsyncIterator[Event]:
        for batch in batches(paths, BATCH * 2):
            reply = await self.call("draw_paths", {"paths": batch})
            if reply.is_error:
                yield from_text(f"Part of the {what} didn't take ({reply.text[:100]}).")

    async def draw_step(self) -> AsyncIterator[Event]:
        plan = self.state.abstract
        if plan is None or not plan.steps:
            return
        step = plan.steps.pop(0)  # before the program runs: never drawn twice
        params = self.params_for(plan, step)
        x0, y0, x1, y1 = params.region
        where = (
            "across the canvas"
            if (x1 - x0) * (y1 - y0) > 0.6 * self.w * self.h
            else f"in the {self.reading.place_name((x0 + x1) / 2, (y0 + y1) / 2)}"
        )
        _d, note = layer_density(plan, step, self.reading, paint=self.paint)
        note = note or voice.abstract_note(plan)
        for event in voice.chunks(voice.step_intro(step, where, note, self.rng)):
            yield event
        if step.phase == "composition" and plan.underpaint and step.technique != "washes":
            plan.underpaint = False
            wash = Step("composition", "washes", "", "full", 0.8)
            yield from_text("First a thin underpainting of washes to set the light.")
            async for item in self.run_program(
                plan, TECHNIQUES["washes"], self.params_for(plan, wash), "ground"
            ):
                yield item
        role = ROLE_OF_PHASE.get(step.phase, "")
        async for item in self.run_program(plan, TECHNIQUES[step.technique], params, role):
            yield item
        if step.phase == "structure" and step.placement == "focal":
            plan.focal_drawn = True

    def params_for(self, plan: PiecePlan, step: Step) -> ProgramParams:
        """The technique's parameters, in the scene's colours (so 'red and blue' is red and
        blue, whatever palette the archetype would have picked)."""
        avoid = [*self.artist.avoid, self.keep()]  # programs leave the signature's corner bare
        params = layer_params(plan, step, self.reading, self.rng, paint=self.paint, avoid=avoid)
        return replace(params, colors=self.abstract_colours(ROLE_OF_PHASE.get(step.phase, "")))

    def abstract_colours(self, role: str) -> tuple[str, ...]:
        p = list(self.scene.palette) or ["#1a1a2e"]
        ink, body, shade, accent = (p + p[-1:] * 4)[:4]
        extras = p[5:]
        if role == "ground":
            return (body, accent, shade, *extras)
        if role == "focal":
            return (ink, body, accent, *extras)
        return (body, accent, shade)

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

    async def respond(self) -> AsyncIterator[Event]:
        reading = self.reading
        count = self.turn.human_strokes or len(reading.human_boxes)
        if not reading.human_boxes:
            yield from_text(
                f"Someone added {count} stroke{'s' * (count != 1)}, but I can't tell where "
                "from this view; I'll leave space rather than guess."
            )
            return
        params, description = respond_params(
            reading, self.rng, paint=self.paint, colours=tuple(self.scene.palette)
        )
        boxes = reading.human_boxes
        cx = sum((b[0] + b[2]) / 2 for b in boxes) / len(boxes)
        cy = sum((b[1] + b[3]) / 2 for b in boxes) / len(boxes)
        for event in voice.chunks(
            f"A visitor drew {count} stroke{'s' * (count != 1)} near the "
            f"{reading.place_name(cx, cy)}. I'll answer with {description}. "
            "Later layers will keep clear of their line."
        ):
            yield event
        self.artist.avoid.extend((b[0] - 8, b[1] - 8, b[2] + 8, b[3] + 8) for b in boxes)
        plan = self.state.abstract or PiecePlan("currents", "mono", "balanced", (0, 0), [])
        async for item in self.run_program(plan, RESPONSE_TECHNIQUE, params, "texture"):
            yield item

    # ------------------------------------------------------------------ finishing

    async def finish(self) -> AsyncIterator[Event]:
        state = self.state
        if not state.reviewed:
            async for event in self.review():
                yield event
        if not state.signed:
            async for event in self.sign():
                yield event
        if state.title is None:
            title_rng = self.artist.piece_rng(self.turn.piece_number, f"title:{state.scene.prompt}")
            state.title = make_title(state, title_rng)
            reply = await self.call("name_piece", {"title": state.title})
            if reply.is_error:
                yield from_text(f"Naming failed ({reply.text[:100]}).")
            yield from_text(f"I'll call it “{state.title}”.")
        reply = await self.call("mark_piece_done", {})
        if reply.is_error:
            yield from_text(f"I couldn't mark it done ({reply.text[:100]}); I'll try next turn.")
            return
        state.finished = True
        yield from_text(
            self.rng.choice(
                [
                    "That's the piece. Thank you for watching.",
                    "Finished. I'll leave it there before it gets fussy.",
                    "Done — it says what it needs to.",
                ]
            )
        )

    async def review(self) -> AsyncIterator[Event]:
        """The finishing look: balance, empty regions, clutter; at most one fitting addition."""
        state = self.state
        state.reviewed = True
        reading = self.reading
        keep = self.keep()
        rng = self.artist.piece_rng(self.turn.piece_number, "review")
        extra = finishing_addition(self.scene, reading, dict(LIBRARY), rng, keep, paint=self.paint)
        look = f"Before signing I step back and look. {balance(reading)}"
        if reading.marks > CLUTTERED[self.paint]:
            yield from_text(f"{look} It is full enough: anything more would be clutter.")
            return
        if extra is None:
            yield from_text(f"{look} It holds together as it is.")
            return
        self.scene.subjects.append(extra)
        yield from_text(
            f"{look} The {reading.place_name(extra.x + extra.w / 2, extra.y + extra.h / 2)} "
            "is empty, so one small thing that belongs there."
        )
        async for event in self.draw_subject(len(self.scene.subjects) - 1):
            yield event

    async def sign(self) -> AsyncIterator[Event]:
        state = self.state
        choice = choose_signature(
            self.reading, state.signature, self.w, self.h, self.turn.piece_number
        )
        args: dict[str, object] = {"position": choice.position, "size": choice.size}
        if self.paint:
            args["color"] = self.scene.palette[0] if self.scene.palette else "#1a1a2e"
        where = choice.position.replace("_", " ")
        reason = (
            "where there is no ink"
            if choice.inked == 0
            else "the clearest spot I can find"
            if choice.inked is not None
            else "where I kept the paper clear for it"
        )
        yield from_text(f"I'll sign at the {where}, {reason}.")
        state.signed = True
        reply = await self.call("sign_canvas", args)
        if reply.is_error:
            yield from_text(f"Signing failed ({reply.text[:100]}); unsigned it is.")


def balance(reading: CanvasReading) -> str:
    """A sentence on where the drawing's weight sits."""
    if not reading.seen:
        return ""
    lean = reading.left_share - 0.5
    if abs(lean) > 0.12:
        return f"The weight leans {'left' if lean > 0 else 'right'}, which the space answers."
    return "The weight is balanced left to right."


def from_text(text: str) -> ThinkingEvent:
    """One short paragraph as a single thinking event."""
    return ThinkingEvent(text.strip() + "\n\n")
