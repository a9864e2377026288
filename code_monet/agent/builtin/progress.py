"""The builtin artist's resumable progress: what a restart needs to continue a piece.

Why: the scene plan (subjects, where they stand, which are drawn), the atmosphere already laid,
the abstract steps left, the regions kept clear for visitors and the seed live in memory;
without them a restarted artist composed the piece again and drew it twice. The workspace keeps
this as opaque JSON text (``artist_progress``). It is read back at the edge with Pydantic and
checked against what the artist knows (subjects, layers, techniques, archetypes), so a damaged
or older string is refused with a reason instead of crashing a turn. Writing builds the models
without validation (``model_construct``): the artist's own state is trusted, and saving
progress must never be what fails a turn.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from code_monet.agent.builtin.palettes import PALETTES
from code_monet.agent.builtin.planner import ARCHETYPES, PiecePlan, PieceState, Step
from code_monet.agent.builtin.scene.plan import Layer, PlacedSubject, ScenePlan
from code_monet.agent.builtin.scene.subjects.library import LIBRARY
from code_monet.agent.builtin.techniques import TECHNIQUES

__all__ = ["PROGRESS_VERSION", "BuiltinProgress", "ProgressError", "Region"]

PROGRESS_VERSION: Literal[2] = 2
Region = tuple[float, float, float, float]
PHASES = frozenset({"composition", "structure", "detail", "response"})
SIGNATURE_SPOTS = frozenset({"bottom_left", "bottom_center", "bottom_right"})
Hex = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
_FROZEN = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ProgressError(ValueError):
    """A saved progress string that cannot be used (damaged, or from another version)."""


class _StepModel(BaseModel):
    model_config = _FROZEN

    phase: str
    technique: str
    variant: str
    placement: str
    density: float = Field(gt=0)
    reason: str = ""

    @model_validator(mode="after")
    def _known(self) -> _StepModel:
        if self.phase not in PHASES:
            raise ValueError(f"unknown phase {self.phase!r}")
        tech = TECHNIQUES.get(self.technique)
        if tech is None:
            raise ValueError(f"unknown technique {self.technique!r}")
        if self.variant and self.variant not in tech.variants:
            raise ValueError(f"technique {self.technique!r} has no variant {self.variant!r}")
        return self

    @classmethod
    def of(cls, step: Step) -> _StepModel:
        return cls.model_construct(
            phase=step.phase,
            technique=step.technique,
            variant=step.variant,
            placement=step.placement,
            density=float(step.density),
            reason=step.reason,
        )

    def step(self) -> Step:
        return Step(
            self.phase, self.technique, self.variant, self.placement, self.density, self.reason
        )


class _AbstractModel(BaseModel):
    """An abstract piece's technique plan."""

    model_config = _FROZEN

    archetype: str
    palette: str
    mood: str
    focal: tuple[float, float]
    steps: list[_StepModel]
    density_bias: float = Field(gt=0)
    used: list[str]
    underpaint: bool
    focal_drawn: bool

    @model_validator(mode="after")
    def _known(self) -> _AbstractModel:
        if self.archetype not in ARCHETYPES:
            raise ValueError(f"unknown archetype {self.archetype!r}")
        if self.palette not in PALETTES:
            raise ValueError(f"unknown palette {self.palette!r}")
        return self

    @classmethod
    def of(cls, plan: PiecePlan) -> _AbstractModel:
        return cls.model_construct(
            archetype=plan.archetype,
            palette=plan.palette,
            mood=plan.mood,
            focal=(float(plan.focal[0]), float(plan.focal[1])),
            steps=[_StepModel.of(s) for s in plan.steps],
            density_bias=float(plan.density_bias),
            used=list(plan.used),
            underpaint=plan.underpaint,
            focal_drawn=plan.focal_drawn,
        )

    def plan(self) -> PiecePlan:
        return PiecePlan(
            archetype=self.archetype,
            palette=self.palette,
            mood=self.mood,
            focal=self.focal,
            steps=[s.step() for s in self.steps],
            density_bias=self.density_bias,
            used=list(self.used),
            underpaint=self.underpaint,
            focal_drawn=self.focal_drawn,
        )


