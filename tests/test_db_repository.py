"""Repository tests for every table, on SQLite and (when available) PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from code_monet.db import Database, RefreshToken
from code_monet.db.emails import InvalidEmailError
from code_monet.db.repository import invites, magic_links, refresh_tokens, shares, users

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


async def _user(db: Database, email: str = "ada@example.com") -> uuid.UUID:
    async with db.transaction() as session:
        return (await users.create_user(session, email, now=T0)).id


def _refresh(user_id: uuid.UUID, jti: str, family: str = "fam", days: int = 30) -> RefreshToken:
    return RefreshToken(jti, user_id, family, T0, T0 + timedelta(days=days), None, None)


class TestUsers:
    """Accounts: unique normalised e-mail, activation, gallery flag, password hash."""

    async def test_email_is_normalised_and_unique(self, db: Database) -> None:
        """Mixed-case and padded addresses map to one account; a duplicate is refused."""
        # Arrange
        await _user(db, "  Ada@Example.COM ")
        # Act
        async with db.read() as session:
            found = await users.get_user_by_email(session, "ada@example.com")
        with pytest.raises(users.EmailTakenError, match=r"ada@example\.com"):
            async with db.transaction() as session:
                await users.create_user(session, "ADA@example.com")
        # Assert
        assert found is not None
        assert found.email == "ada@example.com"
        assert found.is_active and not found.gallery_public and not found.has_password
        assert found.created_at == T0

    async def test_invalid_email_is_refused_with_reason(self, db: Database) -> None:
        """Malformed addresses never reach the table."""
        # Arrange
        bad = ["", "no-at-sign", "a@b@c", "a b@example.com", "a@exa mple.com", "a\x00@x.io"]
        # Act / Assert
        for address in bad:
            with pytest.raises(InvalidEmailError):
                async with db.transaction() as session:
                    await users.create_user(session, address)

    async def test_activate_deactivate_and_gallery_flag(self, db: Database) -> None:
        """Flags change and read back; unknown ids give None."""
        # Arrange
        user_id = await _user(db)
        # Act
        async with db.transaction() as session:
            inactive = await users.set_active(session, user_id, False)
            public = await users.set_gallery_public(session, user_id, True)
            missing = await users.set_active(session, uuid.uuid4(), False)
        async with db.read() as session:
            stored = await users.get_user(session, user_id)
        # Assert
        assert inactive is not None and not inactive.is_active
        assert public is not None and public.gallery_public
        assert missing is None
        assert stored is not None and not stored.is_active and stored.gallery_public

    async def test_credentials_and_get_or_create(self, db: Database) -> None:
        """get_or_create is idempotent; credentials expose the stored hash."""
        # Arrange
        async with db.transaction() as session:
            first, created = await users.get_or_create_user(session, "bo@example.com", now=T0)
            await users.set_password_hash(session, first.id, "argon2-hash")
        # Act
        async with db.transaction() as session:
            second, created_again = await users.get_or_create_user(session, "BO@example.com")
            creds = await users.get_credentials(session, "bo@example.com")
            listed = await users.list_users(session)
        # Assert
        assert created and not created_again
        assert second.id == first.id and second.has_password
        assert creds is not None and creds[1] == "argon2-hash"
        assert [u.email for u in listed] == ["bo@example.com"]


class TestInvites:
    """Invite codes are single use, revocable, and race-safe."""

    async def test_create_list_consume_once(self, db: Database) -> None:
        """A code can be consumed once; the second attempt fails."""
        # Arrange
        user_id = await _user(db)
        async with db.transaction() as session:
            created = await invites.create_invites(session, 3, now=T0)
        code = created[0].code
        # Act
        async with db.transaction() as session:
            first = await invites.consume_invite(session, code.lower(), user_id, now=T0)
            second = await invites.consume_invite(session, code, user_id, now=T0)
            listed = await invites.list_invites(session)
        # Assert
        assert first is True and second is False
        assert len(listed) == 3 and len({i.code for i in listed}) == 3
        used = next(i for i in listed if i.code == code)
        assert used.status == "used" and used.used_by == user_id

    async def test_revoked_code_cannot_be_used_and_used_code_cannot_be_revoked(
        self, db: Database
    ) -> None:
        """Revocation blocks use; revoking a used code is an error; unknown codes give None."""
        # Arrange
        user_id = await _user(db)
        async with db.transaction() as session:
            a, b = await invites.create_invites(session, 2)
            await invites.consume_invite(session, b.code, user_id)
        # Act
        async with db.transaction() as session:
            revoked = await invites.revoke_invite(session, a.code)
            consumed = await invites.consume_invite(session, a.code, user_id)
            unknown = await invites.revoke_invite(session, "NOPE-NOPE-NOPE")
        # Assert
        assert revoked is not None and revoked.status == "revoked"
        assert consumed is False and unknown is None
        with pytest.raises(invites.InviteStateError, match="already used"):
            async with db.transaction() as session:
                await invites.revoke_invite(session, b.code)

    async def test_malformed_codes_are_refused(self, db: Database) -> None:
        """Codes with odd characters are rejected before any query."""
        # Arrange
        bad = ["", "ab", "x" * 65, "abc def", "abcd\x00"]
        # Act / Assert
        for code in bad:
            with pytest.raises(invites.InvalidInviteCodeError):
                invites.normalize_invite_code(code)

    async def test_concurrent_consumers_only_one_wins(self, db: Database) -> None:
        """Two transactions racing for the same code: exactly one succeeds."""
        # Arrange
        ids = [await _user(db, f"u{i}@example.com") for i in range(4)]
        async with db.transaction() as session:
            (invite,) = await invites.create_invites(session, 1)

        async def consume(user_id: uuid.UUID) -> bool:
            async with db.transaction() as session:
                return await invites.consume_invite(session, invite.code, user_id)

        # Act
        results = await asyncio.gather(*(consume(i) for i in ids))
        # Assert
        assert sorted(results) == [False, False, False, True]


class TestMagicLinks:
    """Magic-link rows: activity window, single use, attempt counting, purge."""

    async def _link(self, db: Database, token_hash: str = "t" * 64) -> int:
        async with db.transaction() as session:
            link = await magic_links.create_magic_link(
                session,
                token_hash=token_hash,
                code_hash="c" * 64,
                email="ada@example.com",
                platform="ios",
                now=T0,
                expires_at=T0 + timedelta(minutes=15),
            )
        return link.id

    async def test_active_until_expiry_and_used_once(self, db: Database) -> None:
        """A link is active inside its window and can be marked used exactly once."""
        # Arrange
        link_id = await self._link(db)
        later = T0 + timedelta(minutes=16)
        # Act
        async with db.transaction() as session:
            active_now = await magic_links.active_for_email(
                session, "ada@example.com", now=T0, max_attempts=5
            )
            active_later = await magic_links.active_for_email(
                session, "ada@example.com", now=later, max_attempts=5
            )
            first = await magic_links.mark_used(session, link_id, now=T0, max_attempts=5)
            second = await magic_links.mark_used(session, link_id, now=T0, max_attempts=5)
        # Assert
        assert [x.id for x in active_now] == [link_id] and active_now[0].platform == "ios"
        assert active_later == []
        assert first is True and second is False

    async def test_failed_attempts_burn_the_link(self, db: Database) -> None:
        """After max_attempts wrong codes the link is neither active nor usable."""
        # Arrange
        link_id = await self._link(db)
        # Act
        async with db.transaction() as session:
            counts = [await magic_links.record_failed_attempt(session, [link_id]) for _ in range(3)]
            active = await magic_links.active_for_email(
                session, "ada@example.com", now=T0, max_attempts=3
            )
            used = await magic_links.mark_used(session, link_id, now=T0, max_attempts=3)
        # Assert
        assert counts == [[1], [2], [3]]
        assert active == [] and used is False

    async def test_lookup_invalidate_and_purge(self, db: Database) -> None:
        """Lookup by hash, invalidate all for an address, purge expired rows."""
        # Arrange
        first = await self._link(db, "a" * 64)
        await self._link(db, "b" * 64)
        # Act
        async with db.transaction() as session:
            found = await magic_links.get_by_token_hash(session, "a" * 64)
            invalidated = await magic_links.invalidate_for_email(session, "ada@example.com", now=T0)
            purged = await magic_links.purge_expired(session, now=T0 + timedelta(hours=1))
            missing = await magic_links.get_by_token_hash(session, "a" * 64)
        # Assert
        assert found is not None and found.id == first
        assert invalidated == 2 and purged == 2 and missing is None


class TestRefreshTokens:
    """Refresh-token rows: rotation, family revocation, liveness."""

    async def test_rotate_once_then_refuse(self, db: Database) -> None:
        """A live token rotates once; rotating it again (reuse) is refused."""
        # Arrange
        user_id = await _user(db)
        async with db.transaction() as session:
            await refresh_tokens.store(session, _refresh(user_id, "j1"))
        # Act
        async with db.transaction() as session:
            first = await refresh_tokens.rotate(session, "j1", _refresh(user_id, "j2"), now=T0)
            again = await refresh_tokens.rotate(session, "j1", _refresh(user_id, "j3"), now=T0)
            old = await refresh_tokens.get(session, "j1")
            missing = await refresh_tokens.get(session, "j3")
        # Assert
        assert first is True and again is False and missing is None
        assert old is not None and old.replaced_by == "j2" and old.revoked_at == T0

    async def test_revoke_family_and_user(self, db: Database) -> None:
        """Family revocation ends the session; user revocation ends all of them."""
        # Arrange
        user_id = await _user(db)
        async with db.transaction() as session:
            await refresh_tokens.store(session, _refresh(user_id, "a1", "fa"))
            await refresh_tokens.store(session, _refresh(user_id, "b1", "fb"))
            await refresh_tokens.store(session, _refresh(user_id, "c1", "fc"))
        # Act
        async with db.transaction() as session:
            family = await refresh_tokens.revoke_family(session, "fa", now=T0)
            fa_live = await refresh_tokens.family_is_active(session, "fa", now=T0)
            fb_live = await refresh_tokens.family_is_active(session, "fb", now=T0)
            everyone = await refresh_tokens.revoke_all_for_user(session, user_id, now=T0)
            fc_live = await refresh_tokens.family_is_active(session, "fc", now=T0)
        # Assert
        assert family == 1 and everyone == 2
        assert (fa_live, fb_live, fc_live) == (False, True, False)

    async def test_expired_tokens_are_not_live_and_are_purged(self, db: Database) -> None:
        """Expiry makes a family inactive and purge deletes the row."""
        # Arrange
        user_id = await _user(db)
        async with db.transaction() as session:
            await refresh_tokens.store(session, _refresh(user_id, "x1", "fx", days=1))
        later = T0 + timedelta(days=2)
        # Act
        async with db.transaction() as session:
            live = await refresh_tokens.family_is_active(session, "fx", now=later)
            rotated = await refresh_tokens.rotate(session, "x1", _refresh(user_id, "x2"), now=later)
            purged = await refresh_tokens.purge_expired(session, now=later)
        # Assert
        assert live is False and rotated is False and purged == 1

    async def test_deleting_a_user_cascades(self, db: Database) -> None:
        """Foreign keys are enforced: a user's tokens go with the user."""
        # Arrange
        from code_monet.db.models import UserRow

        user_id = await _user(db)
        async with db.transaction() as session:
            await refresh_tokens.store(session, _refresh(user_id, "k1"))
        # Act
        async with db.transaction() as session:
            row = await session.get(UserRow, user_id)
            assert row is not None
            await session.delete(row)
        async with db.read() as session:
            token = await refresh_tokens.get(session, "k1")
        # Assert
        assert token is None


