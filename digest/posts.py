"""The digest post format: one reader for drafts, the translation memory and the site.

A post is a Jekyll file: YAML front matter between `---` fences, then Markdown.
`read_posts`/`read_post` give the front matter and body (the site); broken ones are reported
by file:line. `explained_changes` gives every change link with the Japanese explaining it (the
TM learns from it; a regenerated draft finds the editor's edits with it).

Change links (the published reference posts and digest drafts alike):

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
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from digest.errors import ParseError

# -- front matter and body ------------------------------------------------------------------

POST_SUFFIXES = (".md", ".markdown")
_FENCE = re.compile(r"^---\s*$")
_END = re.compile(r"^(?:---|\.\.\.)\s*$")
_FILE_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})-(.+)$")


@dataclass(frozen=True)
class Post:
    """One post: its metadata from the front matter and its Markdown body."""

    source: Path
    stem: str
    title: str
    date: datetime
    body: str
    body_line: int
    author: str | None = None
    updated: datetime | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    digest_month: str | None = None  # front matter digest_month (YYYY-MM), if given

    @property
    def day(self) -> str:
        """The publication day as written (YYYY-MM-DD)."""
        return self.date.date().isoformat()

    @property
    def month(self) -> str:
        """The publication month (YYYY-MM)."""
        return self.day[:7]


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input file, at a line."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def post_files(posts_dir: Path) -> list[Path]:
    """The post files of a directory (recursively, hidden files and folders left out)."""
    found = [
        p
        for p in posts_dir.rglob("*")
        if p.suffix in POST_SUFFIXES
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(posts_dir).parts)
    ]
    return sorted(found)


def read_posts(posts_dir: Path) -> tuple[list[Post], list[Problem], int]:
    """Every readable, published post (oldest first), the problems found, and how many were
    left unpublished (`published: false`)."""
    posts: list[Post] = []
    problems: list[Problem] = []
    unpublished = 0
    for path in post_files(posts_dir):
        try:
            post = read_post(path.read_text(encoding="utf-8"), path)
        except ParseError as exc:
            problems.append(Problem(path, getattr(exc, "line", 1), str(exc)))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(path, 1, f"cannot read: {exc}"))
            continue
        if post is None:
            unpublished += 1
        else:
            posts.append(post)
    posts.sort(key=lambda p: (p.date, p.stem))
    return posts, problems, unpublished


class PostError(ParseError):
    """A post that cannot be read, with the line that is wrong."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def read_post(text: str, path: Path) -> Post | None:
    """One post from its text (None when `published: false`); PostError names the line."""
    lines = text.lstrip("\ufeff").split("\n")
    if not lines or not _FENCE.match(lines[0]):
        raise PostError(1, "no front matter (a post starts with a '---' line)")
    end = next((i for i in range(1, len(lines)) if _END.match(lines[i])), None)
    if end is None:
        raise PostError(1, "front matter is not closed (no second '---' line)")
    meta = _load_yaml("\n".join(lines[1:end]))
    if meta.get("published") is False:
        return None
    stem, file_day = _split_name(path)
    found = _field_line(lines, end)
    post_date = _date(meta.get("date", file_day), found("date"))
    updated = meta.get("last_modified_at", meta.get("updated"))
    return Post(
        source=path,
        stem=stem,
        title=_text(meta.get("title", stem), "title", found("title")),
        date=post_date,
        body="\n".join(lines[end + 1 :]),
        body_line=end + 2,
        author=_optional_text(meta.get("author"), "author", found("author")),
        updated=_date(updated, found("updated")) if updated else None,
        categories=_words(meta.get("categories"), "categories", found("categories")),
        tags=_words(meta.get("tags"), "tags", found("tags")),
        digest_month=_month(meta.get("digest_month")),
    )


def _month(value: Any) -> str | None:
    """A YYYY-MM month from the front matter (YAML may have read it as a date), else None."""
    text = str(value)[:7] if value is not None else ""
    return text if re.fullmatch(r"\d{4}-(?:0[1-9]|1[0-2])", text) else None


def _load_yaml(text: str) -> dict[str, Any]:
    try:
        meta = yaml.safe_load(text) if text.strip() else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 2
        raise PostError(line, f"front matter: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise PostError(2, f"front matter: {exc}") from exc
    if not isinstance(meta, dict):
        raise PostError(2, "front matter is not a mapping of 'key: value' lines")
    return meta


def _split_name(path: Path) -> tuple[str, str | None]:
    match = _FILE_DATE.match(path.stem)
    return path.stem, (match.group(1) if match else None)


def _field_line(lines: list[str], end: int) -> Any:
    def find(key: str) -> int:
        pattern = re.compile(rf"^{re.escape(key)}\s*:")
        return next((i + 1 for i in range(1, end) if pattern.match(lines[i])), 1)

    return find


def _date(value: Any, line: int) -> datetime:
    if value is None:
        raise PostError(1, "no date (neither a 'date:' line nor a YYYY-MM-DD- file name)")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise PostError(line, f"date: '{value}' is not a date (YYYY-MM-DD [HH:MM:SS])") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(value: Any, key: str, line: int) -> str:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise PostError(line, f"{key}: expected text, got {type(value).__name__}")


def _optional_text(value: Any, key: str, line: int) -> str | None:
    return None if value is None else _text(value, key, line)


def _words(value: Any, key: str, line: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list):
        return tuple(_text(item, key, line) for item in value)
    raise PostError(line, f"{key}: expected a list or a word, got {type(value).__name__}")


def iter_months(posts: list[Post]) -> Iterator[tuple[str, list[Post]]]:
    """Posts grouped by month, newest month (and newest post) first."""
    months: dict[str, list[Post]] = {}
    for post in sorted(posts, key=lambda p: (p.date, p.stem), reverse=True):
        months.setdefault(post.month, []).append(post)
    yield from months.items()


def digest_month(post: Post) -> str:
    """The front matter's digest_month, else the month before publication (posted early on)."""
    if post.digest_month:
        return post.digest_month
    year, month = int(post.month[:4]), int(post.month[5:7])
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


# -- change links and their explanations ----------------------------------------------------

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
class ExplainedChange:
    """One change link of a post with the Japanese that explains it."""

    source: str
    text: str
    url: str
    line: int
    group: int
    entry_id: str | None = None
    state: str | None = None


def explained_changes(text: str) -> Iterator[ExplainedChange]:
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
) -> ExplainedChange:
    source = attrs.get("src") or " ".join(link.group(1).split())
    return ExplainedChange(
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
