"""The Atom feed of the digests and the sitemap, built with ElementTree (always well-formed)."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_PATH = "feed.xml"
SITEMAP_PATH = "sitemap.xml"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/linux-ha-japan/digest/posts")


@dataclass(frozen=True)
class FeedEntry:
    """One digest as the feed presents it."""

    key: str
    title: str
    path: str
    published: datetime
    updated: datetime
    author: str | None
    categories: tuple[str, ...]
    summary: str
    content: str


def stable_id(key: str) -> str:
    """A permanent entry id that does not depend on where the site is published."""
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, key)}"


def atom_feed(
    entries: list[FeedEntry], *, title: str, lang: str, base_url: str | None, index: str
) -> bytes:
    """An Atom 1.0 document of the entries (newest first); links are relative without a base."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: lang})
    _text(feed, "title", title)
    _text(feed, "id", stable_id(f"feed:{title}"))
    newest = max((e.updated for e in entries), default=datetime(2000, 1, 1, tzinfo=UTC))
    _text(feed, "updated", newest.isoformat())
    _link(feed, "self", _href(FEED_PATH, base_url), "application/atom+xml")
    _link(feed, "alternate", _href(index, base_url), "text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", title)
    _text(feed, "generator", "digest")
    for entry in entries:
        _entry(feed, entry, base_url)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(feed: ET.Element, entry: FeedEntry, base_url: str | None) -> None:
    node = ET.SubElement(feed, f"{{{ATOM}}}entry")
    _text(node, "title", entry.title)
    _text(node, "id", stable_id(entry.key))
    _link(node, "alternate", _href(entry.path, base_url), "text/html")
    _text(node, "published", entry.published.isoformat())
    _text(node, "updated", entry.updated.isoformat())
    if entry.author:
        author = ET.SubElement(node, f"{{{ATOM}}}author")
        _text(author, "name", entry.author)
    for term in entry.categories:
        ET.SubElement(node, f"{{{ATOM}}}category", {"term": term})
    _text(node, "summary", entry.summary)
    content = _text(node, "content", entry.content)
    content.set("type", "html")


def sitemap(pages: list[tuple[str, str | None]], base_url: str | None) -> bytes:
    """A sitemap of (site path, last modified day) pairs; relative locations without a base."""
    ET.register_namespace("", SITEMAP)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    for path, day in pages:
        url = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = _NOT_XML.sub("", _href(path, base_url))
        if day:
            ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = day
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _href(path: str, base_url: str | None) -> str:
    return urljoin(base_url, path) if base_url else path


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    node.text = _NOT_XML.sub("", text)
    return node


def _link(parent: ET.Element, rel: str, href: str, kind: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", {"rel": rel, "href": href, "type": kind})
