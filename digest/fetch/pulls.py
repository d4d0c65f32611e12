"""Which pull request brought a commit into a release range, for entries that summarise a PR.

A ChangeLog line often sums up the several commits of one pull request ("crm_attribute --query,
--delete, and --update support regular expressions"). When the commits it fits best all came
in through one `Merge pull request #N` commit, the line is linked to that merge.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

MAX_WALK = 500  # commits followed up from a commit to its merge


class PullOwners:
    """The merge commit of the pull request that brought each commit of a range (lazily)."""

    def __init__(
        self,
        within: Collection[str],
        parents: Mapping[str, tuple[str, ...]],
        pulls: Collection[str],
    ) -> None:
        self._within = within
        self._parents = parents
        self._pulls = pulls
        self._children: dict[str, list[str]] | None = None
        self._known: dict[str, str | None] = {}

    def owner(self, sha: str) -> str | None:
        """The pull-request merge that brought the commit (see _walk), remembered for every
        commit of the walk: they all lead to the same place."""
        if sha in self._known:
            return self._known[sha]
        path: list[str] = []
        found = self._walk(sha, path)
        for seen in path:
            self._known[seen] = found
        return found

    def _walk(self, sha: str, path: list[str]) -> str | None:
        """The pull-request merge whose second parent leads up to the commit by plain commits.

        None for a commit on a main line (a merge's first parent), at a branch point (two
        children) or too far down.
        """
        children = self._child_map()
        current, steps = sha, 0
        while steps < MAX_WALK:
            if current in self._known:
                return self._known[current]
            path.append(current)
            following = children.get(current)
            if not following:
                return None
            if any(self._parents[c][0] == current for c in following if self._is_merge(c)):
                return None  # on the main line of a merge
            merge = next((c for c in following if self._second_parent(c) == current), None)
            if merge is not None:
                return merge if merge in self._pulls else None
            if len(following) != 1:
                return None  # a branch point: which line it belongs to cannot be told
            current, steps = following[0], steps + 1
        path.clear()  # too far: a commit further up may still be near its merge
        return None

    def _is_merge(self, sha: str) -> bool:
        return len(self._parents.get(sha, ())) > 1

    def _second_parent(self, sha: str) -> str | None:
        parents = self._parents.get(sha, ())
        return parents[1] if len(parents) > 1 else None

    def _child_map(self) -> dict[str, list[str]]:
        if self._children is None:
            children: dict[str, list[str]] = {}
            for sha in self._within:
                for parent in self._parents.get(sha, ()):
                    children.setdefault(parent, []).append(sha)
            self._children = children
        return self._children
