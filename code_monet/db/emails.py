"""E-mail address normalisation: one canonical lower-case form per address.

Validation is deliberately plain (no DNS): one ``@``, an ASCII dot-atom local part, a domain of
letters, digits and hyphens (international domains are IDNA-encoded). Anything odd — spaces,
control characters, NUL bytes — is refused with a message that says why.
"""

from __future__ import annotations

import re

MAX_EMAIL_LENGTH = 254
MAX_LOCAL_LENGTH = 64

_LOCAL_RE = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class InvalidEmailError(ValueError):
    """An e-mail address that cannot be normalised."""


def normalize_email(raw: str) -> str:
    """``raw`` stripped and lower-cased; raises :class:`InvalidEmailError` when malformed."""
    value = raw.strip().lower()
    shown = value[:80]
    if not value:
        raise InvalidEmailError("E-mail address is empty")
    if len(value) > MAX_EMAIL_LENGTH:
        raise InvalidEmailError(f"E-mail address is longer than {MAX_EMAIL_LENGTH} characters")
    if value.count("@") != 1:
        raise InvalidEmailError(f"E-mail address {shown!r} must contain exactly one '@'")
    local, domain = value.split("@")
    if not local or len(local) > MAX_LOCAL_LENGTH or not _LOCAL_RE.match(local):
        raise InvalidEmailError(f"E-mail address {shown!r} has an invalid part before the '@'")
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise InvalidEmailError(f"E-mail address {shown!r} has an invalid domain") from exc
    labels = ascii_domain.split(".")
    if not all(_LABEL_RE.match(label) for label in labels):
        raise InvalidEmailError(f"E-mail address {shown!r} has an invalid domain")
    return f"{local}@{ascii_domain}"
