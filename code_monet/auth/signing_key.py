"""The JWT signing secret: from ``JWT_SECRET``, else generated once and kept in the data dir.

The generated file (``<data_dir>/secrets/jwt_secret``) is created with ``O_EXCL`` and mode
0600, so concurrent first starts agree on one secret and no other local user can read it. There
is no hard-coded fallback: a secret that is too short is refused.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from code_monet.auth.settings import MIN_SECRET_LENGTH, AuthSettings

logger = logging.getLogger(__name__)

SECRET_FILE = Path("secrets") / "jwt_secret"


class SigningKeyError(RuntimeError):
    """The signing secret is missing, unreadable or too weak."""


def _check_strength(secret: str, source: str) -> str:
    if len(secret) < MIN_SECRET_LENGTH:
        raise SigningKeyError(
            f"JWT secret from {source} is {len(secret)} characters; at least "
            f"{MIN_SECRET_LENGTH} are required (e.g. `python -c 'import secrets; "
            f"print(secrets.token_urlsafe(48))'`)"
        )
    return secret


def _read_secret_file(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        logger.warning("JWT secret %s had mode %o; tightening it to 600", path, mode)
        path.chmod(0o600)
    return _check_strength(path.read_text(encoding="utf-8").strip(), str(path))


def load_or_create_secret(data_dir: Path) -> str:
    """The secret stored in ``data_dir``, creating it (0600) on first use."""
    path = data_dir / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory_mode = stat.S_IMODE(path.parent.stat().st_mode)
    if directory_mode & 0o077:  # sandboxed programs run as another uid: keep them out
        logger.warning("%s had mode %o; tightening it to 700", path.parent, directory_mode)
        path.parent.chmod(0o700)
    if path.exists():
        return _read_secret_file(path)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret_file(path)  # another process created it first
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    logger.info("Generated a new JWT signing secret in %s", path)
    return secret


def resolve_signing_secret(settings: AuthSettings, data_dir: Path) -> str:
    """``JWT_SECRET`` when configured, else the generated one in ``data_dir``."""
    if settings.jwt_secret is not None:
        return _check_strength(settings.jwt_secret.get_secret_value().strip(), "JWT_SECRET")
    return load_or_create_secret(data_dir)
