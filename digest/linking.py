"""Tie ChangeLog entries to the commits that introduced them.

Per release the candidates are the commits in its range (reachable from the release, not from
its predecessor). An entry is matched by exact subject first, then by a normalised subject
(prefixes, ticket references, punctuation and case removed), then as a subject followed by
text from the commit body, then by fuzzy similarity within the range, and last by exact or
normalised subject anywhere in the project. The method is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

from rapidfuzz import fuzz, process

from digest.models import ChangelogEntry

FUZZY_CUTOFF = 88.0
MIN_PREFIX = 24
_PREFIX = re.compile(
    r"^\s*(?:[-+*]\s*)?(?:(?:high|medium|med|low|fix|feature|api|dev|doc|build|test|log|"
    r"refactor|chore|ci|revert|bug|merge)\s*:\s*)+",
    re.I,
)
_COMPONENT = re.compile(r"^\s*\**([A-Za-z0-9_./+-]{1,30})\**\s*:\s+")
_TICKET = re.compile(
    r"\b(?:bug\s+)?(?:lf|cl|clbz|bnc|bsc|rhbz|jsc|deb|gh)?#\s*[\w-]+\s*(?:[-:,]\s*)?", re.I
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1 << 17)
def normalise(text: str) -> str:
    """Subject text reduced to what survives rewording: no prefixes, tickets, punctuation, case."""
    text = _PREFIX.sub("", text)
    text = _COMPONENT.sub("", text, count=1)
    text = _TICKET.sub(" ", text)
    return _NON_WORD.sub(" ", text.lower()).strip()


@dataclass(frozen=True)
class Candidate:
    """A commit that may have introduced an entry."""

    sha: str
    subject: str


class SubjectIndex:
    """Exact and normalised subject lookups over a set of commits, built on first use."""

    def __init__(self, commits: Iterable[Candidate]) -> None:
        self._commits = commits

    @cached_property
    def exact(self) -> dict[str, str]:
        """Subject -> sha (the first, i.e. newest, commit wins)."""
        self._commits = list(self._commits)
        found: dict[str, str] = {}
        for commit in self._commits:
            found.setdefault(commit.subject.strip(), commit.sha)
        return found

    @cached_property
    def normal(self) -> dict[str, str]:
        """Normalised subject -> sha."""
        found: dict[str, str] = {}
        for subject, sha in self.exact.items():
            key = normalise(subject)
            if key:
                found.setdefault(key, sha)
        return found

    def find(self, entry: ChangelogEntry) -> tuple[str, str] | None:
        """(sha, method) for an exact or normalised match."""
        for text in (entry.raw.strip(), entry.text.strip()):
            if text in self.exact:
                return self.exact[text], "exact"
        key = normalise(entry.raw)
        if key and key in self.normal:
            return self.normal[key], "normalised"
        return None

    @cached_property
    def _sorted_tokens(self) -> dict[str, str]:
        """Normalised subjects with their words sorted (for order-insensitive similarity)."""
        return {_sort_words(key): sha for key, sha in self.normal.items()}

    def prefix(self, entry: ChangelogEntry) -> tuple[str, str] | None:
        """(sha, 'prefix') when the entry is a subject followed by more text (body joined in)."""
        words = normalise(entry.raw).split()
        for end in range(len(words) - 1, 0, -1):
            key = " ".join(words[:end])
            if len(key) < MIN_PREFIX:
                break
            if key in self.normal:
                return self.normal[key], "prefix"
        return None

    def fuzzy(self, entry: ChangelogEntry) -> tuple[str, str] | None:
        """(sha, 'fuzzy') for the most similar normalised subject above the cutoff."""
        key = normalise(entry.raw)
        if not key or not self.normal:
            return None
        choices = self._sorted_tokens
        best = process.extractOne(
            _sort_words(key), choices.keys(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        return (choices[best[0]], "fuzzy") if best else None


def _sort_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def link_entries(
    entries: Iterable[ChangelogEntry], in_range: SubjectIndex, in_project: SubjectIndex
) -> Iterator[tuple[ChangelogEntry, str | None, str | None]]:
    """Each entry with the sha of its commit and the method that matched it (or None, None)."""
    for entry in entries:
        found = in_range.find(entry) or in_range.prefix(entry) or in_range.fuzzy(entry)
        if found is None:
            outside = in_project.find(entry)
            found = (outside[0], f"{outside[1]}-outside-range") if outside else None
        yield (entry, *found) if found else (entry, None, None)


def commit_range(
    graph: dict[str, list[str]], head: str, stop: set[str]
) -> tuple[set[str], set[str]]:
    """Commits reachable from head but not in stop, and the stop commits the walk ran into."""
    seen: set[str] = set()
    hit: set[str] = set()
    stack = [head] if head in graph else []
    while stack:
        sha = stack.pop()
        if sha in seen or sha in hit:
            continue
        if sha in stop:
            hit.add(sha)
            continue
        seen.add(sha)
        stack.extend(graph.get(sha, ()))
    return seen, hit
