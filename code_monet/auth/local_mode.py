"""Local mode safety: it hands out tokens without e-mail, so it must only listen on loopback."""

from __future__ import annotations

import ipaddress
import logging

logger = logging.getLogger(__name__)

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost", "ip6-loopback"})


class UnsafeBindError(RuntimeError):
    """Local mode on an address other machines can reach."""


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IPs (127.0.0.0/8, ::1). No DNS lookups."""
    name = host.strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind_address(host: str, local_mode: bool, force: bool = False) -> None:
    """Refuse local mode on a non-loopback ``host`` unless ``force`` (then warn loudly)."""
    if not local_mode or is_loopback_host(host):
        return
    if force:
        logger.warning(
            "Local mode on %r: anyone who can reach this address can sign in as the local user "
            "without a password (forced)",
            host,
        )
        return
    raise UnsafeBindError(
        f"Refusing to start in local mode on {host!r}: local mode signs anyone in as the local "
        "user, so it only listens on 127.0.0.1/localhost. Bind to 127.0.0.1, turn local mode "
        "off (LOCAL_MODE=false) for a multi-user server, or force it if you really mean it."
    )
