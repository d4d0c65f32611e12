"""The one link writer of a draft: http(s) only, percent-encoded so Markdown and Liquid stay out.

Every URL a post links to (commits, ChangeLogs, announcements, feeds, mail) passes `safe_url`:
another scheme, no host, user info or a host with odd characters drops the link (the text stays,
unlinked); anything in the path, query or fragment outside RFC 3986's unreserved and safe
delimiters (spaces, `<>"`, parentheses, brackets, braces, backslash, non-ASCII) is
percent-encoded, and a `%` that starts no escape becomes `%25`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

_SCHEMES = ("http", "https")
_HOST = re.compile(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?")
_SAFE = "-._~:/?#@!$&'*+,;=%"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def safe_url(url: str | None) -> str | None:
    """The URL made safe to write in a Markdown link, or None when it must not be linked."""
    url = (url or "").strip()
    if not url or any(ord(c) < 0x20 or c == "\x7f" for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES or not _HOST.fullmatch(parts.netloc) or not parts.hostname:
        return None
    path, query, fragment = (_encode(p) for p in (parts.path, parts.query, parts.fragment))
    return urlunsplit((scheme, parts.netloc.lower(), path, query, fragment))


def markdown_link(text: str, url: str | None) -> str:
    """`[text](url)` when the URL is safe, else the (already escaped) text alone."""
    safe = safe_url(url)
    return f"[{text}]({safe})" if safe else text


def _encode(part: str) -> str:
    return quote(_LONE_PERCENT.sub("%25", part), safe=_SAFE)