class _PlacedModel(BaseModel):
    model_config = _FROZEN

    name: str
    x: float
    y: float
    w: float = Field(gt=0)
    h: float = Field(gt=0)
    layer: Layer
    variant: int = Field(ge=0)
    mirror: bool
    body: Hex | None
    focal: bool
    drawn: bool
    why: str

    @model_validator(mode="after")
    def _known(self) -> _PlacedModel:
        if self.name not in LIBRARY:
            raise ValueError(f"unknown subject {self.name!r}")
        return self

    @classmethod
    def of(cls, s: PlacedSubject) -> _PlacedModel:
        return cls.model_construct(
            name=s.name,
            x=float(s.x),
            y=float(s.y),
            w=float(s.w),
            h=float(s.h),
            layer=s.layer,
            variant=s.variant,
            mirror=s.mirror,
            body=s.body,
            focal=s.focal,
            drawn=s.drawn,
            why=s.why,
        )

    def placed(self) -> PlacedSubject:
        return PlacedSubject(
            self.name,
            self.x,
            self.y,
            self.w,
            self.h,
            Layer(self.layer),
            self.variant,
            mirror=self.mirror,
            body=self.body,
            focal=self.focal,
            drawn=self.drawn,
            why=self.why,
        )


class _SceneModel(BaseModel):
    model_config = _FROZEN

    prompt: str
    subjects: list[_PlacedModel]
    palette: list[Hex] = Field(min_length=1)
    sky: list[Hex]
    ground: list[Hex]
    horizon: float | None
    time_of_day: str
    weather: list[str]
    mood: str
    composition: str
    density: float = Field(gt=0)
    understood: list[str]
    not_drawable: list[str]
    instead: str

    @classmethod
    def of(cls, plan: ScenePlan) -> _SceneModel:
        return cls.model_construct(
            prompt=plan.prompt,
            subjects=[_PlacedModel.of(s) for s in plan.subjects],
            palette=list(plan.palette),
            sky=list(plan.sky),
            ground=list(plan.ground),
            horizon=None if plan.horizon is None else float(plan.horizon),
            time_of_day=plan.time_of_day,
            weather=list(plan.weather),
            mood=plan.mood,
            composition=plan.composition,
            density=float(plan.density),
            understood=list(plan.understood),
            not_drawable=list(plan.not_drawable),
            instead=plan.instead,
        )

    def plan(self) -> ScenePlan:
        return ScenePlan(
            prompt=self.prompt,
            subjects=[s.placed() for s in self.subjects],
            palette=list(self.palette),
            sky=list(self.sky),
            ground=list(self.ground),
            horizon=self.horizon,
            time_of_day=self.time_of_day,
            weather=list(self.weather),
            mood=self.mood,
            composition=self.composition,
            density=self.density,
            understood=list(self.understood),
            not_drawable=list(self.not_drawable),
            instead=self.instead,
        )


class _PieceModel(BaseModel):
    model_config = _FROZEN

    scene: _SceneModel
    abstract: _AbstractModel | None
    done: list[str]
    signature: str
    reviewed: bool
    signed: bool
    title: str | None
    finished: bool

    @model_validator(mode="after")
    def _known(self) -> _PieceModel:
        if self.signature not in SIGNATURE_SPOTS:
            raise ValueError(f"unknown signature spot {self.signature!r}")
        return self

    @classmethod
    def of(cls, state: PieceState) -> _PieceModel:
        return cls.model_construct(
            scene=_SceneModel.of(state.scene),
            abstract=_AbstractModel.of(state.abstract) if state.abstract is not None else None,
            done=list(state.done),
            signature=state.signature,
            reviewed=state.reviewed,
            signed=state.signed,
            title=state.title,
            finished=state.finished,
        )

    def state(self) -> PieceState:
        return PieceState(
            scene=self.scene.plan(),
            abstract=self.abstract.plan() if self.abstract is not None else None,
            done=list(self.done),
            signature=self.signature,
            reviewed=self.reviewed,
            signed=self.signed,
            title=self.title,
            finished=self.finished,
        )


class BuiltinProgress(BaseModel):
    """One piece's progress: the seed it is drawn with, its state and the regions kept clear."""

    model_config = _FROZEN

    version: Literal[2] = PROGRESS_VERSION
    seed: int
    piece: int = Field(ge=1)
    plan: _PieceModel | None
    avoid: list[Region] = Field(default_factory=list)

    @classmethod
    def of(
        cls, *, seed: int, piece: int, state: PieceState | None, avoid: list[Region]
    ) -> BuiltinProgress:
        return cls.model_construct(
            version=PROGRESS_VERSION,
            seed=seed,
            piece=piece,
            plan=_PieceModel.of(state) if state is not None else None,
            avoid=[(float(a), float(b), float(c), float(d)) for a, b, c, d in avoid],
        )

    def to_text(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_text(cls, text: str) -> BuiltinProgress:
        """Parse a saved progress string; ``ProgressError`` says why it cannot be used."""
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors()[0] if exc.errors() else None
            where = ".".join(str(p) for p in first["loc"]) if first else ""
            reason = first["msg"] if first else str(exc)
            raise ProgressError(
                f"{exc.error_count()} problem(s), first at {where or 'top level'}: {reason}"
            ) from exc

    def restored(self) -> PieceState | None:
        return self.plan.state() if self.plan is not None else None
