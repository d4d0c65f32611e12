"""Markdown -> safe HTML, and the link policy: only http(s) URLs leave this module.

Posts are editor-approved but quote upstream text, so their raw HTML is allowed and then
sanitised (nh3 / ammonia): a safelist of tags and attributes, `<script>`/`<style>` dropped with
their content, comments (the hidden `<!-- digest:... -->` notes) removed, `style` reduced to a
few harmless properties, and every href/src kept only when it is http(s). A scheme-less link
(`/wp/archives/2468`, `img.png`) is made absolute against the site's base URL when one is
given, and dropped (its text kept) otherwise; `#fragment` links stay. Markdown links with any
other scheme (`javascript:`, `data:`, `file:` ...) are not turned into links at all.

A line break inside a paragraph is kept (`<br>`), as the WordPress-era posts expect: a
Japanese explanation starts on the line after its changeset link, and joining the lines with
a space would put stray spaces between Japanese words.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

import nh3
from markdown_it import MarkdownIt

SAFE_SCHEMES = frozenset({"http", "https"})
TAGS = frozenset(nh3.ALLOWED_TAGS) - {"area", "map"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": {"lang", "title", "style"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "time": {"datetime"},
}
STYLE_PROPERTIES = frozenset(
    {"color", "background-color", "font-weight", "font-style", "text-decoration", "text-align"}
)
_URL_ATTRIBUTES = {("a", "href"), ("img", "src")}
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_TAG = re.compile(r"<[^>]*>")
# WordPress-era posts wrap a horizontal rule in bold markers: "**", "* * *", "**" on lines of
# their own (blank lines between); rendered as is they show stray "**" around the rule.
_WORDPRESS_RULE = re.compile(
    r"^\*\*[ \t]*\n(?:[ \t]*\n)*[ \t]*(\* \* \*|\*{3,}|-{3,})[ \t]*\n(?:[ \t]*\n)*\*\*[ \t]*$",
    re.MULTILINE,
)


def safe_url(url: str | None) -> str | None:
    """The URL itself when it is an absolute http(s) URL with a host, else None."""
    if not url:
        return None
    url = url.strip()
    if _CONTROL.search(url.replace(" ", "")):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.hostname:
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def has_scheme(url: str) -> bool:
    """Whether a URL names a scheme (or is protocol-relative), i.e. is not a plain path."""
    return bool(urlsplit(url).scheme) or url.startswith("//")


@dataclass
class Rendered:
    """The HTML of a Markdown text and the links that were dropped from it (url, reason)."""

    html: str
    dropped: list[tuple[str, str]] = field(default_factory=list)


class Markdown:
    """CommonMark (+ tables, strikethrough) with raw HTML, sanitised; one per site build."""

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = safe_url(base_url)
        self.md = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(
            ["table", "strikethrough"]
        )
        self.md.validateLink = self._valid_link  # type: ignore[method-assign]

    def render(self, text: str) -> Rendered:
        """Safe HTML for a Markdown text."""
        dropped: list[tuple[str, str]] = []
        text = _WORDPRESS_RULE.sub("\n\n* * *\n\n", text)

        def keep(tag: str, attr: str, value: str) -> str | None:
            if (tag, attr) not in _URL_ATTRIBUTES:
                return value
            return self._resolve(html.unescape(value), dropped)

        cleaned = nh3.clean(
            self.md.render(text),
            tags=set(TAGS),
            attributes=ATTRIBUTES,
            attribute_filter=keep,
            url_schemes=set(SAFE_SCHEMES),
            strip_comments=True,
            link_rel="noopener noreferrer",
            filter_style_properties=set(STYLE_PROPERTIES),
            set_tag_attribute_values={"img": {"loading": "lazy"}},
        )
        return Rendered(cleaned, list(dict.fromkeys(dropped)))

    def _valid_link(self, url: str) -> bool:
        scheme = urlsplit(url.strip()).scheme.lower()
        return not scheme or scheme in SAFE_SCHEMES

    def _resolve(self, url: str, dropped: list[tuple[str, str]]) -> str | None:
        url = url.strip()
        if url.startswith("#") and len(url) > 1:
            return url
        if safe_url(url):
            return safe_url(url)
        if has_scheme(url) and not url.startswith("//"):
            dropped.append((url, "not an http(s) link"))
            return None
        if self.base_url:
            absolute = safe_url(urljoin(self.base_url, url))
            if absolute:
                return absolute
        dropped.append((url, "relative link with no --base-url to resolve it"))
        return None


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def excerpt(fragment: str, limit: int = 120) -> str:
    """The first `limit` characters of an HTML fragment's text, with an ellipsis if cut."""
    text = plain_text(fragment)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
