"""``code_monet.routes.web``: the built web client served at ``/`` next to the API."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI

from code_monet.app.config import ServerSettings
from code_monet.routes import web
from code_monet.routes.web import (
    DEFAULT_DIST_DIR,
    PACKAGED_STUDIO,
    mount_web,
    packaged_dist_dir,
    prefers_html,
)
from tests.fakes.server import running_server

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
INDEX = "<!doctype html><html><body><div id=app></div><script src=/assets/app-1a2b.js></script>"


def _app(dist: Path | None) -> FastAPI:
    app = FastAPI()

    @app.get("/gallery")
    async def gallery() -> list[dict[str, int]]:
        return [{"piece_number": 1}]

    @app.get("/gallery/{piece_number}/strokes")
    async def strokes(piece_number: int) -> dict[str, int]:
        return {"piece_number": piece_number}

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    mount_web(app, dist)
    return app


def _client(app: FastAPI) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=app)
    return httpx2.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX, encoding="utf-8")
    (root / "assets" / "app-1a2b.js").write_text("console.log('studio')", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("do not serve", encoding="utf-8")
    return root


class TestClientPages:
    """Client-side routes are answered with the built ``index.html``."""

    @pytest.mark.parametrize(
        "path", ["/", "/studio", "/signin", "/public", "/auth/callback", "/studio/"]
    )
    async def test_client_pages_serve_index(self, dist: Path, path: str) -> None:
        """Each client page gets the index, as uncached HTML."""
        # Arrange
        app = _app(dist)
        # Act
        async with _client(app) as client:
            response = await client.get(path, follow_redirects=True)
        # Assert
        assert response.status_code == 200
        assert response.text == INDEX
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"


class TestContentNegotiation:
    """Paths shared by page and API are told apart by ``Accept``; API routes stay intact."""

    async def test_gallery_is_negotiated_between_page_and_api(self, dist: Path) -> None:
        """Browsers get the page; JSON, default and wildcard requests get the API."""
        # Arrange
        app = _app(dist)
        # Act
        async with _client(app) as client:
            page = await client.get("/gallery", headers={"Accept": BROWSER_ACCEPT})
            api = await client.get("/gallery", headers={"Accept": "application/json"})
            default = await client.get("/gallery")
            anything = await client.get("/gallery", headers={"Accept": "*/*"})
            piece_page = await client.get("/gallery/12", headers={"Accept": BROWSER_ACCEPT})
            strokes = await client.get("/gallery/12/strokes", headers={"Accept": BROWSER_ACCEPT})
        # Assert
        assert page.text == INDEX
        assert piece_page.text == INDEX
        for response in (api, default, anything):
            assert response.status_code == 200
            assert response.json() == [{"piece_number": 1}]
        assert strokes.json() == {"piece_number": 12}

    async def test_api_routes_are_untouched(self, dist: Path) -> None:
        """API routes answer as before and unknown paths still 404, even for browsers."""
        # Arrange
        app = _app(dist)
        # Act
        async with _client(app) as client:
            health = await client.get("/health", headers={"Accept": BROWSER_ACCEPT})
            unknown = await client.get("/no-such-page", headers={"Accept": BROWSER_ACCEPT})
        # Assert
        assert health.json() == {"status": "ok"}
        assert unknown.status_code == 404


class TestAssets:
    """Built assets under ``/assets``."""

    async def test_assets_are_cached_and_confined(self, dist: Path) -> None:
        """Assets are immutable-cached; missing files and path escapes are refused."""
        # Arrange
        app = _app(dist)
        # Act
        async with _client(app) as client:
            asset = await client.get("/assets/app-1a2b.js")
            head = await client.head("/assets/app-1a2b.js")
            missing = await client.get("/assets/nope.js")
            escape = await client.get("/assets/..%2F..%2Fsecret.txt")
            escape_plain = await client.get("/assets/../../secret.txt")
        # Assert
        assert asset.status_code == 200
        assert asset.text == "console.log('studio')"
        assert "immutable" in asset.headers["cache-control"]
        assert "javascript" in asset.headers["content-type"]
        assert head.status_code == 200
        assert missing.status_code == 404
        assert escape.status_code == 404
        assert "do not serve" not in escape_plain.text


class TestBuildLocation:
    """Where the build is looked for, and what happens when it is not there."""

    async def test_missing_build_explains_how_to_build(self, tmp_path: Path) -> None:
        """Without a build, pages explain how to make one; the API still works."""
        # Arrange
        app = _app(tmp_path / "absent")
        # Act
        async with _client(app) as client:
            page = await client.get("/")
            studio = await client.get("/studio")
            gallery_api = await client.get("/gallery")
            asset = await client.get("/assets/app.js")
        # Assert
        assert page.status_code == 200
        assert "scripts/web.sh build" in page.text
        assert str(tmp_path / "absent") in page.text
        assert studio.status_code == 200
        assert gallery_api.json() == [{"piece_number": 1}]
        assert asset.status_code == 404

    async def test_a_build_made_after_start_is_picked_up(self, tmp_path: Path) -> None:
        """A build that appears while the app runs is served without a restart."""
        # Arrange
        root = tmp_path / "later"
        app = _app(root)
        async with _client(app) as client:
            # Act: request before the build exists
            before = await client.get("/")
            # Arrange: the build appears
            (root / "assets").mkdir(parents=True)
            (root / "index.html").write_text(INDEX, encoding="utf-8")
            # Act: request again
            after = await client.get("/")
        # Assert
        assert "scripts/web.sh build" in before.text
        assert after.text == INDEX

    def test_default_dist_dir_is_the_checkouts_web_dist(self) -> None:
        """The default build directory is ``web/dist`` of this checkout."""
        # Arrange / Act
        tail = DEFAULT_DIST_DIR.parts[-2:]
        package_json = DEFAULT_DIST_DIR.parent / "package.json"
        # Assert
        assert tail == ("web", "dist")
        assert package_json.is_file()

    def test_packaged_dir_is_the_studio_folder_of_the_package(self) -> None:
        """The wheel's copy is looked for in ``code_monet/studio`` (absent in a checkout)."""
        # Arrange / Act
        packaged = packaged_dist_dir()
        # Assert
        assert packaged is not None
        assert packaged.name == PACKAGED_STUDIO
        assert (packaged.parent / "__init__.py").is_file()
        assert packaged.parent.name == "code_monet"


