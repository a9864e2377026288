"""The public gallery: opt-in visibility, 404 parity, pagination, the piece index, images."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from PIL import Image
from sqlalchemy import delete
from test_share_support import BASE_URL, ShareEnv, sample_strokes, share

from code_monet.db.models import UserRow
from code_monet.db.repository import public_pieces, users
from code_monet.render.cache import cache_root
from code_monet.share.index import on_piece_saved
from code_monet.types.geometry import PathType, Point
from code_monet.types.paths import Path as StrokePath
from code_monet.types.styles import DrawingStyleType
from code_monet.workspace.persistence import user_directory

__all__ = ["share"]


def _ids(body: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(p["user_id"], p["id"]) for p in body]


class TestOptInVisibility:
    """Only users who opted in are listed; opting out hides them again."""

    async def test_private_pieces_are_not_listed_until_opt_in(self, share: ShareEnv) -> None:
        """PUT /settings/gallery true lists the user's pieces; false removes them."""
        # Arrange
        user, auth = await share.user("ada@example.com")
        await share.save_piece(user, 1, title="First")
        # Act
        before = await share.client.get("/public/gallery")
        setting = await share.client.get("/settings/gallery", headers=auth)
        opt_in = await share.client.put(
            "/settings/gallery", json={"gallery_public": True}, headers=auth
        )
        listed = await share.client.get("/public/gallery")
        opt_out = await share.client.put(
            "/settings/gallery", json={"gallery_public": False}, headers=auth
        )
        after = await share.client.get("/public/gallery")
        strokes = await share.client.get(f"/public/gallery/{user.id}/piece_000001/strokes")
        # Assert
        assert before.status_code == 200 and before.json() == []
        assert setting.json() == {"gallery_public": False}
        assert opt_in.json() == {"gallery_public": True}
        assert _ids(listed.json()) == [(str(user.id), "piece_000001")]
        assert listed.json()[0]["title"] == "First"
        assert opt_out.json() == {"gallery_public": False}
        assert after.json() == []
        assert strokes.status_code == 404

    async def test_settings_need_a_token_and_a_boolean(self, share: ShareEnv) -> None:
        """Anonymous calls are 401; a malformed body is a 4xx, never a 500."""
        # Arrange
        _, auth = await share.user("bob@example.com")
        # Act
        anonymous = await share.client.get("/settings/gallery")
        bad = await share.client.put(
            "/settings/gallery", json={"gallery_public": "maybe"}, headers=auth
        )
        extra = await share.client.put(
            "/settings/gallery", json={"gallery_public": True, "admin": True}, headers=auth
        )
        # Assert
        assert anonymous.status_code == 401
        assert bad.status_code == 422 and "detail" in bad.json()
        assert extra.status_code == 422

    async def test_inactive_owner_is_hidden(self, share: ShareEnv) -> None:
        """A deactivated account's public pieces disappear from the gallery."""
        # Arrange
        user, _ = await share.user("gone@example.com", public=True)
        await share.save_piece(user, 1)
        async with share.database.transaction() as session:
            await users.set_active(session, user.id, False)
        # Act
        listing = await share.client.get("/public/gallery")
        piece = await share.client.get(f"/public/gallery/{user.id}/piece_000001/strokes")
        # Assert
        assert listing.json() == []
        assert piece.status_code == 404


class TestNotFoundParity:
    """Private, missing, unknown and malformed all look the same from outside."""

    @pytest.mark.parametrize("suffix", ["strokes", "thumbnail.png", "og-image.png", "export.svg"])
    async def test_every_failure_is_the_same_404(self, share: ShareEnv, suffix: str) -> None:
        """Same status and body whatever was wrong."""
        # Arrange
        private, _ = await share.user("private@example.com")
        public, _ = await share.user("public@example.com", public=True)
        await share.save_piece(private, 1)
        await share.save_piece(public, 1)
        targets = [
            f"{private.id}/piece_000001",  # exists, but the gallery is private
            f"{public.id}/piece_000002",  # public gallery, no such piece
            f"{uuid.uuid4()}/piece_000001",  # no such user
            "not-a-uuid/piece_000001",
            f"{public.id}/piece_1",
            f"{public.id}/..%2F..%2Fsecrets",
            f"{public.id}/piece_000000",
        ]
        # Act
        answers = [await share.client.get(f"/public/gallery/{t}/{suffix}") for t in targets]
        ok = await share.client.get(f"/public/gallery/{public.id}/piece_000001/{suffix}")
        # Assert
        assert ok.status_code == 200
        assert {a.status_code for a in answers} == {404}
        assert {a.content for a in answers} == {b'{"detail":"Not Found"}'}


