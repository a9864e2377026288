"""Authentication: JWT access/refresh tokens with rotation, magic links, invite sign-up,
passwords (Argon2id), local mode, and the FastAPI dependencies ``CurrentUser``/``OptionalUser``.

Start-up (server)::

    service = build_auth_service(database, get_auth_settings(), data_dir)
    install_auth(app, service)
    app.include_router(create_auth_router())   # code_monet.routes.auth
"""

from __future__ import annotations

from code_monet.auth.bootstrap import build_auth_service
from code_monet.auth.dependencies import (
    AuthServiceDep,
    CurrentUser,
    OptionalUser,
    get_auth_service,
    install_auth,
)
from code_monet.auth.errors import AuthenticationError, AuthError, AuthUnavailableError
from code_monet.auth.local_mode import UnsafeBindError, check_bind_address
from code_monet.auth.service import AuthService, TokenPair
from code_monet.auth.settings import AuthSettings, get_auth_settings

__all__ = [
    "AuthError",
    "AuthService",
    "AuthServiceDep",
    "AuthSettings",
    "AuthUnavailableError",
    "AuthenticationError",
    "CurrentUser",
    "OptionalUser",
    "TokenPair",
    "UnsafeBindError",
    "build_auth_service",
    "check_bind_address",
    "get_auth_service",
    "get_auth_settings",
    "install_auth",
]
