"""The builtin artist's resumable progress: what a restart needs to continue a piece.

Why: the plan (which steps are left), the regions kept clear for visitors and the seed live in
memory; without them a restarted artist planned the piece again and replayed turn 0 on top of
the canvas. The workspace keeps this as opaque JSON text (``artist_progress``). It is read back
at the edge with Pydantic and checked against what the artist knows (techniques, palettes,
archetypes), so a damaged or older string is refused with a reason instead of crashing a turn.
Writing builds the models without validation (``model_construct``): the artist's own state is
trusted, and saving progress must never be what fails a turn.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from code_monet.agent.builtin.palettes import PALETTES
from code_monet.agent.builtin.planner import ARCHETYPES, PiecePlan, Step
from code_monet.agent.builtin.techniques import TECHNIQUES

__all__ = ["PROGRESS_VERSION", "BuiltinProgress", "ProgressError", "Region"]

PROGRESS_VERSION: Literal[1] = 1
Region = tuple[float, float, float, float]
PHASES = frozenset({"composition", "structure", "detail", "response"})


class ProgressError(ValueError):
    """A saved progress string that cannot be used (damaged, or from another version)."""


class _StepModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

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


class _PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    archetype: str
    palette: str
    mood: str
    focal: tuple[float, float]
    steps: list[_StepModel]
    density_bias: float = Field(gt=0)
    used: list[str]
    subjects: list[str]
    underpaint: bool
    focal_drawn: bool
    finished: bool
    accented: bool
    signed: bool
    title: str | None

    @model_validator(mode="after")
    def _known(self) -> _PlanModel:
        if self.archetype not in ARCHETYPES:
            raise ValueError(f"unknown archetype {self.archetype!r}")
        if self.palette not in PALETTES:
            raise ValueError(f"unknown palette {self.palette!r}")
        if any(not s.split() for s in self.subjects):
            raise ValueError("a subject is empty")
        return self

    @classmethod
    def of(cls, plan: PiecePlan) -> _PlanModel:
        return cls.model_construct(
            archetype=plan.archetype,
            palette=plan.palette,
            mood=plan.mood,
            focal=(float(plan.focal[0]), float(plan.focal[1])),
            steps=[_StepModel.of(s) for s in plan.steps],
            density_bias=float(plan.density_bias),
            used=list(plan.used),
            subjects=list(plan.subjects),
            underpaint=plan.underpaint,
            focal_drawn=plan.focal_drawn,
            finished=plan.finished,
            accented=plan.accented,
            signed=plan.signed,
            title=plan.title,
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
            subjects=list(self.subjects),
            underpaint=self.underpaint,
            focal_drawn=self.focal_drawn,
            finished=self.finished,
            accented=self.accented,
            signed=self.signed,
            title=self.title,
        )


class BuiltinProgress(BaseModel):
    """One piece's progress: the seed it is drawn with, its plan and the regions kept clear."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    version: Literal[1] = PROGRESS_VERSION
    seed: int
    piece: int = Field(ge=1)
    plan: _PlanModel | None
    avoid: list[Region] = Field(default_factory=list)

    @classmethod
    def of(
        cls, *, seed: int, piece: int, plan: PiecePlan | None, avoid: list[Region]
    ) -> BuiltinProgress:
        return cls.model_construct(
            version=PROGRESS_VERSION,
            seed=seed,
            piece=piece,
            plan=_PlanModel.of(plan) if plan is not None else None,
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

    def restored_plan(self) -> PiecePlan | None:
        return self.plan.plan() if self.plan is not None else None
