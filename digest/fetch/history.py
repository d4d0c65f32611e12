"""A project's commit graph, subjects and ChangeLog edits, gathered while its commits stream in.

A first fetch records them from the stream, so releases and ChangeLog links need no second read
of the commits; later fetches load them from the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlite_utils import Database

from digest import store
from digest.fetch.containment import StreamingContainment
from digest.fetch.matching import SubjectIndex
from digest.models import Commit

PULL_REQUEST = "Merge pull request #"


@dataclass
class History:
    """Parents, subject, body and commit date of every commit; the non-merge ChangeLog edits.

    Given a StreamingContainment (a first fetch, releases all tagged), each commit's first
    release and each release's range are worked out as the commits arrive too, and
    on_newest_edit hears of each range's newest ChangeLog edit as it changes (to read that
    ChangeLog ahead).

    The subjects are indexed for linking ChangeLog entries: while the commits stream in (which
    costs nothing, the stream waits for git anyway), else when the index is first asked for.
    """

    changelogs: frozenset[str] = frozenset()
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    subjects: dict[str, str] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    edits: dict[str, str] = field(default_factory=dict)
    pulls: dict[str, tuple[str, str]] = field(default_factory=dict)  # merge -> (subject, body)
    bodies: dict[str, str] = field(default_factory=dict)  # other commits' bodies, if any
    streaming: StreamingContainment | None = None
    on_newest_edit: Callable[[str, str], None] | None = None
    _index: SubjectIndex | None = None
    _newest_edit: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def index(self) -> SubjectIndex:
        """The subjects, indexed newest first."""
        if self._index is None:
            self._index = SubjectIndex(self.subjects.items(), bodies=self.bodies)
            self._index.edits = self.edits
            for sha, (subject, body) in self.pulls.items():
                self._index.add_pull(sha, subject, body)
        return self._index

    def recording(self, commits: Iterable[Commit]) -> Iterator[tuple[Commit, str | None]]:
        """Record and index each commit; yield it with its first release (if streaming)."""
        index = self.index
        streaming = self.streaming
        for commit in commits:
            sha, subject = commit.sha, commit.subject
            self.parents[sha] = commit.parents
            first, ranges = streaming.add(sha, commit.parents) if streaming else (None, [])
            self.subjects[sha] = subject
            index.add(sha, subject)
            if len(commit.parents) > 1 and subject.startswith(PULL_REQUEST):
                self.pulls[sha] = (subject, commit.message.partition("\n")[2])
                index.add_pull(sha, subject, self.pulls[sha][1])
            else:
                self._note_body(sha, commit.message)
            self.dates[sha] = commit.commit_date
            if len(commit.parents) < 2 and any(f.path in self.changelogs for f in commit.files):
                self.edits[sha] = commit.commit_date
                self._note_edit(sha, commit.commit_date, ranges)
            yield commit, first

    def _note_body(self, sha: str, message: str) -> None:
        """Keep the commit's body, if it has one (linking reads it)."""
        body = message.partition("\n")[2].strip()
        if body:
            self.bodies[sha] = body

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
    history.pulls = store.pull_request_merges(db, project)
    history.bodies = store.commit_bodies(db, project)
    return history
