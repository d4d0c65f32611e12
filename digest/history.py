"""A project's commit graph, subjects and ChangeLog edits, gathered while its commits stream in.

A first fetch records them from the stream, so releases and ChangeLog links need no second read
of the commits; later fetches load them from the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlite_utils import Database

from digest import store
from digest.linking import SubjectIndex
from digest.models import Commit
from digest.reach import Reach


@dataclass
class History:
    """Parents, subject and commit date of every commit; the non-merge ChangeLog edits.

    Given a Reach (a first fetch, releases all tagged), each commit's first release and each
    release's range are worked out as the commits arrive too, and on_newest_edit hears of each
    range's newest ChangeLog edit as it changes (to read that ChangeLog ahead).

    The subjects are indexed for linking ChangeLog entries: while the commits stream in (which
    costs nothing, the stream waits for git anyway), else when the index is first asked for.
    """

    changelogs: frozenset[str] = frozenset()
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    edits: dict[str, str] = field(default_factory=dict)
    reach: Reach | None = None
    on_newest_edit: Callable[[str, str], None] | None = None
    _index: SubjectIndex | None = None
    _newest_edit: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def index(self) -> SubjectIndex:
        """The subjects, indexed newest first."""
        if self._index is None:
            self._index = SubjectIndex(self.subjects.items())
        return self._index

    def recording(self, commits: Iterable[Commit]) -> Iterator[Commit]:
        """Pass commits through, recording and indexing each one."""
        index = self.index
        for commit in commits:
            sha, subject = commit.sha, commit.subject
            self.parents[sha] = commit.parents
            ranges = self.reach.add(sha, commit.parents) if self.reach is not None else []
            self.subjects[sha] = subject
            index.add(sha, subject)
            self.dates[sha] = commit.commit_date
            if len(commit.parents) < 2 and any(f.path in self.changelogs for f in commit.files):
                self.edits[sha] = commit.commit_date
                self._note_edit(sha, commit.commit_date, ranges)
            yield commit

    def _note_edit(self, sha: str, date: str, ranges: list[str]) -> None:
        """Report each release range whose newest ChangeLog edit this commit now is."""
        for version in ranges:
            if (date, sha) > self._newest_edit.get(version, ("", "")):
                self._newest_edit[version] = (date, sha)
                if self.on_newest_edit is not None:
                    self.on_newest_edit(version, sha)


def load_history(db: Database, project: str, changelogs: Iterable[str]) -> History:
    """The stored history of a project (indexed only when the index is used)."""
    history = History(frozenset(changelogs))
    for sha, parents, subject, date in store.commit_graph(db, project):
        history.parents[sha] = parents
        history.subjects[sha] = subject
        history.dates[sha] = date
    history.edits = store.commits_touching(db, project, sorted(history.changelogs))
    return history
