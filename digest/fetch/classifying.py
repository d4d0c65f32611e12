"""Commits classified by a child process while they stream in, so rows are stored classified.

The classifying function comes from the caller (the classify stage sits after fetch): it takes
a project, its commit URL template and (message, paths, author date) of each commit of a batch,
and returns one tuple of stored class columns per commit. Batches go to an `Answering` child
and come back in order; the stream goes on meanwhile, holding a few batches at most.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from digest.errors import DigestError
from digest.fetch.workers import Answering
from digest.models import Commit
from digest.store.commits import Classes
from digest.store.db import batches

CommitText = tuple[str, list[str], str]  # message, touched paths, author date
ClassifyCommits = Callable[[str, str, list[CommitText]], list[Classes]]
Recorded = tuple[Commit, str | None]  # a commit and its first release, if known yet
Classified = tuple[Commit, str | None, Classes | None]
BATCH = 1000  # commits per request: large enough to be cheap to send, small enough to overlap
WAITING = 4  # batches held while their classes are worked out, before the stream waits


def classified(
    classifier: Answering[list[Classes]] | None,
    project: str,
    commit_url: str,
    pairs: Iterable[Recorded],
) -> Iterator[Classified]:
    """(commit, first release, classes) of each pair, in order; classes None without a child."""
    if classifier is None:
        yield from ((commit, release, None) for commit, release in pairs)
        return
    waiting: deque[list[Recorded]] = deque()
    try:
        for batch in batches(pairs, BATCH):
            classifier.ask(project, commit_url, [_text(commit) for commit, _ in batch])
            waiting.append(batch)
            while len(waiting) > WAITING or (waiting and classifier.ready()):
                yield from _joined(waiting.popleft(), _answer(classifier, project))
        while waiting:
            yield from _joined(waiting.popleft(), _answer(classifier, project))
    finally:  # a stream given up (a failed source) must leave no answer to the next one
        for _ in waiting:
            with contextlib.suppress(DigestError):
                classifier.answer()


def _answer(classifier: Answering[list[Classes]], project: str) -> list[Classes]:
    try:
        return classifier.answer()
    except DigestError as exc:
        raise DigestError(f"project '{project}': classifying its commits: {exc}") from exc


def _text(commit: Commit) -> CommitText:
    return commit.message, [f.path for f in commit.files], commit.author_date


def _joined(batch: list[Recorded], classes: list[Classes]) -> Iterator[Classified]:
    for (commit, release), values in zip(batch, classes, strict=True):
        yield commit, release, values
