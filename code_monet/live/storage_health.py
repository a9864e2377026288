"""Whether the server can write its users' data: what ``/health`` reports as ``degraded``.

One per server, owned by the registry: each user's log reports when its writes start failing
and when they work again, the group flusher reports failed ``fdatasync`` calls.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

FLUSH_ERROR_MEMORY_SECONDS = 60.0
"""A failed flush is reported this long (a later flush of the same file clears nothing we can
see, so the report simply ages out)."""


@dataclass
class StorageHealth:
    failing_users: dict[str, str] = field(default_factory=dict)
    _flush_errors: dict[Path, tuple[float, str]] = field(default_factory=dict)

    def report(self, user_id: str, reason: str | None) -> None:
        """A user's writes failed with ``reason``, or (None) work again."""
        if reason is None:
            self.failing_users.pop(user_id, None)
        else:
            self.failing_users[user_id] = reason

    def flush_failed(self, path: Path, error: OSError) -> None:
        self._flush_errors[path] = (time.monotonic(), error.strerror or str(error))

    def reasons(self) -> list[str]:
        """Why the server is degraded (empty: it is not)."""
        now = time.monotonic()
        for path, (at, _) in list(self._flush_errors.items()):
            if now - at > FLUSH_ERROR_MEMORY_SECONDS:
                del self._flush_errors[path]
        found = sorted({f"cannot write user data: {r}" for r in self.failing_users.values()})
        if self._flush_errors:
            found.append(f"could not flush {len(self._flush_errors)} file(s) to disk")
        return found
