"""A bounded crawl of the pages a signed-in person can reach by following links, as a browser would.

Server-rendered pages, so Django's test client is the browser: every <a href> of every page reached is
followed (same site only), redirects too. Used to find dead ends and to read every page's visible text.
"""

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from django.test import Client

# Links that leave the product, sign out, change the language or open Django's own admin.
SKIPPED_PREFIXES = ("/accounts/logout", "/i18n/", "/admin/", "/static/", "/media/")
HTML = "text/html"


class _Page(HTMLParser):
    """The links of a page and its visible text (no tags, no attributes, no script or style)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.text.append(data.strip())


def page_parse(html: str) -> tuple[list[str], str]:
    parser = _Page()
    parser.feed(html)
    return parser.links, " ".join(parser.text)


@dataclass
class Visit:
    url: str
    status: int
    came_from: str
    text: str = ""


@dataclass
class Crawl:
    visits: list[Visit] = field(default_factory=list)

    def broken(self) -> list[str]:
        return [
            f"{v.status} {v.url} (linked from {v.came_from})"
            for v in self.visits
            if v.status in (403, 404) or v.status >= 500
        ]


def _shape(url: str) -> str:
    """Pages that differ only by the values of their query (periods, filters, pages) count as one."""
    parts = urlsplit(url)
    return parts.path + "?" + "&".join(sorted({k for k, _ in parse_qsl(parts.query)}))


def crawl(client: Client, starts: list[str], *, limit: int = 150) -> Crawl:
    """Breadth first from `starts`, at most `limit` page shapes; every status and visible text kept."""
    result = Crawl()
    queue = deque((start, "(start)") for start in starts)
    seen: set[str] = set()
    while queue and len(seen) < limit:
        url, came_from = queue.popleft()
        if _shape(url) in seen:
            continue
        seen.add(_shape(url))
        response = client.get(url)
        visit = Visit(url=url, status=response.status_code, came_from=came_from)
        result.visits.append(visit)
        if response.status_code in (301, 302, 303, 307, 308):
            queue.append((urljoin(url, response["Location"]), url))
            continue
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(HTML):
            continue
        links, visit.text = page_parse(response.content.decode())
        for href in links:
            target = urldefrag(urljoin(url, href)).url
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            if parts.path.startswith(SKIPPED_PREFIXES):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            queue.append((local, url))
    return result