class TestShares:
    """Canvas shares: create, list, find, owner-only delete."""

    async def test_share_lifecycle(self, db: Database) -> None:
        """Shares are listed newest first and only their owner can delete them."""
        # Arrange
        owner, other = await _user(db, "o@example.com"), await _user(db, "x@example.com")
        async with db.transaction() as session:
            old = await shares.create_share(session, owner, 1, title="Dawn", now=T0)
            new = await shares.create_share(session, owner, 2, now=T0 + timedelta(minutes=1))
        # Act
        async with db.transaction() as session:
            listed = await shares.list_shares(session, owner)
            found = await shares.find_share(session, owner, 1)
            by_token = await shares.get_share(session, new.token)
            denied = await shares.delete_share(session, old.token, other)
            deleted = await shares.delete_share(session, old.token, owner)
            gone = await shares.get_share(session, old.token)
        # Assert
        assert [s.piece_number for s in listed] == [2, 1]
        assert found == old and found.title == "Dawn"
        assert by_token == new
        assert denied is False and deleted is True and gone is None

    async def test_invalid_share_input(self, db: Database) -> None:
        """Piece numbers start at 1 and titles are bounded."""
        # Arrange
        owner = await _user(db)
        # Act / Assert
        with pytest.raises(ValueError, match="piece_number"):
            async with db.transaction() as session:
                await shares.create_share(session, owner, 0)
        with pytest.raises(ValueError, match="title"):
            async with db.transaction() as session:
                await shares.create_share(session, owner, 1, title="t" * 201)
