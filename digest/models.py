"""Records passed between the pipeline stages (frozen dataclasses, no behaviour)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FileChange:
    """One path touched by a commit; counts are None for binary files or missing blobs."""

    path: str
    added: int | None
    deleted: int | None


@dataclass(frozen=True)
class Commit:
    """One changeset read from git."""

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

    @property
    def subject(self) -> str:
        """First line of the message."""
        return self.message.split("\n", 1)[0].strip()


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


@dataclass(frozen=True)
class ChangelogSection:
    """One release section of a ChangeLog file."""

    version: str
    raw_version: str
    date: str | None
    line: int
    entries: tuple[ChangelogEntry, ...] = field(default_factory=tuple)
