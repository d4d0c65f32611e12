"""Release containment: which releases hold each commit, and each release's range.

One question, two ways to answer it, one protocol:

- `StreamingContainment` works it out while the commits stream in, on a first fetch of a
  project whose releases are all tagged. git log --topo-order shows every commit after all of
  its children, so the set of releases that contain a commit is complete when it arrives: the
  releases tagged on it plus those containing any child. Sets are bit masks, one bit per
  release in date order, so a commit's first release is its lowest bit and a release's range
  (in it, not in its predecessor) is two bit tests, memoised per distinct mask.
- `GraphContainment` walks the stored commit graph afterwards: later fetches (which read only
  new commits) and projects with release commits (known only once the history is read).

tests/fetch/test_containment.py proves both give the same answers on a real history.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from digest.fetch.releases import predecessors, version_key
from digest.models import Release

Graph = dict[str, tuple[str, ...]]


class Containment(Protocol):
    """Answers "which releases contain this commit?" for one project."""

    def first_releases(self) -> dict[str, str | None]:
        """Every commit's earliest-dated release (None if unreleased)."""
        ...

    def ranges(self, versions: Iterable[str]) -> dict[str, set[str]]:
        """The commits in each release's range: reachable from it, not from its predecessor."""
        ...


def _by_date(releases: Iterable[Release]) -> list[Release]:
    return sorted(releases, key=lambda r: (r.date, version_key(r.version)))


class StreamingContainment:
    """Each arriving commit's first release, and each release's range as it fills."""

    def __init__(self, releases: Iterable[Release]) -> None:
        self._releases = _by_date(releases)
        bit = {r.version: 1 << i for i, r in enumerate(self._releases)}
        self._tagged: dict[str, int] = {}
        for release in self._releases:
            tagged = self._tagged.get(release.commit, 0)
            self._tagged[release.commit] = tagged | bit[release.version]
        before = predecessors(self._releases)
        self._pairs = [(bit[v], bit[p] if p else 0, v) for v, p in before.items()]
        self._from_children: dict[str, int] = {}
        self._ranges_of_mask: dict[int, list[str]] = {}
        self._first: dict[str, str | None] = {}
        self._ranges: dict[str, set[str]] = {r.version: set() for r in self._releases}

    def add(self, sha: str, parents: Iterable[str]) -> tuple[str | None, list[str]]:
        """Take the next commit (after all of its children): its first release, its ranges."""
        mask = self._from_children.pop(sha, 0) | self._tagged.get(sha, 0)
        for parent in parents:
            self._from_children[parent] = self._from_children.get(parent, 0) | mask
        if not mask:
            self._first[sha] = None
            return None, []
        first = self._releases[(mask & -mask).bit_length() - 1].version
        self._first[sha] = first
        versions = self._in_ranges(mask)
        for version in versions:
            self._ranges[version].add(sha)
        return first, versions

    def first_releases(self) -> dict[str, str | None]:
        """Every commit seen so far with its first release."""
        return self._first

    def ranges(self, versions: Iterable[str]) -> dict[str, set[str]]:
        """The ranges of the given releases (complete once the stream has ended)."""
        return {version: self._ranges[version] for version in versions}

    def _in_ranges(self, mask: int) -> list[str]:
        """The releases whose range holds a commit with this mask (memoised per mask)."""
        found = self._ranges_of_mask.get(mask)
        if found is None:
            found = [v for bit, before, v in self._pairs if mask & bit and not mask & before]
            self._ranges_of_mask[mask] = found
        return found


class GraphContainment:
    """The same answers from a whole commit graph (child -> parents)."""

    def __init__(self, graph: Graph, releases: Iterable[Release]) -> None:
        self._graph = graph
        self._releases = list(releases)

    def first_releases(self) -> dict[str, str | None]:
        """Releases visited by date; each commit is visited once (the walk stops at held ones)."""
        assigned: dict[str, str | None] = {}
        for release in _by_date(self._releases):
            stack = [release.commit] if release.commit in self._graph else []
            while stack:
                sha = stack.pop()
                if sha in assigned:
                    continue
                assigned[sha] = release.version
                stack.extend(p for p in self._graph.get(sha, ()) if p not in assigned)
        return {sha: assigned.get(sha) for sha in self._graph}

    def ranges(self, versions: Iterable[str]) -> dict[str, set[str]]:
        """Ranges of the wanted releases, reusing ancestries in version order."""
        return dict(self._ranges(set(versions)))

    def _ranges(self, wanted: set[str]) -> Iterator[tuple[str, set[str]]]:
        prev = predecessors(self._releases)
        by_version = {r.version: r for r in self._releases}
        needed: dict[str, int] = {}
        for version in prev.values():
            if version:
                needed[version] = needed.get(version, 0) + 1
        ancestry: dict[str, set[str]] = {}
        for release in sorted(self._releases, key=lambda r: version_key(r.version)):
            before = prev[release.version]
            stop = ancestry.get(before, set()) if before else set()
            in_range, hit = commit_range(self._graph, release.commit, stop)
            if release.version in wanted:
                yield release.version, in_range
            if needed.get(release.version):
                is_descendant = before is not None and by_version[before].commit in hit
                if is_descendant or not before:
                    ancestry[release.version] = stop | in_range
                else:
                    ancestry[release.version] = commit_range(self._graph, release.commit, set())[0]
            if before and before in needed:
                needed[before] -= 1
                if not needed[before]:
                    ancestry.pop(before, None)


def commit_range(graph: Graph, head: str, stop: set[str]) -> tuple[set[str], set[str]]:
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
