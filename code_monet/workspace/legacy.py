"""Reading the files of workspaces written before the log (``journal.jsonl`` and
``events.jsonl``), once, to fold them into a snapshot and continue on ``log.jsonl``.

The journal held stroke changes, acks and monologue since the snapshot (``{"n": 7, "op":
"strokes", …}``); a damaged line ended its replay. The events file held the v2 replay window;
only its newest ``seq`` matters now, so numbering continues past it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypedDict

from pydantic import ValidationError

from code_monet.types.paths import Path as StrokePath
from code_monet.types.state import PersistedPendingStroke, WorkspaceFile

logger = logging.getLogger(__name__)

LEGACY_JOURNAL_FILE = "journal.jsonl"
LEGACY_EVENTS_FILE = "events.jsonl"


class StrokesRecord(TypedDict):
    n: int
    op: Literal["strokes"]
    batch_id: int
    strokes: list[StrokePath]


class AckRecord(TypedDict):
    n: int
    op: Literal["ack"]
    up_to: int


class MonologueRecord(TypedDict):
    n: int
    op: Literal["monologue"]
    text: str


JournalRecord = StrokesRecord | AckRecord | MonologueRecord


@dataclass
class LegacyFiles:
    """What the files of the old layout held."""

    found: bool = False
    clean: bool = True
    last_seq: int = 0
    warnings: list[str] = field(default_factory=list)
    journal: Path | None = None

    def remove_journal(self) -> None:
        """Delete the old journal once a snapshot includes it."""
        if self.journal is not None:
            self.journal.unlink(missing_ok=True)


def migrate_legacy_files(
    directory: Path, data: WorkspaceFile, max_monologue_chars: int, *, dry_run: bool = False
) -> LegacyFiles:
    """Apply an old journal to ``data`` and read the newest seq of an old events file
    (blocking; nothing is changed on disk)."""
    del dry_run  # reading only, either way: the caller removes the files after folding
    result = LegacyFiles()
    journal = directory / LEGACY_JOURNAL_FILE
    if journal.exists():
        result.found, result.journal = True, journal
        replay = read_journal(journal, data.journal_n)
        _apply_journal(data, replay.records, max_monologue_chars)
        data.journal_n = replay.last_n
        if replay.warning:
            result.clean = False
            result.warnings.append(replay.warning)
    events = directory / LEGACY_EVENTS_FILE
    if events.exists():
        result.found = True
        for line in events.read_bytes().splitlines():
            try:
                seq = int(json.loads(line)["seq"])
            except (ValueError, KeyError, TypeError):
                result.clean = False
                continue
            result.last_seq = max(result.last_seq, seq)
    return result


def _append_text(text: str, more: str, keep: int) -> str:
    return (text + more)[-keep:] if keep else ""


def _apply_journal(
    data: WorkspaceFile, records: Sequence[JournalRecord], max_monologue_chars: int
) -> None:
    for record in records:
        if record["op"] == "monologue":
            data.monologue = _append_text(data.monologue, record["text"], max_monologue_chars)
        elif record["op"] == "strokes":
            data.canvas.strokes.extend(record["strokes"])
            batch_id = record["batch_id"]
            if batch_id:
                data.pending_strokes.extend(
                    PersistedPendingStroke(batch_id=batch_id, path=path)
                    for path in record["strokes"]
                )
                data.next_batch_id = max(data.next_batch_id, batch_id + 1)
        else:
            up_to = record["up_to"]
            data.pending_strokes = [p for p in data.pending_strokes if p.batch_id > up_to]


@dataclass
class Replay:
    """What a journal held beyond its snapshot."""

    records: list[JournalRecord]
    last_n: int
    warning: str | None = None


def read_journal(path: Path, after_n: int) -> Replay:
    """The valid records newer than ``after_n`` (blocking). A damaged line ends the replay:
    only the last line can be torn by a crash, and nothing after a damaged line is trusted."""
    records: list[JournalRecord] = []
    last_n = after_n
    if not path.exists():
        return Replay(records, last_n)
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        record = _parse_line(raw)
        if record is None:
            warning = f"{path.name} line {number} is damaged; later lines were ignored"
            logger.warning("Journal %s: %s", path, warning)
            return Replay(records, last_n, warning)
        if record["n"] <= after_n:
            continue  # already in the snapshot (a crash came between snapshot and truncate)
        records.append(record)
        last_n = record["n"]
    return Replay(records, last_n)


def _parse_line(raw: bytes) -> JournalRecord | None:
    try:
        value = json.loads(raw)
        if not isinstance(value, dict):
            return None
        n, op = value.get("n"), value.get("op")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            return None
        if op == "ack":
            up_to = value.get("up_to")
            if not isinstance(up_to, int) or isinstance(up_to, bool):
                return None
            return AckRecord(n=n, op="ack", up_to=up_to)
        if op == "monologue":
            text = value.get("text")
            if not isinstance(text, str):
                return None
            return MonologueRecord(n=n, op="monologue", text=text)
        if op == "strokes":
            batch_id = value.get("batch_id")
            if not isinstance(batch_id, int) or isinstance(batch_id, bool) or batch_id < 0:
                return None
            strokes = [StrokePath.model_validate(item) for item in value.get("strokes", [])]
            return StrokesRecord(n=n, op="strokes", batch_id=batch_id, strokes=strokes)
    except (ValueError, TypeError, ValidationError):
        return None
    return None
