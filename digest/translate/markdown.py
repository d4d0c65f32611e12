"""Machine Japanese written into Markdown as a reader should see it, and read back.

No HTML entities: `>=`, `<`, `&` stay as typed unless Markdown would take them for markup, in
which case a backslash escape is used (`\\<tag`, `\\&name;`, a `>` or `#` opening a line).
`*`, `[` and `]` are always escaped, `_` unless it sits inside a word (`crm_mon`). Code spans
kept from the English (`` `crm_resource --move` ``) stay code spans, unescaped. A line whose
translation needs review gets a short visible marker the editor sees in the draft.
"""

from __future__ import annotations

import re
from collections.abc import Callable

REVIEW_MARK = "（要確認）"
_ALWAYS = re.compile(r"([\\*\[\]])")
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^(\s*)([>#])", re.M)
_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CODE_SPAN = re.compile(r"(`+)[^`\n]+?\1")


def to_markdown(text: str) -> str:
    """Escape what Markdown would read as markup; everything else stays as the reader sees it."""
    return _outside_code(text, _escape)


def _escape(text: str) -> str:
    text = _ALWAYS.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _TAG_OPEN.sub(r"\\<", text)
    text = _ENTITY.sub(r"\\&", text)
    return _LINE_START.sub(r"\1\\\2", text)


def from_markdown(text: str) -> str:
    """Undo to_markdown's backslash escapes and drop the review marker (for TM harvesting)."""
    text = _outside_code(text, lambda chunk: _UNESCAPE.sub(r"\1", chunk))
    lines = [line.removesuffix(REVIEW_MARK) for line in text.split("\n")]
    return "\n".join(lines)


def _outside_code(text: str, change: Callable[[str], str]) -> str:
    """Apply `change` to the text outside code spans; code spans are left as written."""
    out, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        out += [change(text[last : match.start()]), match.group(0)]
        last = match.end()
    return "".join([*out, change(text[last:])])


def keep_code_spans(spans: list[str], text: str) -> str:
    """Put back the backticks of the English code spans around their verbatim copies."""
    for span in spans:
        if f"`{span}`" in text:
            continue
        found = re.search(rf"(?<![A-Za-z0-9_`-]){re.escape(span)}(?![A-Za-z0-9_`-])", text)
        if found is not None:
            text = f"{text[: found.start()]}`{span}`{text[found.end() :]}"
    return text


def draft_text(text: str, state: str) -> str:
    """A translation as the draft shows it: Markdown-escaped, marked when it needs review."""
    mark = REVIEW_MARK if state == "needs_review" else ""
    return to_markdown(text) + mark
