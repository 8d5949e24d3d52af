"""Web pages into the knowledge folder: `python ingest.py --add-url URL`.

The page is saved as an HTML file under `knowledge/web/` (the same URL always gets the same
file name), then the normal ingest takes it up, so idempotency, crash safety and the bad-file
rules stay exactly those of local files. Machines without internet get a clear message.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import httpx

TIMEOUT_S = 15.0
_UNSAFE = re.compile(r"[^a-zA-Z0-9]+")


class FetchError(RuntimeError):
    """A page that could not be downloaded; the message says why and what to do instead."""


def page_file(knowledge_dir: Path, url: str) -> Path:
    parsed = urlparse(url)
    stem = _UNSAFE.sub("-", f"{parsed.netloc}{parsed.path}".strip("/")).strip("-").lower()[:120] or "page"
    return knowledge_dir / "web" / f"{stem}.html"


def add_url(url: str, knowledge_dir: Path, max_bytes: int) -> Path:
    """Download `url` (HTML only) into the knowledge folder; returns the file written."""
    if urlparse(url).scheme not in ("http", "https"):
        raise FetchError(f"{url} is not an http(s) URL.")
    try:
        with httpx.Client(follow_redirects=True, timeout=TIMEOUT_S) as client:
            response = client.get(url, headers={"User-Agent": "TikTok-Berater ingest"})
    except httpx.HTTPError as exc:
        raise FetchError(
            f"Could not fetch {url}: {exc.__class__.__name__}. This machine may have no internet access; "
            "save the page as .html into the knowledge folder instead."
        ) from None
    if response.status_code != 200:
        raise FetchError(f"Could not fetch {url}: the server answered HTTP {response.status_code}.")
    kind = response.headers.get("content-type", "")
    if "html" not in kind:
        raise FetchError(
            f"{url} is {kind or 'of unknown type'}, not an HTML page; save it into the knowledge folder instead."
        )
    if len(response.content) > max_bytes:
        raise FetchError(f"{url} is too large ({len(response.content):,} bytes, limit {max_bytes:,}).")
    page = response.text
    if 'rel="canonical"' not in page:  # so the answers cite the page's address, not a file name
        page = page.replace("<head>", f'<head><link rel="canonical" href="{response.url!s}">', 1)
    target = page_file(knowledge_dir, url)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target
