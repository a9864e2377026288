"""Keeping the on-disk artefact cache under its size limit (the blocking half, run in threads).

Only files the cache itself writes are ever counted or deleted: ``<key[:2]>/<key>.<ext>`` with a
64-hex-digit key, in real shard directories (symlinks are not followed). Temp files that a
killed writer left behind are removed once they are an hour old.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

logger = logging.getLogger(__name__)

STALE_TEMP_SECONDS: Final = 3600.0
_ARTEFACT = re.compile(r"[0-9a-f]{64}\.[a-z]{1,8}")
_SHARD = re.compile(r"[0-9a-f]{2}")


@dataclass(frozen=True, slots=True)
class Entry:
    mtime: float
    size: int
    path: Path


def _shards(root: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(root) as entries:
            return [
                e for e in entries if _SHARD.fullmatch(e.name) and e.is_dir(follow_symlinks=False)
            ]
    except FileNotFoundError:
        return []


def scan(root: Path, *, now: float | None = None) -> list[Entry]:
    """Every artefact under ``root`` (and, on the way, delete stale temp files)."""
    now = time.time() if now is None else now
    found: list[Entry] = []
    for shard in _shards(root):
        with os.scandir(shard.path) as entries:
            for entry in entries:
                try:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                name = entry.name
                if _ARTEFACT.fullmatch(name) and name[:2] == shard.name:
                    found.append(Entry(info.st_mtime, info.st_size, Path(entry.path)))
                elif name.endswith(".tmp") and now - info.st_mtime > STALE_TEMP_SECONDS:
                    with contextlib.suppress(OSError):
                        Path(entry.path).unlink()
    return found


def cache_size(root: Path) -> int:
    """Bytes of artefacts under ``root``."""
    return sum(entry.size for entry in scan(root))


def prune(root: Path, target: int) -> int:
    """Delete least recently used artefacts until at most ``target`` bytes remain; returns the
    bytes left (as scanned, minus what was deleted)."""
    found = sorted(scan(root), key=lambda entry: entry.mtime)
    total = sum(entry.size for entry in found)
    removed = 0
    for entry in found:
        if total <= target:
            break
        try:
            entry.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("Could not prune %s from the image cache: %s", entry.path, exc)
            continue
        total -= entry.size
        removed += 1
    if removed:
        logger.info(
            "Image cache over its limit: removed %d artefacts, %d bytes left", removed, total
        )
    return total
