"""Which releases contain each commit, worked out while the commits stream in.

git log --topo-order shows every commit after all of its children, so the set of releases that
contain a commit is complete when it arrives: the releases tagged on it plus those containing
any child. Sets are bit masks, one bit per release in date order, so a commit's first release
is its lowest bit and a release's range (in it, not in its predecessor) is two bit tests.
Ranges are gathered per distinct mask: commits between two releases share theirs.
"""

from __future__ import annotations

from collections.abc import Iterable

from digest.models import Release
from digest.releases import predecessors, version_key


class Reach:
    """Each arriving commit's first release, and each release's range as it fills."""

    def __init__(self, releases: Iterable[Release]) -> None:
        self._releases = sorted(releases, key=lambda r: (r.date, version_key(r.version)))
        bit = {r.version: 1 << i for i, r in enumerate(self._releases)}
        self._tagged: dict[str, int] = {}
        for release in self._releases:
            tagged = self._tagged.get(release.commit, 0)
            self._tagged[release.commit] = tagged | bit[release.version]
        before = predecessors(self._releases)
        self._pairs = [(bit[v], bit[p] if p else 0, v) for v, p in before.items()]
        self._from_children: dict[str, int] = {}
        self._ranges_of_mask: dict[int, list[str]] = {}
        self.first: dict[str, str | None] = {}
        self.ranges: dict[str, set[str]] = {r.version: set() for r in self._releases}

    def add(self, sha: str, parents: Iterable[str]) -> list[str]:
        """Take the next commit (after all of its children); returns the ranges it is in."""
        mask = self._from_children.pop(sha, 0) | self._tagged.get(sha, 0)
        for parent in parents:
            self._from_children[parent] = self._from_children.get(parent, 0) | mask
        if not mask:
            self.first[sha] = None
            return []
        self.first[sha] = self._releases[(mask & -mask).bit_length() - 1].version
        versions = self._in_ranges(mask)
        for version in versions:
            self.ranges[version].add(sha)
        return versions

    def _in_ranges(self, mask: int) -> list[str]:
        """The releases whose range holds a commit with this mask (memoised per mask)."""
        found = self._ranges_of_mask.get(mask)
        if found is None:
            found = [v for bit, before, v in self._pairs if mask & bit and not mask & before]
            self._ranges_of_mask[mask] = found
        return found
