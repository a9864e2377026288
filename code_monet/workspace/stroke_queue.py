"""The stroke queue: drawn batches that some viewer has not finished animating yet.

It is derived from the user's log like everything else (a ``strokes`` record queues a batch;
``clear``, a new canvas and ``ack`` records take batches off), so replaying the log rebuilds
it exactly. The workspace only *applies* records to it, as it applies every record; the
user's :class:`~code_monet.live.channel.UserChannel` owns it: it decides what a socket is
given or fetches, counts acknowledgements, trims and writes the ``ack`` records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from code_monet.types.geometry import PendingStrokeDict
from code_monet.types.state import PersistedPendingStroke
from code_monet.workspace.strokes import PendingBatch


@dataclass(frozen=True, slots=True)
class StrokesAnnouncement:
    """What the channel needs to announce a batch to v1 sockets without re-reading it."""

    batch_id: int
    piece_number: int
    count: int
    queued_at: float


@dataclass(frozen=True, slots=True)
class QueuedBatch:
    """What ``add_strokes`` returns for a queued batch: the batch and how it was announced."""

    batch: PendingBatch
    announcement: StrokesAnnouncement

    @property
    def batch_id(self) -> int:
        return self.batch.batch_id


@dataclass
class StrokeQueue:
    """Queued batches, oldest first (batch ids only grow)."""

    _batches: list[PendingBatch] = field(default_factory=list)
    _announced: dict[int, StrokesAnnouncement] = field(default_factory=dict)

    # ------------------------------------------------------------------ applied from the log

    def append(self, batch: PendingBatch, announcement: StrokesAnnouncement | None = None) -> None:
        self._batches.append(batch)
        if announcement is not None:
            self._announced[batch.batch_id] = announcement

    def clear(self) -> None:
        self._batches.clear()
        self._announced.clear()

    def ack(self, up_to: int) -> None:
        """Drop batches up to and including ``up_to``."""
        self._batches = [b for b in self._batches if b.batch_id > up_to]
        for batch_id in [b for b in self._announced if b <= up_to]:
            del self._announced[batch_id]

    # ------------------------------------------------------------------ reading

    @property
    def stroke_count(self) -> int:
        return sum(len(b.strokes) for b in self._batches)

    @property
    def newest_id(self) -> int:
        """The newest queued batch id (0 when nothing is queued)."""
        return self._batches[-1].batch_id if self._batches else 0

    def ids(self) -> list[int]:
        return [b.batch_id for b in self._batches]

    def batch(self, batch_id: int) -> PendingBatch | None:
        return next((b for b in self._batches if b.batch_id == batch_id), None)

    def announcement(self, batch_id: int) -> StrokesAnnouncement | None:
        return self._announced.get(batch_id)

    def after(self, batch_id: int) -> list[PendingBatch]:
        """Batches newer than ``batch_id`` (a snapshot: safe to read in a worker thread)."""
        return [b for b in self._batches if b.batch_id > batch_id]

    def count_up_to(self, batch_id: int) -> int:
        return sum(1 for b in self._batches if b.batch_id <= batch_id)

    def persisted(self) -> list[PersistedPendingStroke]:
        """The queue as the snapshot stores it."""
        return [
            PersistedPendingStroke(batch_id=b.batch_id, path=s.path)
            for b in self._batches
            for s in b.strokes
        ]


def batches_to_dicts(batches: Iterable[PendingBatch]) -> list[PendingStrokeDict]:
    """Queued batches as the wire's pending-stroke dicts (CPU-bound for big batches)."""
    return [item for batch in batches for item in batch.to_dicts()]
