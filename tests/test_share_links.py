"""Share links: creation (idempotent per piece), unguessable tokens, ownership, the JSON API
and the share images."""

from __future__ import annotations

import asyncio
import base64
import io
import re

import pytest
from PIL import Image
from test_share_support import BASE_URL, ShareEnv, share

from code_monet.db.repository import shares
from code_monet.db.repository.shares import generate_share_token

__all__ = ["share"]

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]+$")


class TestCreateShare:
    """POST /s/create returns the piece's existing share or a new one."""

    async def test_create_then_create_again_returns_the_same_share(self, share: ShareEnv) -> None:
        """Same piece → same token; another piece → another token; URL is absolute."""
        # Arrange
        ada, auth = await share.user("ada@example.com")
        await share.save_piece(ada, 1)
        await share.save_piece(ada, 2)
        # Act
        first = await share.client.post(
            "/s/create", json={"piece_number": 1, "title": "  Dusk  "}, headers=auth
        )
        again = await share.client.post("/s/create", json={"piece_number": 1}, headers=auth)
        other = await share.client.post("/s/create", json={"piece_number": 2}, headers=auth)
        # Assert
        assert first.status_code == 200
        body = first.json()
        assert set(body) == {"token", "url", "piece_number", "title", "created_at"}
        assert body["title"] == "Dusk" and body["piece_number"] == 1
        assert body["url"] == f"{BASE_URL}/s/{body['token']}"
        assert again.json() == body
        assert other.json()["token"] != body["token"]

    async def test_concurrent_creates_make_one_share(self, share: ShareEnv) -> None:
        """Eight simultaneous requests for one piece all get the same, single link."""
        # Arrange
        ada, auth = await share.user("ada@example.com")
        await share.save_piece(ada, 1)
        # Act
        replies = await asyncio.gather(
            *[
                share.client.post("/s/create", json={"piece_number": 1}, headers=auth)
                for _ in range(8)
            ]
        )
        async with share.database.read() as session:
            stored = await shares.list_shares(session, ada.id)
        # Assert
        assert [r.status_code for r in replies] == [200] * 8
        assert {r.json()["token"] for r in replies} == {stored[0].token}
        assert len(stored) == 1

    async def test_missing_piece_anonymous_and_bad_bodies(self, share: ShareEnv) -> None:
        """No such piece → 404; no token → 401; malformed bodies → 422 (never 500)."""
        # Arrange
        _, auth = await share.user("ada@example.com")
        # Act
        missing = await share.client.post("/s/create", json={"piece_number": 7}, headers=auth)
        anonymous = await share.client.post("/s/create", json={"piece_number": 1})
        bad = [
            await share.client.post("/s/create", json=body, headers=auth)
            for body in (
                {"piece_number": 0},
                {"piece_number": "one"},
                {},
                {"piece_number": 1, "title": "x" * 201},
            )
        ]
        # Assert
        assert missing.status_code == 404
        assert anonymous.status_code == 401
        assert [b.status_code for b in bad] == [422, 422, 422, 422]

    async def test_my_shares_lists_only_mine(self, share: ShareEnv) -> None:
        """Each user sees their own shares, newest first."""
        # Arrange
        ada, ada_auth = await share.user("ada@example.com")
        bob, bob_auth = await share.user("bob@example.com")
        await share.save_piece(ada, 1)
        await share.save_piece(bob, 1)
        mine = await share.client.post("/s/create", json={"piece_number": 1}, headers=ada_auth)
        await share.client.post("/s/create", json={"piece_number": 1}, headers=bob_auth)
        # Act
        listed = await share.client.get("/s/my-shares", headers=ada_auth)
        # Assert
        assert [s["token"] for s in listed.json()] == [mine.json()["token"]]


class TestTokens:
    """Tokens carry at least 128 random bits in a URL-safe alphabet."""

    def test_generated_tokens_are_long_random_and_url_safe(self) -> None:
        """1,000 tokens: URL-safe alphabet, ≥ 128 bits each, all distinct."""
        # Arrange / Act
        tokens = [generate_share_token() for _ in range(1000)]
        # Assert
        assert len(set(tokens)) == len(tokens)
        for token in tokens:
            assert TOKEN_RE.fullmatch(token)
            assert len(token) * 6 >= 128
            assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16

    async def test_api_tokens_have_the_same_properties(self, share: ShareEnv) -> None:
        """Tokens handed out by the endpoint satisfy the same rules."""
        # Arrange
        ada, auth = await share.user("ada@example.com")
        for number in range(1, 6):
            await share.save_piece(ada, number)
        # Act
        tokens = [
            (await share.client.post("/s/create", json={"piece_number": n}, headers=auth)).json()[
                "token"
            ]
            for n in range(1, 6)
        ]
        # Assert
        assert len(set(tokens)) == 5
        assert all(TOKEN_RE.fullmatch(t) and len(t) >= 22 for t in tokens)