def _build(root: Path, marker: str) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(f"<!doctype html><title>{marker}</title>", encoding="utf-8")
    (root / "assets" / "app.js").write_text(f"// {marker}", encoding="utf-8")
    return root


class TestStudioSearchOrder:
    """Issue 18: the setting, else the installed package's copy, else the checkout's build."""

    @pytest.fixture
    def places(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
        """Stand-ins for the packaged copy and the checkout's ``web/dist`` (both unbuilt)."""
        packaged, checkout = tmp_path / "package" / "studio", tmp_path / "checkout" / "dist"
        monkeypatch.setattr(web, "packaged_dist_dir", lambda: packaged)
        monkeypatch.setattr(web, "DEFAULT_DIST_DIR", checkout)
        return packaged, checkout

    async def test_packaged_copy_wins_over_the_checkout(self, places: tuple[Path, Path]) -> None:
        """An installed wheel serves what it carries."""
        # Arrange
        packaged, checkout = places
        _build(packaged, "packaged")
        _build(checkout, "checkout")
        app = _app(None)
        # Act
        async with _client(app) as client:
            page = await client.get("/")
            asset = await client.get("/assets/app.js")
        # Assert
        assert "packaged" in page.text
        assert asset.text == "// packaged"

    async def test_checkout_is_used_without_a_packaged_copy(
        self, places: tuple[Path, Path]
    ) -> None:
        """The editable install has no ``code_monet/studio``: the checkout's build is served."""
        # Arrange
        _, checkout = places
        _build(checkout, "checkout")
        app = _app(None)
        # Act
        async with _client(app) as client:
            page = await client.get("/studio")
            asset = await client.get("/assets/app.js")
        # Assert
        assert "checkout" in page.text
        assert asset.text == "// checkout"

    async def test_setting_wins_and_is_the_only_place(
        self, places: tuple[Path, Path], tmp_path: Path
    ) -> None:
        """``web_dist_dir`` is served when set; unbuilt, it is not replaced by another build."""
        # Arrange
        packaged, _ = places
        _build(packaged, "packaged")
        built, unbuilt = _build(tmp_path / "mine", "mine"), tmp_path / "unbuilt"
        # Act
        async with _client(_app(built)) as client:
            served = await client.get("/")
        async with _client(_app(unbuilt)) as client:
            note = await client.get("/")
        # Assert
        assert "mine" in served.text
        assert "scripts/web.sh build" in note.text
        assert "packaged" not in note.text

    async def test_nothing_built_names_every_place_looked_in(
        self, places: tuple[Path, Path]
    ) -> None:
        """The build note lists the packaged copy and the checkout's ``web/dist``."""
        # Arrange
        packaged, checkout = places
        app = _app(None)
        # Act
        async with _client(app) as client:
            page = await client.get("/")
            asset = await client.get("/assets/app.js")
        # Assert
        assert "scripts/web.sh build" in page.text
        assert str(packaged) in page.text
        assert str(checkout) in page.text
        assert asset.status_code == 404


class TestPrefersHtml:
    """``prefers_html`` reads the ``Accept`` header."""

    @pytest.mark.parametrize(
        ("accept", "expected"),
        [
            (BROWSER_ACCEPT, True),
            ("text/html", True),
            ("*/*", False),
            ("application/json", False),
            ("application/json, text/html;q=0.5", False),
            ("text/html;q=0", False),
            ("text/html;q=abc", True),
            ("", False),
            (None, False),
        ],
    )
    def test_prefers_html(self, accept: str | None, expected: bool) -> None:
        """HTML is preferred only when explicitly asked for with a non-zero quality."""
        # Arrange / Act
        result = prefers_html(accept)
        # Assert
        assert result is expected


class TestSecurityHeaders:
    """Issue 15: the studio's pages had no CSP, framing, referrer or sniffing policy."""

    async def test_real_server_pages_carry_the_policies(self, dist: Path, tmp_path: Path) -> None:
        """In public mode every studio page is unframeable, runs only this origin's scripts,
        keeps its URL from other sites and is never sniffed; assets are never sniffed."""
        # Arrange
        settings = ServerSettings(web_dist_dir=dist)
        async with (
            running_server(tmp_path / "data", local_mode=False, settings=settings) as server,
            server.http() as http,
        ):
            # Act
            pages = [
                await http.get(path, headers={"Accept": BROWSER_ACCEPT})
                for path in ("/", "/studio", "/signin", "/auth/callback", "/gallery")
            ]
            asset = await http.get("/assets/app-1a2b.js")
        # Assert
        for page in pages:
            assert page.status_code == 200, page.url
            policy = page.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy
            assert "frame-ancestors 'none'" in policy
            assert "connect-src 'self'" in policy
            assert page.headers["X-Frame-Options"] == "DENY"
            assert page.headers["Referrer-Policy"] == "same-origin"
            assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert asset.headers["X-Content-Type-Options"] == "nosniff"

    async def test_build_note_has_them_too(self, tmp_path: Path) -> None:
        """Without a build the note page is covered as well (its inline styles allowed)."""
        # Arrange
        app = _app(tmp_path / "missing")
        async with _client(app) as client:
            # Act
            response = await client.get("/studio")
        # Assert
        assert "style-src 'self' 'unsafe-inline'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
