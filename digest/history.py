"""A project's commit graph, subjects and ChangeLog edits, gathered while its commits stream in.

A first fetch records them from the stream, so releases and ChangeLog links need no second read
of the commits; later fetches load them from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlite_utils import Database

from digest import store
from digest.linking import SubjectIndex
from digest.models import Commit


@dataclass
class History:
    """Parents, subject and commit date of every commit; the non-merge ChangeLog edits.

    The subjects are kept indexed for linking ChangeLog entries: indexing while the commits
    stream in costs nothing, as the stream waits for git anyway.
    """

    changelogs: frozenset[str] = frozenset()
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    index: SubjectIndex = field(default_factory=SubjectIndex)
    dates: dict[str, str] = field(default_factory=dict)
    edits: dict[str, str] = field(default_factory=dict)

    @property
    def subjects(self) -> dict[str, str]:
        """sha -> subject, newest first."""
        return self.index.subjects

    def recording(self, commits: Iterable[Commit]) -> Iterator[Commit]:
        """Pass commits through, recording each one."""
        for commit in commits:
            sha = commit.sha
            self.parents[sha] = commit.parents
            self.index.add(sha, commit.subject)
            self.dates[sha] = commit.commit_date
            if len(commit.parents) < 2 and any(f.path in self.changelogs for f in commit.files):
                self.edits[sha] = commit.commit_date
            yield commit


def load_history(db: Database, project: str, changelogs: Iterable[str]) -> History:
    """The stored history of a project."""
    history = History(frozenset(changelogs))
    for sha, parents, subject, date in store.commit_graph(db, project):
        history.parents[sha] = parents
        history.index.add(sha, subject)
        history.dates[sha] = date
    history.edits = store.commits_touching(db, project, sorted(history.changelogs))
    return history
