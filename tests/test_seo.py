"""/sitemap.xml and /robots.txt."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from test_share_support import BASE_URL, ShareEnv, share

from code_monet.share.sitemap import MAX_SITEMAP_URLS, SitemapUrl, robots_txt, sitemap_xml

__all__ = ["share"]

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _locs(xml: str) -> list[str]:
    root = ET.fromstring(xml)
    return [loc.text or "" for loc in root.iter(f"{NS}loc")]


class TestSitemap:
    """Public pieces and share pages of public pieces; nothing private."""

    async def test_lists_public_pieces_and_their_shares_only(self, share: ShareEnv) -> None:
        """Public gallery pieces and their share links are listed; private ones are not."""
        # Arrange
        ada, ada_auth = await share.user("ada@example.com", public=True)
        bob, bob_auth = await share.user("bob@example.com")
        await share.save_piece(ada, 1)
        await share.save_piece(ada, 2)
        await share.save_piece(bob, 1)
        public_share = await share.client.post(
            "/s/create", json={"piece_number": 1}, headers=ada_auth
        )
        private_share = await share.client.post(
            "/s/create", json={"piece_number": 1}, headers=bob_auth
        )
        # Act
        response = await share.client.get("/sitemap.xml")
        locs = _locs(response.text)
        # Assert
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/xml")
        assert f"{BASE_URL}/public" in locs
        assert f"{BASE_URL}/public/{ada.id}/piece_000001" in locs
        assert f"{BASE_URL}/public/{ada.id}/piece_000002" in locs
        assert public_share.json()["url"] in locs
        assert private_share.json()["url"] not in locs
        assert not any(str(bob.id) in loc for loc in locs)
        assert all(loc.startswith(BASE_URL + "/") for loc in locs)

    def test_urls_are_escaped_and_capped(self) -> None:
        """Special characters are XML-escaped; at most 50,000 URLs are written."""
        # Arrange
        urls = [SitemapUrl("https://x.example/a?b=1&c=<2>", datetime(2030, 1, 2, tzinfo=UTC))]
        urls += [SitemapUrl(f"https://x.example/{i}") for i in range(MAX_SITEMAP_URLS + 10)]
        # Act
        xml = sitemap_xml(urls)
        # Assert
        locs = _locs(xml)
        assert locs[0] == "https://x.example/a?b=1&c=<2>"
        assert len(locs) == MAX_SITEMAP_URLS
        assert "<lastmod>2030-01-02</lastmod>" in xml


class TestRobots:
    async def test_robots_points_at_the_sitemap_and_hides_private_areas(
        self, share: ShareEnv
    ) -> None:
        """Allow the site, disallow private API areas, absolute Sitemap line."""
        # Arrange / Act
        response = await share.client.get("/robots.txt")
        # Assert
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        lines = response.text.splitlines()
        assert "User-agent: *" in lines
        assert f"Sitemap: {BASE_URL}/sitemap.xml" in lines
        assert "Disallow: /auth/" in lines and "Disallow: /settings/" in lines
        assert "Disallow: /public" not in response.text
        assert "Disallow: /s/" not in lines

    def test_trailing_slash_in_base_url(self) -> None:
        """No double slash when the configured base URL ends with '/'."""
        # Arrange / Act
        text = robots_txt("https://x.example/")
        # Assert
        assert "Sitemap: https://x.example/sitemap.xml" in text