class TestDeleteShare:
    """Only the owner can delete; others cannot tell a foreign share from a missing one."""

    async def test_other_users_cannot_delete_and_owner_can(self, share: ShareEnv) -> None:
        """Bob's delete of Ada's share is 404 and the link keeps working; Ada's works."""
        # Arrange
        ada, ada_auth = await share.user("ada@example.com")
        _, bob_auth = await share.user("bob@example.com")
        await share.save_piece(ada, 1)
        token = (
            await share.client.post("/s/create", json={"piece_number": 1}, headers=ada_auth)
        ).json()["token"]
        # Act
        by_bob = await share.client.delete(f"/s/{token}", headers=bob_auth)
        unknown = await share.client.delete("/s/" + "A" * 22, headers=bob_auth)
        still = await share.client.get(f"/s/{token}")
        anonymous = await share.client.delete(f"/s/{token}")
        by_ada = await share.client.delete(f"/s/{token}", headers=ada_auth)
        gone = await share.client.get(f"/s/{token}")
        twice = await share.client.delete(f"/s/{token}", headers=ada_auth)
        # Assert
        assert by_bob.status_code == 404 and by_bob.json() == unknown.json()
        assert still.status_code == 200
        assert anonymous.status_code == 401
        assert by_ada.status_code == 200 and by_ada.json() == {"status": "deleted"}
        assert gone.status_code == 404
        assert twice.status_code == 404
        async with share.database.read() as session:
            assert await shares.get_share(session, token) is None


class TestPublicShareEndpoints:
    """The link is the permission: it works for private galleries too."""

    async def test_api_images_and_404s(self, share: ShareEnv) -> None:
        """JSON metadata, preview 800×600, OG 1200×630; bad tokens are the same 404."""
        # Arrange
        ada, auth = await share.user("ada@example.com")  # private gallery
        await share.save_piece(ada, 1, title="Piece title", prompt="tide pools")
        created = await share.client.post("/s/create", json={"piece_number": 1}, headers=auth)
        token = created.json()["token"]
        # Act
        api = await share.client.get(f"/s/{token}/api")
        preview = await share.client.get(f"/s/{token}/preview.png")
        og_image = await share.client.get(f"/s/{token}/og-image.png")
        cached = await share.client.get(
            f"/s/{token}/preview.png", headers={"If-None-Match": preview.headers["etag"]}
        )
        misses = [
            await share.client.get(path)
            for path in (
                "/s/" + "B" * 22,
                "/s/short",
                "/s/" + "B" * 22 + "/api",
                "/s/" + "B" * 22 + "/preview.png",
                "/s/%3Cscript%3E/api",
            )
        ]
        # Assert
        body = api.json()
        assert body["token"] == token and body["title"] == "Piece title"
        assert body["prompt"] == "tide pools" and body["stroke_count"] == 4
        assert body["url"] == f"{BASE_URL}/s/{token}"
        assert body["preview_url"].startswith(f"{BASE_URL}/s/{token}/preview.png")
        assert len(body["strokes"]) == 4
        assert Image.open(io.BytesIO(preview.content)).size == (800, 600)
        assert Image.open(io.BytesIO(og_image.content)).size == (1200, 630)
        assert cached.status_code == 304
        assert {m.status_code for m in misses} == {404}
        assert {m.content for m in misses} == {b'{"detail":"Not Found"}'}

    async def test_deleted_piece_makes_the_link_404(self, share: ShareEnv) -> None:
        """A share whose piece file is gone answers 404 everywhere."""
        # Arrange
        from code_monet.workspace.persistence import user_directory

        ada, auth = await share.user("ada@example.com")
        await share.save_piece(ada, 1)
        token = (
            await share.client.post("/s/create", json={"piece_number": 1}, headers=auth)
        ).json()["token"]
        (user_directory(share.data_dir, ada.id) / "gallery" / "piece_000001.json").unlink()
        # Act
        answers = [
            await share.client.get(f"/s/{token}{suffix}")
            for suffix in ("", "/api", "/preview.png", "/og-image.png")
        ]
        # Assert
        assert {a.status_code for a in answers} == {404}

    @pytest.mark.parametrize("public", [True, False])
    async def test_page_is_noindex_only_for_private_galleries(
        self, share: ShareEnv, public: bool
    ) -> None:
        """Share pages of private galleries ask crawlers not to index them."""
        # Arrange
        ada, auth = await share.user("ada@example.com", public=public)
        await share.save_piece(ada, 1)
        token = (
            await share.client.post("/s/create", json={"piece_number": 1}, headers=auth)
        ).json()["token"]
        # Act
        page = await share.client.get(f"/s/{token}")
        # Assert
        assert page.status_code == 200
        assert ('name="robots" content="noindex"' in page.text) is not public
