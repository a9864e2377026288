"""Account administration commands: ``code-monet invite …`` and ``code-monet user …``."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from typing import Annotated

import typer

from code_monet.app.cli_db import command_config, fail, run_with_database
from code_monet.auth.passwords import WeakPasswordError, hash_password
from code_monet.db.emails import InvalidEmailError, normalize_email
from code_monet.db.engine import Database
from code_monet.db.records import InviteCode, User
from code_monet.db.repository import invites, refresh_tokens, users
from code_monet.db.types import utc_now

invite_app = typer.Typer(help="Invite codes for sign-up (single use).", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def _email(raw: str) -> str:
    try:
        return normalize_email(raw)
    except InvalidEmailError as exc:
        raise typer.BadParameter(str(exc), param_hint="EMAIL") from exc


# ---------------------------------------------------------------------- invites


@invite_app.command("create")
def invite_create(
    count: Annotated[int, typer.Option("-n", "--count", min=1, max=1000, help="How many.")] = 1,
) -> None:
    """Create invite codes and print them, one per line."""

    async def action(database: Database) -> list[InviteCode]:
        async with database.transaction() as session:
            return await invites.create_invites(session, count)

    for invite in run_with_database(action, command_config()):
        typer.echo(invite.code)


@invite_app.command("list")
def invite_list(
    available: Annotated[bool, typer.Option(help="Only codes that can still be used.")] = False,
) -> None:
    """List invite codes (newest first) with their status."""

    async def action(database: Database) -> list[InviteCode]:
        async with database.read() as session:
            return await invites.list_invites(session)

    codes = [
        c
        for c in run_with_database(action, command_config())
        if not available or c.status == "available"
    ]
    if not codes:
        typer.echo("No invite codes.")
        return
    typer.echo(f"{'CODE':<16} {'STATUS':<10} {'CREATED':<17} USED BY")
    for c in codes:
        typer.echo(f"{c.code:<16} {c.status:<10} {_when(c.created_at):<17} {c.used_by or '-'}")


@invite_app.command("revoke")
def invite_revoke(code: Annotated[str, typer.Argument(help="The code to revoke.")]) -> None:
    """Revoke an unused invite code."""
    try:
        normalized = invites.normalize_invite_code(code)
    except invites.InvalidInviteCodeError as exc:
        raise typer.BadParameter(str(exc), param_hint="CODE") from exc

    async def action(database: Database) -> InviteCode | str | None:
        async with database.transaction() as session:
            try:
                return await invites.revoke_invite(session, normalized)
            except invites.InviteStateError as exc:
                return str(exc)

    result = run_with_database(action, command_config())
    if result is None:
        fail(f"No invite code {normalized}")
    if isinstance(result, str):
        fail(result)
    typer.echo(f"Revoked {result.code}")


# ---------------------------------------------------------------------- users


@user_app.command("list")
def user_list() -> None:
    """List users (oldest first)."""

    async def action(database: Database) -> list[User]:
        async with database.read() as session:
            return await users.list_users(session)

    found = run_with_database(action, command_config())
    if not found:
        typer.echo("No users.")
        return
    typer.echo(f"{'ID':<36}  {'EMAIL':<32} {'ACTIVE':<6} {'PASSWORD':<8} CREATED")
    for u in found:
        active, password = "yes" if u.is_active else "no", "yes" if u.has_password else "no"
        typer.echo(f"{u.id!s:<36}  {u.email:<32} {active:<6} {password:<8} {_when(u.created_at)}")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="E-mail address of the new user.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a password from standard input.")
    ] = False,
) -> None:
    """Create a user (signs in by magic link, or by password with --password-stdin)."""
    address = _email(email)
    password_hash: str | None = None
    if password_stdin:
        try:
            password_hash = asyncio.run(hash_password(sys.stdin.readline().rstrip("\r\n")))
        except WeakPasswordError as exc:
            raise typer.BadParameter(str(exc), param_hint="--password-stdin") from exc

    async def action(database: Database) -> User | None:
        async with database.transaction() as session:
            try:
                return await users.create_user(session, address, password_hash=password_hash)
            except users.EmailTakenError:
                return None

    user = run_with_database(action, command_config())
    if user is None:
        fail(f"A user with e-mail {address} already exists")
    typer.echo(f"Created user {user.id} ({user.email})")


def _set_active(email: str, active: bool) -> None:
    address = _email(email)

    async def action(database: Database) -> User | None:
        async with database.transaction() as session:
            user = await users.get_user_by_email(session, address)
            if user is None:
                return None
            if not active:
                await refresh_tokens.revoke_all_for_user(session, user.id, now=utc_now())
            return await users.set_active(session, user.id, active)

    user = run_with_database(action, command_config())
    if user is None:
        fail(f"No user with e-mail {address}")
    state = "activated" if active else "deactivated (signed out everywhere)"
    typer.echo(f"User {user.email} {state}")


@user_app.command("deactivate")
def user_deactivate(email: Annotated[str, typer.Argument(help="E-mail address.")]) -> None:
    """Deactivate a user: they cannot sign in and their sessions end (a running server
    closes their open sockets within WS_SESSION_RECHECK_SECONDS)."""
    _set_active(email, False)


@user_app.command("activate")
def user_activate(email: Annotated[str, typer.Argument(help="E-mail address.")]) -> None:
    """Re-activate a deactivated user."""
    _set_active(email, True)
