"""The piece's metadata and the studio's status: number, title, prompt, completion, the
artist's progress and monologue, the agent status and why the studio is paused.

Like the canvas it is only changed by :class:`~code_monet.workspace.state.WorkspaceState`
applying a record it has written to the user's log (or replaying one); everyone else reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from code_monet.types.state import AgentStatus, PauseReason, WorkspaceFile

MAX_TURN_DRAWS = 256
"""Fingerprints kept of one turn's batches (a turn draws a handful)."""


@dataclass
class PieceStatus:
    """What a workspace knows about the piece besides its strokes."""

    number: int = 1
    completed: bool = False
    saved: bool = False
    """This piece's number is taken in the gallery (a later save overwrites that file)."""
    title: str | None = None
    prompt: str | None = None
    notes: str = ""
    monologue: str = ""
    turn_index: int = 0
    """Turns the artist has finished on the current piece (a restart continues from here)."""
    artist_progress: str | None = None
    """The provider's resumable state for the current piece (opaque JSON text)."""
    turn_draws: list[str] = field(default_factory=list)
    """Fingerprints of the batches the current (unfinished) turn drew."""
    status: AgentStatus = AgentStatus.IDLE
    pause_reason: PauseReason = PauseReason.NONE
    replayable: set[str] = field(default_factory=set)
    """(In memory.) Batches the current turn drew before the server stopped: when the
    interrupted turn runs again, drawing one of them again is skipped (it is on the canvas)."""

    @classmethod
    def from_file(cls, data: WorkspaceFile) -> PieceStatus:
        return cls(
            number=data.piece_number,
            completed=data.piece_completed,
            saved=data.piece_saved,
            title=data.title,
            prompt=data.prompt,
            notes=data.notes,
            monologue=data.monologue,
            turn_index=data.turn_index,
            artist_progress=data.artist_progress,
            turn_draws=list(data.turn_draws),
            status=data.status,
            pause_reason=data.pause_reason,
        )

    def write_to(self, data: WorkspaceFile) -> None:
        """Copy these fields into a snapshot being written."""
        data.piece_number, data.piece_completed, data.piece_saved = (
            self.number,
            self.completed,
            self.saved,
        )
        data.title, data.prompt, data.notes = self.title, self.prompt, self.notes
        data.monologue, data.turn_index = self.monologue, self.turn_index
        data.artist_progress, data.turn_draws = self.artist_progress, list(self.turn_draws)
        data.status, data.pause_reason = self.status, self.pause_reason

    @property
    def paused(self) -> bool:
        return self.pause_reason is not PauseReason.NONE

    # ------------------------------------------------------------------ applied from the log

    def apply_monologue(self, text: str, keep: int) -> None:
        """Append to the monologue, keeping only its last ``keep`` characters."""
        self.monologue = (self.monologue + text)[-keep:] if keep else ""

    def apply_draw(self, digest: str) -> None:
        """Remember a batch the current turn drew (see :attr:`replayable`)."""
        self.turn_draws = [*self.turn_draws[-MAX_TURN_DRAWS + 1 :], digest]

    def take_replayable(self, digest: str | None) -> bool:
        """Whether a batch about to be drawn was drawn before a restart (then it is skipped,
        once: the same strokes drawn again later are drawn)."""
        if digest is None or digest not in self.replayable:
            return False
        self.replayable.discard(digest)
        return True