class TestListing:
    """Newest first, bounded pages, cursors beyond."""

    async def test_pages_cover_every_piece_once_newest_first(self, share: ShareEnv) -> None:
        """Following X-Next-Cursor visits each public piece exactly once, newest first."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        bob, _ = await share.user("bob@example.com", public=True)
        for number in range(1, 8):
            await share.save_piece(ada, number)
        for number in range(1, 6):
            await share.save_piece(bob, number)
        # Act
        seen: list[dict[str, object]] = []
        pages = 0
        url = "/public/gallery?limit=5"
        while url:
            response = await share.client.get(url)
            assert response.status_code == 200
            seen.extend(response.json())
            pages += 1
            cursor = response.headers.get("x-next-cursor")
            url = f"/public/gallery?limit=5&cursor={cursor}" if cursor else ""
        # Assert
        assert pages == 3
        assert len(seen) == 12 and len(set(_ids(seen))) == 12
        created = [p["created_at"] for p in seen]
        assert created == sorted(created, reverse=True)

    async def test_next_link_is_absolute(self, share: ShareEnv) -> None:
        """The Link header points at the configured public base URL."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        for number in range(1, 4):
            await share.save_piece(ada, number)
        # Act
        response = await share.client.get("/public/gallery?limit=2")
        last = await share.client.get("/public/gallery?limit=3")
        # Assert
        assert response.headers["link"].startswith(f"<{BASE_URL}/public/gallery?limit=2&cursor=")
        assert response.headers["link"].endswith('>; rel="next"')
        assert "x-next-cursor" not in last.headers

    @pytest.mark.parametrize(
        "query", ["limit=51", "limit=0", "limit=-3", "limit=abc", "cursor=%%%", "cursor=e30"]
    )
    async def test_bad_parameters_are_400_with_a_message(self, share: ShareEnv, query: str) -> None:
        """Out-of-range limits and forged cursors answer 400 JSON, not 500."""
        # Arrange / Act
        response = await share.client.get(f"/public/gallery?{query}")
        # Assert
        assert response.status_code == 400
        detail = response.json()["detail"]
        assert isinstance(detail, str) and ("limit" in detail or "cursor" in detail)

    async def test_summary_fields_and_urls(self, share: ShareEnv) -> None:
        """Entries carry the v1 fields plus absolute, content-versioned image URLs."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        entry = await share.save_piece(ada, 3)
        # Act
        body = (await share.client.get("/public/gallery")).json()
        # Assert
        item = body[0]
        assert {"id", "user_id", "piece_number", "stroke_count", "created_at"} <= set(item)
        assert "title" not in item  # omitted when unset, as v1 did
        assert item["stroke_count"] == 4 and item["piece_number"] == 3
        assert item["thumbnail_token"] == entry.thumbnail_token
        root = f"{BASE_URL}/public/gallery/{ada.id}/piece_000003"
        assert item["thumbnail_url"] == f"{root}/thumbnail.png?v={entry.thumbnail_token}"
        assert item["og_image_url"] == f"{root}/og-image.png?v={entry.thumbnail_token}"


class TestIndex:
    """The listing reads an index that stays right as pieces are saved or imported."""

    async def test_saved_pieces_are_indexed_and_updates_replace_rows(self, share: ShareEnv) -> None:
        """Each save adds or refreshes one row; re-saving a piece does not duplicate it."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        await share.save_piece(ada, 1, title="Draft")
        first = (await share.client.get("/public/gallery")).json()
        # Act
        await share.save_piece(ada, 2, title="Second")
        await share.save_piece(ada, 1, title="Final")
        second = (await share.client.get("/public/gallery")).json()
        # Assert
        assert [p["title"] for p in first] == ["Draft"]
        assert sorted(p["title"] for p in second) == ["Final", "Second"]

    async def test_listing_does_not_read_piece_files(
        self, share: ShareEnv, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With the index warm, listing reads no gallery file (stat only, no parse)."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        for number in range(1, 4):
            await share.save_piece(ada, number)
        await share.client.get("/public/gallery")  # first sweep: remembers directory mtimes
        gallery = user_directory(share.data_dir, ada.id) / "gallery"
        original = Path.read_bytes

        def guarded_read(self: Path) -> bytes:
            assert gallery not in self.parents, f"listing read {self}"
            return original(self)

        monkeypatch.setattr(Path, "read_bytes", guarded_read)
        # Act
        response = await share.client.get("/public/gallery")
        # Assert
        assert response.status_code == 200 and len(response.json()) == 3

    async def test_pieces_written_elsewhere_appear_on_opt_in(self, share: ShareEnv) -> None:
        """Files imported without the hook are indexed when the user opts in."""
        # Arrange
        ada, auth = await share.user("ada@example.com")
        for number in (1, 2):
            share.write_piece(ada, number, title=f"Imported {number}")
        # Act
        await share.client.put("/settings/gallery", json={"gallery_public": True}, headers=auth)
        share.reconciler.interval_seconds = 1e9  # no lazy sweep: only the opt-in reconciled
        body = (await share.client.get("/public/gallery")).json()
        # Assert
        assert sorted(p["title"] for p in body) == ["Imported 1", "Imported 2"]

    async def test_lazy_sweep_picks_up_new_and_deleted_files(self, share: ShareEnv) -> None:
        """A public user's directory change is reconciled on the next listing."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        await share.save_piece(ada, 1)
        await share.save_piece(ada, 2)
        await share.client.get("/public/gallery")
        gallery = user_directory(share.data_dir, ada.id) / "gallery"
        # Act
        share.write_piece(ada, 3, title="Imported")
        (gallery / "piece_000001.json").unlink()
        body = (await share.client.get("/public/gallery")).json()
        # Assert
        assert sorted(p["id"] for p in body) == ["piece_000002", "piece_000003"]

    async def test_corrupt_file_is_skipped_and_never_breaks_saving(self, share: ShareEnv) -> None:
        """A corrupt piece is not indexed; on_piece_saved logs instead of raising."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        entry = share.write_piece(ada, 1)
        gallery = user_directory(share.data_dir, ada.id) / "gallery"
        (gallery / "piece_000001.json").write_text("{not json")
        # Act
        await on_piece_saved(share.database, share.data_dir, str(ada.id), entry)
        await on_piece_saved(share.database, share.data_dir, "not-a-uuid", entry)
        await on_piece_saved(share.database, share.data_dir, str(uuid.uuid4()), entry)
        body = (await share.client.get("/public/gallery")).json()
        piece = await share.client.get(f"/public/gallery/{ada.id}/piece_000001/strokes")
        # Assert
        assert body == []
        assert piece.status_code == 404

    async def test_piece_for_a_user_not_in_the_database_is_ignored(self, share: ShareEnv) -> None:
        """A piece file of an account the database does not know is logged, not raised."""
        # Arrange
        ghost, _ = await share.user("ghost@example.com")
        entry = share.write_piece(ghost, 1)
        async with share.database.transaction() as session:
            await session.execute(delete(UserRow).where(UserRow.id == ghost.id))
        # Act
        await on_piece_saved(share.database, share.data_dir, str(ghost.id), entry)
        # Assert
        async with share.database.read() as session:
            assert await public_pieces.list_user_pieces(session, ghost.id) == []

    async def test_rewritten_file_is_served_fresh(self, share: ShareEnv) -> None:
        """A piece rewritten behind the index's back is re-read (size/mtime changed)."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        await share.save_piece(ada, 1, title="Old")
        url = f"/public/gallery/{ada.id}/piece_000001/strokes"
        before = await share.client.get(url)
        # Act
        share.write_piece(ada, 1, title="New title", strokes=sample_strokes()[:2])
        after = await share.client.get(url)
        # Assert
        assert before.json()["title"] == "Old"
        assert after.json()["title"] == "New title" and after.json()["stroke_count"] == 2
        assert after.headers["etag"] != before.headers["etag"]


class TestPieceEndpoints:
    """Strokes and images of a public piece, rendered once and cached by content."""

    async def test_strokes_match_the_saved_piece(self, share: ShareEnv) -> None:
        """The strokes endpoint returns the saved strokes and the v1 fields."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        strokes = [StrokePath(type=PathType.LINE, points=[Point(x=1, y=2), Point(x=3, y=4)])]
        await share.save_piece(ada, 1, strokes=strokes, prompt="a line")
        # Act
        response = await share.client.get(f"/public/gallery/{ada.id}/piece_000001/strokes")
        # Assert
        body = response.json()
        assert body["id"] == "piece_000001" and body["piece_number"] == 1
        assert [StrokePath.model_validate(s) for s in body["strokes"]] == strokes
        assert body["prompt"] == "a line" and body["canvas_width"] == 800

    @pytest.mark.parametrize("style", [DrawingStyleType.PLOTTER, DrawingStyleType.PAINT])
    async def test_strokes_body_matches_the_openapi_schema(
        self, share: ShareEnv, style: DrawingStyleType
    ) -> None:
        """The body validates against the schema the server publishes (schemathesis found
        ``style_config.color_palette`` missing: required there, dropped as null here)."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        await share.save_piece(ada, 1, style=style)
        spec = (await share.client.get("/openapi.json")).json()
        operation = spec["paths"]["/public/gallery/{user_id}/{piece_id}/strokes"]["get"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**schema, "components": spec["components"]})
        # Act
        response = await share.client.get(f"/public/gallery/{ada.id}/piece_000001/strokes")
        # Assert
        errors = [error.message for error in validator.iter_errors(response.json())]
        assert response.status_code == 200 and errors == []
        assert "title" not in response.json()  # unset optional fields are still left out

    async def test_images_have_the_right_sizes_and_are_prerendered(self, share: ShareEnv) -> None:
        """Saving renders thumbnail, OG and preview into the cache; sizes are as promised."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        await share.save_piece(ada, 1, size=(1200, 900))
        cached = sorted(p.name for p in cache_root(share.data_dir).rglob("*.png"))
        root = f"/public/gallery/{ada.id}/piece_000001"
        # Act
        thumbnail = await share.client.get(f"{root}/thumbnail.png")
        og_image = await share.client.get(f"{root}/og-image.png")
        # Assert
        assert len(cached) == 3
        assert thumbnail.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(thumbnail.content)).size == (800, 600)
        assert Image.open(io.BytesIO(og_image.content)).size == (1200, 630)
        assert thumbnail.headers["etag"].strip('"') + ".png" in cached

    async def test_etag_304_and_cache_control(self, share: ShareEnv) -> None:
        """Strong ETag; 304 on If-None-Match; immutable only for the current ?v= URL."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        entry = await share.save_piece(ada, 1)
        url = f"/public/gallery/{ada.id}/piece_000001/thumbnail.png"
        # Act
        plain = await share.client.get(url)
        versioned = await share.client.get(f"{url}?v={entry.thumbnail_token}")
        stale = await share.client.get(f"{url}?v=0000000000000000")
        etag = plain.headers["etag"]
        again = await share.client.get(url, headers={"If-None-Match": etag})
        listed = await share.client.get(url, headers={"If-None-Match": f'"x", {etag}'})
        other = await share.client.get(url, headers={"If-None-Match": '"something-else"'})
        # Assert
        assert etag.startswith('"') and not etag.startswith("W/")
        assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "immutable" not in plain.headers["cache-control"]
        assert "max-age=" in plain.headers["cache-control"]
        assert "immutable" not in stale.headers["cache-control"]
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        assert listed.status_code == 304
        assert other.status_code == 200 and other.content == plain.content

    async def test_new_content_gets_a_new_etag(self, share: ShareEnv) -> None:
        """Re-saving a piece with other strokes changes the image and its ETag."""
        # Arrange
        ada, _ = await share.user("ada@example.com", public=True)
        await share.save_piece(ada, 1)
        url = f"/public/gallery/{ada.id}/piece_000001/og-image.png"
        before = await share.client.get(url)
        # Act
        await share.save_piece(
            ada,
            1,
            strokes=[StrokePath(type=PathType.LINE, points=[Point(x=0, y=0), Point(x=800, y=600)])],
        )
        after = await share.client.get(url, headers={"If-None-Match": before.headers["etag"]})
        # Assert
        assert after.status_code == 200
        assert after.headers["etag"] != before.headers["etag"]
        assert after.content != before.content


class TestPublicPiecePage:
    """The sitemap's piece links lead to a server-rendered page of a public piece."""

    async def test_public_piece_page_renders_and_private_ones_404(self, share: ShareEnv) -> None:
        """Public → HTML with the escaped title and meta; private or malformed → the same 404."""
        # Arrange
        public, _ = await share.user("shown@example.com", public=True)
        private, _ = await share.user("hidden@example.com")
        await share.save_piece(public, 1, title='<script>alert("x")</script>')
        await share.save_piece(private, 1, title="Secret")
        # Act
        page = await share.client.get(f"/public/{public.id}/piece_000001")
        hidden = await share.client.get(f"/public/{private.id}/piece_000001")
        malformed = await share.client.get("/public/not-a-user/piece_000001")
        sitemap = await share.client.get("/sitemap.xml")
        # Assert
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "&lt;script&gt;" in page.text
        assert f"{BASE_URL}/public/gallery/{public.id}/piece_000001/og-image.png" in page.text
        assert page.text.count("<path") >= 1
        assert hidden.status_code == malformed.status_code == 404
        assert hidden.content == malformed.content
        assert f"{BASE_URL}/public/{public.id}/piece_000001" in sitemap.text
        assert str(private.id) not in sitemap.text
