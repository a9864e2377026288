"""The server-rendered share page: meta tags, content, and escaping of hostile strings."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from PIL import Image
from test_share_support import BASE_URL, ShareEnv, share

from code_monet.share.pages import MAX_TITLE_CHARS, clip

__all__ = ["share"]

HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    'Tom & Jerry\'s "best" </title><script>',
    "' onmouseover='alert(1)",
]


class _Page(HTMLParser):
    """Collects meta tags, links, anchors, tag names and visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.anchors: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if tag == "meta" and "content" in values:
            self.meta[values.get("property") or values.get("name", "")] = values["content"]
        if tag == "link":
            self.links[values.get("rel", "")] = values.get("href", "")
        if tag == "a":
            self.anchors.append(values.get("href", ""))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


async def _shared(share: ShareEnv, **fields: object) -> str:
    ada, auth = await share.user("ada@example.com", public=True)
    await share.save_piece(ada, 1, **fields)
    response = await share.client.post("/s/create", json={"piece_number": 1}, headers=auth)
    return str(response.json()["token"])


class TestMetaTags:
    """OpenGraph, Twitter card, canonical link: absolute URLs from the public base URL."""

    async def test_meta_tags_and_content(self, share: ShareEnv) -> None:
        """Every tag a crawler needs is there, with the right values."""
        # Arrange
        token = await _shared(share, title="Harbour at dusk", prompt="boats at rest")
        # Act
        response = await share.client.get(f"/s/{token}")
        page = _parse(response.text)
        image = await share.client.get(page.meta["og:image"].removeprefix(BASE_URL))
        # Assert
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        url = f"{BASE_URL}/s/{token}"
        assert page.links["canonical"] == url
        assert page.meta["og:url"] == url
        assert page.meta["og:title"] == "Harbour at dusk"
        assert page.meta["twitter:title"] == "Harbour at dusk"
        assert page.meta["og:type"] == "article"
        assert page.meta["twitter:card"] == "summary_large_image"
        assert "boats at rest" in page.meta["og:description"]
        assert page.meta["og:description"] == page.meta["twitter:description"]
        assert page.meta["og:image"].startswith(f"{url}/og-image.png")
        assert page.meta["twitter:image"] == page.meta["og:image"]
        assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("1200", "630")
        assert Image.open(io.BytesIO(image.content)).size == (1200, 630)
        assert f"{BASE_URL}/studio" in page.anchors
        assert "Harbour at dusk" in page.title

    async def test_page_shows_the_piece_without_javascript(self, share: ShareEnv) -> None:
        """Inline SVG with one path per stroke, date, style, stroke count, prompt; no script."""
        # Arrange
        token = await _shared(share, prompt="a quiet morning")
        # Act
        response = await share.client.get(f"/s/{token}")
        page = _parse(response.text)
        text = " ".join(page.text)
        # Assert
        assert "script" not in page.tags
        assert page.tags.count("svg") == 1 and page.tags.count("path") == 4
        assert "January 1, 2030" in text
        assert "Plotter" in text and "4" in text
        assert "a quiet morning" in text
        assert page.title.startswith("Untitled #1")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'none'" in response.headers["content-security-policy"]

    async def test_etag_and_304(self, share: ShareEnv) -> None:
        """The page is revalidated by ETag."""
        # Arrange
        token = await _shared(share)
        first = await share.client.get(f"/s/{token}")
        # Act
        again = await share.client.get(
            f"/s/{token}", headers={"If-None-Match": first.headers["etag"]}
        )
        # Assert
        assert again.status_code == 304
        assert "max-age" in first.headers["cache-control"]


class TestEscaping:
    """User strings can never become markup."""

    @pytest.mark.parametrize("hostile", HOSTILE)
    async def test_hostile_titles_and_prompts_are_escaped(
        self, share: ShareEnv, hostile: str
    ) -> None:
        """Tags and quotes in title and prompt come back as text, verbatim."""
        # Arrange
        token = await _shared(share, title=hostile, prompt=hostile)
        # Act
        response = await share.client.get(f"/s/{token}")
        page = _parse(response.text)
        # Assert
        assert "script" not in page.tags and "img" not in page.tags
        assert "<script" not in response.text and "<img" not in response.text
        assert page.meta["og:title"] == clip(hostile, MAX_TITLE_CHARS)
        assert hostile in page.meta["og:description"]
        assert hostile.strip() in " ".join(page.text)
        assert "onerror" not in page.tags  # no attribute leaked into a tag

    async def test_hostile_share_title_is_escaped(self, share: ShareEnv) -> None:
        """The share's own title (set through the API) is escaped too."""
        # Arrange
        ada, auth = await share.user("ada@example.com")
        await share.save_piece(ada, 1)
        created = await share.client.post(
            "/s/create", json={"piece_number": 1, "title": HOSTILE[1]}, headers=auth
        )
        # Act
        response = await share.client.get(f"/s/{created.json()['token']}")
        page = _parse(response.text)
        # Assert
        assert "img" not in page.tags
        assert page.meta["og:title"] == HOSTILE[1]

    async def test_very_long_strings_are_clipped(self, share: ShareEnv) -> None:
        """A 20,000-character title and 500,000-character prompt keep the page small."""
        # Arrange
        token = await _shared(share, title="T" * 20_000, prompt="<p>" * 100_000)
        # Act
        response = await share.client.get(f"/s/{token}")
        page = _parse(response.text)
        # Assert
        assert response.status_code == 200
        assert len(page.meta["og:title"]) == MAX_TITLE_CHARS
        assert page.meta["og:title"].endswith("…")
        assert len(page.meta["og:description"]) < 400
        assert len(response.content) < 40_000
        assert "p" not in page.tags
