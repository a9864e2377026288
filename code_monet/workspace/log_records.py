"""The user's log as lines: the entries :class:`~code_monet.workspace.log.UserLog` writes and
the records it reads back (reading a whole file, cutting a torn tail, copying a damaged file
aside). Pure encoding and file reading; the open log and its rules live in :mod:`.log`.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel
from pydantic_core import to_json

logger = logging.getLogger(__name__)

JsonObject = dict[str, object]

# ---------------------------------------------------------------------------- entries


@dataclass(frozen=True, slots=True)
class Entry:
    """A record to write: a JSON object's text without ``n``/``seq``."""

    body: str
    message: bool
    batch_id: int = 0
    """For a ``strokes`` message: its batch (so the channel need not parse the frame)."""


@dataclass(frozen=True, slots=True)
class Committed:
    """A message as written: its ``seq``, its text (what sockets receive) and its batch."""

    seq: int
    text: str
    batch_id: int = 0


def message_entry(message: BaseModel) -> Entry:
    """A server message (its ``seq`` is given when it is written)."""
    return Entry(message.model_dump_json(exclude={"seq"}), message=True)


def fields_entry(fields: Mapping[str, object], *, message: bool, batch_id: int = 0) -> Entry:
    """A record from JSON-ready fields (hot path: no model validation)."""
    # pydantic-core's encoder: the same compact JSON as ``json.dumps``, several times faster.
    return Entry(to_json(dict(fields)).decode(), message=message, batch_id=batch_id)


def op_entry(op: str, **fields: object) -> Entry:
    """An internal record (not sent to anyone)."""
    return fields_entry({"op": op, **fields}, message=False)


def record_line(n: int, seq: int | None, body: str) -> str:
    head = f'{{"n":{n},"seq":{seq}' if seq is not None else f'{{"n":{n}'
    return head + ("," + body[1:] if body != "{}" else "}")


# ---------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Record:
    """A record read back from the file."""

    n: int
    seq: int | None
    data: JsonObject
    text: str


def parse_record(raw: bytes) -> Record | None:
    """One line as a record; None when it is damaged."""
    try:
        text = raw.decode("utf-8")
        value = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(value, dict):
        return None
    n, seq = value.get("n"), value.get("seq")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        return None
    if seq is not None and (not isinstance(seq, int) or isinstance(seq, bool) or seq < 1):
        return None
    if seq is None and not isinstance(value.get("op"), str):
        return None
    if seq is not None and not isinstance(value.get("type"), str):
        return None
    return Record(n, seq, value, text)


@dataclass
class LoadResult:
    """What was read from a log file, and what happened to it."""

    epoch: str
    base_seq: int
    records: list[Record]
    warnings: list[str] = field(default_factory=list)
    damaged: bool = False
    """Some line in the middle was damaged (copied aside, skipped)."""
    torn_tail: bool = False
    found: bool = False

    @property
    def last_n(self) -> int:
        return self.records[-1].n if self.records else 0

    @property
    def last_seq(self) -> int:
        seqs = [r.seq for r in self.records if r.seq is not None]
        return max(seqs, default=self.base_seq)


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def copy_aside(path: Path, why: str) -> Path:
    """Copy a damaged file to ``<name>.corrupt-<timestamp>`` (before anything rewrites it)."""
    target = path.with_name(f"{path.name}.corrupt-{_stamp()}")
    shutil.copyfile(path, target)
    logger.error("Copied damaged file %s aside to %s: %s", path, target.name, why)
    return target


def read_log(path: Path) -> LoadResult:
    """Read a log file (blocking). Cuts a torn tail in place; copies a file with a damaged
    middle line aside and reports it; never loses an intact record."""
    result = LoadResult(epoch="", base_seq=0, records=[])
    if not path.exists():
        return result
    result.found = True
    raw = path.read_bytes()
    parsed: list[tuple[int, Record | None]] = []
    offset = 0
    for line in raw.split(b"\n")[:-1]:  # what follows the last newline is a torn write
        parsed.append((offset, parse_record(line)))
        offset += len(line) + 1
    keep_bytes = offset
    while parsed and parsed[-1][1] is None:  # a damaged last line is a torn write too
        keep_bytes = parsed.pop()[0]
    if keep_bytes < len(raw):
        result.torn_tail = True
        logger.warning("Cutting a torn last record of %s at byte %d", path, keep_bytes)
        with path.open("r+b") as handle:
            handle.truncate(keep_bytes)
    for offset, record in parsed:
        if record is None:
            if not result.damaged:
                copy_aside(path, f"damaged record at byte {offset}")
            result.damaged = True
            message = f"{path.name}: damaged record at byte {offset} was skipped"
            logger.error("%s (%s)", message, path)
            result.warnings.append(message)
        elif record.n == 0 and record.data.get("op") == "epoch":
            epoch, base = record.data.get("epoch"), record.data.get("base_seq")
            if isinstance(epoch, str) and isinstance(base, int) and not result.records:
                result.epoch, result.base_seq = epoch, base
        elif result.records and record.n <= result.records[-1].n:
            result.damaged = True
            result.warnings.append(f"{path.name}: record {record.n} out of order at {offset}")
        else:
            result.records.append(record)
    return result
