"""Parse digest posts and edited drafts into (English line, editor's Japanese) pairs.

Format (the published reference posts and digest drafts alike):

    <!-- digest:entry id=ab12 src="High: PE: Ensure ..." state=machine -->   (optional)
    [PE: Ensure role is preserved for unmanaged resources](https://.../rev/8cc670a4c363)
    Japanese explanation, one or more lines ...

A change link is a Markdown link whose URL points at a changeset (…/rev/<hex>, …/commit/<hex>,
…/changeset/<hex>, ?h=<hex>). Its text may span a line break. Links that follow each other with
only whitespace between them share the explanation after the last one. The explanation runs from
the end of the link to a blank line, the next change link, a heading, a bold-only line
(`**…**`), a rule or a `<pre>` block; links inside it are reduced to their text and HTML tags
and `**` dropped. A hidden `digest:entry` comment before a link gives the entry's id, its exact
source line (`src`, used instead of the link text) and its review state.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

_LINK = re.compile(r"\[((?:[^\[\]\\]|\\.)+?)\]\((\S+?)\)", re.S)
_CHANGESET = re.compile(
    r"/(?:rev|commit|commits|changeset|changes|c)/[0-9a-f]{7,40}\b|[?&;](?:h|id)=[0-9a-f]{7,40}\b"
)
_COMMENT = re.compile(r"<!--\s*digest:entry\b(?P<attrs>.*?)-->", re.S)
_ATTR = re.compile(r"(\w+)=(?:\"((?:[^\"\\]|\\.)*)\"|(\S+))")
_STOP = re.compile(r"^\s*(?:$|#|\*\*.*\*\*\s*$|\* \* \*|---|<pre|<!--)")
_TAG = re.compile(r"<[^>]+>")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)


@dataclass(frozen=True)
class PostEntry:
    """One change link of a post with the Japanese that explains it."""

    source: str
    text: str
    url: str
    line: int
    group: int
    entry_id: str | None = None
    state: str | None = None


def parse_post(text: str) -> Iterator[PostEntry]:
    """Every change link of a post or draft with its explanation, in document order."""
    body = _FRONT_MATTER.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    links = [m for m in _LINK.finditer(body) if _CHANGESET.search(m.group(2))]
    group: list[tuple[re.Match[str], dict[str, str]]] = []
    number = 0
    for index, match in enumerate(links):
        group.append((match, _comment_before(body, match, links[index - 1] if index else None)))
        nxt = links[index + 1] if index + 1 < len(links) else None
        if nxt is not None and not body[match.end() : nxt.start()].strip(" \t\n"):
            continue
        if nxt is not None and _only_comment(body[match.end() : nxt.start()]):
            continue
        explanation = _explanation(body, match.end(), nxt.start() if nxt else len(body))
        for link, attrs in group:
            yield _entry(body, link, attrs, explanation, number)
        group, number = [], number + 1


def _entry(
    body: str, link: re.Match[str], attrs: dict[str, str], text: str, group: int
) -> PostEntry:
    source = attrs.get("src") or " ".join(link.group(1).split())
    return PostEntry(
        source=html.unescape(source).strip(),
        text=text,
        url=link.group(2),
        line=body.count("\n", 0, link.start()) + 1,
        group=group,
        entry_id=attrs.get("id"),
        state=attrs.get("state"),
    )


def _only_comment(gap: str) -> bool:
    return not _COMMENT.sub("", gap).strip()


def _comment_before(body: str, link: re.Match[str], prev: re.Match[str] | None) -> dict[str, str]:
    start = prev.end() if prev else 0
    comments = list(_COMMENT.finditer(body, start, link.start()))
    if not comments or body[comments[-1].end() : link.start()].strip():
        return {}
    attrs = {}
    for m in _ATTR.finditer(comments[-1].group("attrs")):
        value = m.group(2) if m.group(2) is not None else m.group(3)
        attrs[m.group(1)] = re.sub(r"\\(.)", r"\1", value)
    return attrs


def _explanation(body: str, start: int, end: int) -> str:
    lines: list[str] = []
    for number, line in enumerate(body[start:end].split("\n")):
        if number > 0 and _STOP.match(line):
            break
        text = _plain(line)
        if text:
            lines.append(text)
        elif number > 0:
            break
    return "\n".join(lines)


def _plain(line: str) -> str:
    line = _LINK.sub(lambda m: m.group(1), line)
    line = _TAG.sub("", line).replace("**", "")
    return html.unescape(line).strip()
