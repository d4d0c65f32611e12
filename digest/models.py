"""Records passed between the pipeline stages (frozen dataclasses, named tuples; no logic)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class FileChange(NamedTuple):
    """One path touched by a commit; counts are None for binary files or missing blobs.

    The field order is the stored one: a commit's files are kept as JSON [added, deleted, path].
    """

    added: int | None
    deleted: int | None
    path: str


class Commit(NamedTuple):
    """One changeset read from git (a named tuple: tens of thousands are made per fetch)."""

    sha: str
    parents: tuple[str, ...]
    author: str
    author_email: str
    author_date: str
    committer: str
    committer_email: str
    commit_date: str
    message: str
    files: tuple[FileChange, ...] = ()
    hg_rev: str | None = None  # the Mercurial revision it was converted from, if cited
    backport_of: str | None = None  # the sha it was transplanted or cherry-picked from

    @property
    def subject(self) -> str:
        """First line of the message."""
        return self.message.split("\n", 1)[0].strip()


def split_message(message: str) -> tuple[str, str]:
    """A commit message's subject (first line) and body, as stored: both stripped."""
    subject, _, body = message.partition("\n")
    return subject.strip(), body.strip()


@dataclass(frozen=True)
class Release:
    """A release found from a tag or a release commit."""

    project: str
    version: str
    commit: str
    date: str
    tag: str | None = None
    is_rc: bool = False


@dataclass(frozen=True)
class ChangelogEntry:
    """One item of a release section in a ChangeLog file."""

    position: int
    text: str
    raw: str
    severity: str | None = None
    component: str | None = None
    category: str | None = None
    kind: str | None = None
    parent: int | None = None


@dataclass(frozen=True)
class ChangelogSection:
    """One release section of a ChangeLog file."""

    version: str
    raw_version: str
    date: str | None
    line: int
    entries: tuple[ChangelogEntry, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Message:
    """One mail read from a list archive or an mbox file (text already decoded and cleaned)."""

    message_id: str
    subject: str
    sender: str
    date: str
    in_reply_to: str | None
    references: tuple[str, ...]
    body: str
    synthetic_id: bool = False
    url: str | None = None


@dataclass(frozen=True)
class FeedEntry:
    """One entry of an Atom/RSS feed."""

    entry_id: str
    title: str
    link: str | None
    published: str | None
    updated: str | None
    summary: str
