"""Atom/RSS feeds (GitHub releases.atom, project blogs) via feedparser.

`parse_feed` is pure: bytes in, `FeedEntry` records out. Entries are keyed by their id (else
link, else a hash of title and date) and dated by `published`, else `updated`. HTML content is
reduced to text with list items kept as "- " lines, so release notes read like announcements.
"""

from __future__ import annotations

import calendar
import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

import feedparser

from digest.errors import ParseError
from digest.models import FeedEntry
from digest.sources.http import HttpClient, Response, Validators
from digest.sources.mail import clean_text

_BLOCKS = {"p", "div", "br", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}


def parse_feed(data: bytes, *, url: str) -> Iterator[FeedEntry]:
    """The entries of an Atom or RSS document; ParseError names the URL when it is no feed."""
    parsed = feedparser.parse(data, response_headers={"content-location": url})
    if parsed.bozo and not parsed.entries:
        reason = parsed.get("bozo_exception") or "not an Atom/RSS document"
        raise ParseError(f"{url}: cannot parse feed: {reason}")
    if not parsed.entries and not parsed.feed:
        raise ParseError(f"{url}: cannot parse feed: not an Atom/RSS document")
    for entry in parsed.entries:
        yield _entry(entry)


def _entry(entry: Any) -> FeedEntry:
    title = clean_text(" ".join(str(entry.get("title", "")).split()))
    link = entry.get("link") or None
    published = _stamp(entry.get("published_parsed"))
    # Ask only for a real `updated` (feedparser would otherwise alias it to `published`).
    updated = _stamp(dict.get(entry, "updated_parsed"))
    contents = entry.get("content") or []
    markup = contents[0].get("value", "") if contents else entry.get("summary", "")
    summary = clean_text(html_to_text(str(markup or "")))
    key = entry.get("id") or link
    if not key:
        seed = f"{title}\0{published or updated or ''}\0{summary[:200]}"
        key = "sha1:" + hashlib.sha1(seed.encode()).hexdigest()[:24]
    return FeedEntry(
        entry_id=str(key),
        title=title,
        link=link,
        published=published or updated,
        updated=updated,
        summary=summary,
    )


def _stamp(parts: time.struct_time | None) -> str | None:
    if not parts:
        return None
    return datetime.fromtimestamp(calendar.timegm(parts), UTC).isoformat()


class _TextExtractor(HTMLParser):
    """HTML to plain text: blocks become lines, list items become "- " bullets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in _BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS or tag == "li":
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    """Readable text of an HTML fragment, one block or list item per line."""
    if "<" not in markup:
        return markup.strip()
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.out).split("\n"))
    return "\n".join(line for line in lines if line)


def fetch_feed(
    client: HttpClient, url: str, *, label: str, validators: Validators | None = None
) -> tuple[Response, list[FeedEntry]]:
    """Download a feed conditionally; a 304 gives no entries and costs no parsing."""
    response = client.get(url, label=label, validators=validators)
    if response.not_modified:
        return response, []
    try:
        return response, list(parse_feed(response.content, url=url))
    except ParseError as exc:
        raise ParseError(f"{label}: {exc}") from exc
