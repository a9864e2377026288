"""``/auth`` endpoints (docs/protocol.md): magic links, codes, refresh, sign-up, sign-in,
``/auth/me``, logout, and the dev-only ``/auth/dev-token``.

Every token reply is ``{access_token, refresh_token, token_type: "bearer"}``. Errors are JSON
``{"detail": "..."}`` with a 4xx status (401 bad credentials, 409 taken, 429 rate limited with
``Retry-After``), or 503 when the account store is down.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse

from code_monet.auth import magic_links
from code_monet.auth.errors import AuthenticationError, AuthError, RateLimitedError
from code_monet.auth.schemas import (
    LogoutRequest,
    MagicLinkRequest,
    MagicLinkVerifyRequest,
    MeResponse,
    MessageResponse,
    RefreshRequest,
    SigninRequest,
    SignupRequest,
    TokenResponse,
    VerifyCodeRequest,
)
from code_monet.auth.service import TokenPair
from code_monet.routes.deps import AuthServiceDep, CurrentSession, CurrentUser, client_ip

MAGIC_LINK_SENT = "If that address can sign in, a sign-in link and code are on their way."


@contextmanager
def _http_errors() -> Iterator[None]:
    """Service errors → HTTP errors with the service's (client-safe) message."""
    try:
        yield
    except RateLimitedError as exc:
        retry = str(max(1, math.ceil(exc.retry_after)))
        raise HTTPException(exc.status_code, exc.message, headers={"Retry-After": retry}) from exc
    except AuthenticationError as exc:
        headers = {"WWW-Authenticate": "Bearer"}
        raise HTTPException(exc.status_code, exc.message, headers=headers) from exc
    except AuthError as exc:
        raise HTTPException(exc.status_code, exc.message) from exc


def _tokens(pair: TokenPair) -> TokenResponse:
    return TokenResponse(access_token=pair.access_token, refresh_token=pair.refresh_token)


def create_auth_router() -> APIRouter:
    """The ``/auth`` router. Needs the app's services to hold the auth service (``create_app``)."""
    router = APIRouter(prefix="/auth", tags=["auth"])

    @router.post("/magic-link", response_model=MessageResponse)
    async def request_magic_link(
        body: MagicLinkRequest, request: Request, service: AuthServiceDep, tasks: BackgroundTasks
    ) -> MessageResponse:
        """E-mail a sign-in link and code. Always the same answer, whatever the address."""
        ip = client_ip(request)
        with _http_errors():
            magic_links.check_request_rate(service, ip)
        tasks.add_task(magic_links.deliver, service, body.email, body.platform, ip)
        return MessageResponse(message=MAGIC_LINK_SENT)

    @router.get("/verify", response_class=RedirectResponse, status_code=status.HTTP_303_SEE_OTHER)
    async def verify_link(
        token: Annotated[str, Query(min_length=1, max_length=256)],
        request: Request,
        service: AuthServiceDep,
    ) -> RedirectResponse:
        """Browser landing for the e-mailed link: redirects to the web app with the tokens in
        the URL fragment (never sent to servers or logged)."""
        with _http_errors():
            pair = await magic_links.verify_token(service, token, client_ip(request))
        settings = service.settings
        fragment = urlencode(
            {
                "access_token": pair.access_token,
                "refresh_token": pair.refresh_token,
                "token_type": "bearer",
            }
        )
        target = f"{settings.web_app_url.rstrip('/')}{settings.web_callback_path}#{fragment}"
        headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
        return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER, headers=headers)

    @router.post("/magic-link/verify", response_model=TokenResponse)
    async def verify_magic_token(
        body: MagicLinkVerifyRequest, request: Request, service: AuthServiceDep
    ) -> TokenResponse:
        """Sign in with the link's token (apps that open the link themselves)."""
        with _http_errors():
            return _tokens(await magic_links.verify_token(service, body.token, client_ip(request)))

    @router.post("/magic-link/verify-code", response_model=TokenResponse)
    async def verify_magic_code(
        body: VerifyCodeRequest, request: Request, service: AuthServiceDep
    ) -> TokenResponse:
        """Sign in with e-mail + the 6-digit code (limited attempts)."""
        with _http_errors():
            pair = await magic_links.verify_code(service, body.email, body.code, client_ip(request))
        return _tokens(pair)

    @router.post("/refresh", response_model=TokenResponse)
    async def refresh(
        body: RefreshRequest, request: Request, service: AuthServiceDep
    ) -> TokenResponse:
        """Rotate a refresh token into a new pair (the old one stops working)."""
        with _http_errors():
            return _tokens(await service.refresh(body.refresh_token, client_ip(request)))

    @router.post("/signup", response_model=TokenResponse, status_code=status.HTTP_201_CREATED)
    async def signup(
        body: SignupRequest, request: Request, service: AuthServiceDep
    ) -> TokenResponse:
        """Create an account with an invite code and a password."""
        with _http_errors():
            pair = await service.signup(
                body.email, body.password, body.invite_code, client_ip(request)
            )
        return _tokens(pair)

    @router.post("/signin", response_model=TokenResponse)
    async def signin(
        body: SigninRequest, request: Request, service: AuthServiceDep
    ) -> TokenResponse:
        """Sign in with e-mail and password."""
        with _http_errors():
            return _tokens(await service.signin(body.email, body.password, client_ip(request)))

    @router.get("/me", response_model=MeResponse)
    async def me(user: CurrentUser) -> MeResponse:
        """The signed-in user."""
        return MeResponse(
            id=str(user.id),
            email=user.email,
            gallery_public=user.gallery_public,
            created_at=user.created_at,
            is_active=user.is_active,
        )

    @router.post("/logout", response_model=MessageResponse)
    async def logout(
        session: CurrentSession, service: AuthServiceDep, body: LogoutRequest | None = None
    ) -> MessageResponse:
        """Sign this session out: its refresh tokens and access tokens stop working."""
        with _http_errors():
            await service.logout(session, body.refresh_token if body is not None else None)
        return MessageResponse(message="Signed out")

    @router.get("/dev-token", response_model=TokenResponse)
    async def dev_token(service: AuthServiceDep) -> TokenResponse:
        """Tokens for the local user (dev/local mode only; 404 otherwise)."""
        with _http_errors():
            return _tokens(await service.dev_tokens())

    return router
