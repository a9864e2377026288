"""Authentication: JWT access/refresh tokens with rotation, magic links, invite sign-up,
passwords (Argon2id) and local mode. The FastAPI dependencies (``CurrentUser``,
``OptionalUser``) live with the routes (``code_monet.routes.deps``).

Start-up (server)::

    service = build_auth_service(database, config.auth, data_dir)
    services.auth = service                    # code_monet.routes.services.AppServices
    app.include_router(create_auth_router())   # code_monet.routes.auth
"""

from __future__ import annotations

from code_monet.auth.bootstrap import build_auth_service
from code_monet.auth.errors import AuthenticationError, AuthError, AuthUnavailableError
from code_monet.auth.local_mode import UnsafeBindError, check_bind_address
from code_monet.auth.service import AuthService, TokenPair
from code_monet.auth.settings import AuthSettings

__all__ = [
    "AuthError",
    "AuthService",
    "AuthSettings",
    "AuthUnavailableError",
    "AuthenticationError",
    "TokenPair",
    "UnsafeBindError",
    "build_auth_service",
    "check_bind_address",
]
