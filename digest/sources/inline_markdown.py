"""Inline Markdown of ChangeLog.md lines (`**bold**`, `` `code` ``): plain text or safe HTML.

ChangeLog.md lines carry bold component names and code spans. Drafts and TM keys want the
plain words; the site renders bold and code as HTML and escapes everything else, so no other
markup (links, raw HTML, emphasis) of upstream text is ever interpreted.
"""

from __future__ import annotations

import re

from markupsafe import escape

_CODE = re.compile(r"(`+)(.+?)\1", re.S)
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.S)  # not __x__: __init__ is a name


def plain_text(text: str) -> str:
    """The words of an inline-Markdown line: code spans and bold markers removed."""
    parts = []
    for is_code, chunk in _split_code(text):
        parts.append(chunk if is_code else _BOLD.sub(lambda m: m.group(1), chunk))
    return "".join(parts)


def code_spans(text: str) -> list[str]:
    """The contents of the line's code spans, in order."""
    return [chunk for is_code, chunk in _split_code(text) if is_code]


def inline_html(text: str) -> str:
    """Bold and code spans as <strong> and <code>; everything else HTML-escaped."""
    parts = []
    for is_code, chunk in _split_code(text):
        if is_code:
            parts.append(f"<code>{_escape(chunk)}</code>")
        else:
            parts.append(_bold_html(chunk))
    return "".join(parts)


def _bold_html(text: str) -> str:
    out, last = [], 0
    for match in _BOLD.finditer(text):
        out.append(_escape(text[last : match.start()]))
        out.append(f"<strong>{_escape(match.group(1))}</strong>")
        last = match.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def _split_code(text: str) -> list[tuple[bool, str]]:
    """(is a code span, text) pieces in order; code spans lose their backticks."""
    pieces, last = [], 0
    for match in _CODE.finditer(text):
        pieces.append((False, text[last : match.start()]))
        pieces.append((True, match.group(2).strip() or match.group(2)))
        last = match.end()
    pieces.append((False, text[last:]))
    return [(code, chunk) for code, chunk in pieces if chunk]


def _escape(text: str) -> str:
    """HTML-escaped as Jinja escapes (quotes as &#39; and &#34;)."""
    return str(escape(text))
