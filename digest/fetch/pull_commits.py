"""Pull requests read as the sum of their commits, for ChangeLog lines no single text carries.

The last linking method within the range. A ChangeLog.md line often says what a pull request
did while its words are spread over the request's title, branch name and the subjects and
bodies of its commits ("improve crm_report detection of logs, CIB directory, and processes" is
"Fix: tools: detect CIB directory correctly" and "Fix: tools: detect running processes
correctly in crm_report" of "Code clean-up after static analysis"). Each pull request merged in
the range (its commits: those reachable from the merge's second parent and not from its first)
is one document, and so is each other commit of the range (a rival only). An entry is linked
to the one pull request whose words cover PULL_SCORE (half) of the entry's (weighted: words
rarer among the documents weigh more), when

- the entry has MIN_WORDS content words at least;
- the pull request names every identifier and function the entry names;
- every other document (not a request nested in it or holding it) covers the entry
  PULL_MARGIN times less, and a commit of no request does not fit best;
- a word of the entry is the winner's alone (two plain words spread over a long request,
  "attribute" and "writing", say too little), and no name of the entry (`HealthIOWait`,
  snake_case, code) is a rival's alone: it points there;
- it has MAX_PULL_COMMITS commits at most (larger ones merge a release branch: their words
  cover anything) and edits no ChangeLog (a release merge, not a change).

Within the winner, the one commit that covers the entry alone (COMMIT_SCORE, as commit-body
asks of one commit, and PULL_MARGIN times any other commit of the request) is linked instead
of the merge ("pull-request-commit"); else the merge is ("pull-request-commits"). Internal
commits (Refactor:, Test:, Log:, Doc:) lend no words and are never linked, but a request of
nothing else still stands as a rival.

Chosen on the dev split and the 1.1.x releases (outside the measured finals): PULL_SCORE 0.4
let in four wrong links there, all scoring 0.40-0.47.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Container, Iterable, Mapping
from dataclasses import dataclass

from digest.fetch.bodies import BODY_SCORE
from digest.fetch.similarity import Components, functions, identifiers, split_component, words

PULL_SCORE = 0.5
PULL_MARGIN = 1.5
MAX_PULL_COMMITS = 40
MIN_WORDS = 3
COMMIT_SCORE = BODY_SCORE  # a commit of the winner alone: as commit-body asks of one commit
FIRST, SECOND = 1, 2  # which parent of a merge reaches a commit
Parents = Mapping[str, tuple[str, ...]]
_BRANCH = re.compile(r"^Merge pull request #\d+ from [^/\s]+/(\S+)")


@dataclass(frozen=True)
class Pull:
    """One pull request of a range: its merge, its commits and the words they say."""

    merge: str | None  # None: a commit of no (readable) pull request, a rival only
    commits: frozenset[str]
    words: frozenset[str]
    readable: tuple[tuple[str, frozenset[str]], ...]  # (sha, words) of its non-internal commits
    agents: frozenset[str] = frozenset()  # the agents (group members) its title and subjects name


def pull_requests(
    merges: Mapping[str, tuple[str, str]],
    within: Collection[str],
    parents: Parents,
    commit_words: Callable[[str], frozenset[str] | None],
    vocabulary: frozenset[str],
    edits: Container[str] = frozenset(),
    named: Callable[[str], frozenset[str]] = lambda text: frozenset(),
) -> list[Pull]:
    """The pull requests of a range; merges maps each merge to its (subject, title).

    commit_words gives a commit's subject and body words, None for internal work and merges;
    only the words of the vocabulary (those of the entries to link) are kept. A request that
    edits the ChangeLog (edits: such commits) merges a release, not a change. named gives the
    taxonomy roots a commit (by sha) or a title (by text) names.
    """
    found = []
    generation = _generations(within, parents) if merges else {}
    for merge, (subject, title) in merges.items():
        commits = _pull_commits(merge, within, parents, generation)
        if not commits or any(c in edits for c in commits):
            continue
        readable = tuple(
            (sha, said & vocabulary)
            for sha in sorted(commits)
            if (said := commit_words(sha)) is not None
        )
        said = (words(title) | _branch_words(subject)) & vocabulary
        said = said.union(*(w for _, w in readable))
        roots = named(title).union(*(named(sha) for sha in commits))
        found.append(Pull(merge, commits, said, readable, roots))
    held = frozenset().union(*(p.commits for p in found))
    for sha in sorted(within):  # the other commits stand alone, as rivals
        said = commit_words(sha) if sha not in held else None
        if said:  # counted among the documents even with no word of the vocabulary
            found.append(Pull(None, frozenset([sha]), said & vocabulary, ((sha, said),)))
    return found


def _branch_words(subject: str) -> frozenset[str]:
    """The words of the branch a pull request came from ("fencer-connection-wait")."""
    branch = _BRANCH.match(subject)
    return words(re.sub(r"[-_/]", " ", branch.group(1))) if branch else frozenset()


def _pull_commits(
    merge: str, within: Collection[str], parents: Parents, generation: Mapping[str, int]
) -> frozenset[str] | None:
    """The commits of the range reachable from the merge's second parent, not from its first;
    None for more than MAX_PULL_COMMITS.

    Both parents are walked down together, newest generation first (as git finds a merge
    base): a commit is the request's when only the second parent reaches it, and the walk
    stops once every commit left to visit is reached from the first.
    """
    both = parents.get(merge, ())
    if len(both) < 2:
        return frozenset()
    paint: dict[str, int] = {}
    queue: list[tuple[int, str]] = []
    alone = 0  # queued commits the first parent does not reach (yet)

    def reach(sha: str, side: int) -> None:
        nonlocal alone
        if sha not in within:
            return
        old = paint.get(sha, 0)
        if old | side == old:
            return
        if old == 0:
            heapq.heappush(queue, (-generation[sha], sha))
        alone += (old | side == SECOND) - (old == SECOND)
        paint[sha] = old | side

    reach(both[0], FIRST)
    reach(both[1], SECOND)
    found: set[str] = set()
    while queue and alone:
        sha = heapq.heappop(queue)[1]
        side = paint[sha]
        if side == SECOND:
            alone -= 1
            found.add(sha)
            if len(found) > MAX_PULL_COMMITS:
                return None
        for parent in parents.get(sha, ()):
            reach(parent, side)
    return frozenset(found)


def _generations(within: Collection[str], parents: Parents) -> dict[str, int]:
    """Each commit of the range: 1 + the highest generation of its parents in the range."""
    found: dict[str, int] = {}
    for start in within:
        stack = [start]
        while stack:
            sha = stack[-1]
            if sha in found:
                stack.pop()
                continue
            waiting = [p for p in parents.get(sha, ()) if p in within and p not in found]
            if waiting:
                stack.extend(waiting)
                continue
            stack.pop()
            below = (found[p] for p in parents.get(sha, ()) if p in within)
            found[sha] = 1 + max(below, default=0)
    return found


class PullMatcher:
    """The pull requests of one range (and its other commits) as documents, with word weights
    among them."""

    def __init__(self, pulls: Iterable[Pull]) -> None:
        self.pulls = list(pulls)
        counts = Counter(w for pull in self.pulls for w in pull.words)
        total = len(self.pulls) + 1
        self.weight = {w: math.log(total / n) + 1.0 for w, n in counts.items()}
        self.unseen = math.log(total) + 1.0
        self.by_word: dict[str, list[int]] = {}
        for i, pull in enumerate(self.pulls):
            for word in pull.words:
                self.by_word.setdefault(word, []).append(i)

    def best(self, text: str, components: Components) -> tuple[str, float, bool] | None:
        """(sha, score, whether it is the merge) of the one pull request the entry sums up."""
        component, rest = split_component(text)
        entry = words(rest)
        if len(entry) < MIN_WORDS or not self.pulls:
            return None
        weight = {w: self.weight.get(w, self.unseen) for w in entry}
        total = sum(weight.values())
        scored = self._scored(entry, weight, total)
        if not scored:
            return None
        score, top = scored[0]
        if top.merge is None:
            return None  # a commit of no pull request fits better
        agents = components.members(component) if component else frozenset()
        if agents and top.agents and not agents & top.agents:
            return None  # a line of one agent, a request about others
        needed = frozenset(i for i in identifiers(rest) | functions(rest) if not components(i))
        if score < PULL_SCORE or not needed <= top.words:
            return None
        rivals = [(s, p) for s, p in scored[1:] if not _nested(p, top)]
        if rivals and rivals[0][0] * PULL_MARGIN > score:
            return None
        if not _telling(entry, _names(rest), top, [p for _, p in rivals]):
            return None
        sha = _one_commit(top, entry, weight, total, needed)
        return (sha, round(score, 3), False) if sha else (top.merge, round(score, 3), True)

    def _scored(
        self, entry: frozenset[str], weight: Mapping[str, float], total: float
    ) -> list[tuple[float, Pull]]:
        """The documents holding a word of the entry, by the weighted share of it they hold,
        best first (the inner of nested requests first on ties)."""
        common: dict[int, float] = {}
        for word in entry:
            for i in self.by_word.get(word, ()):
                common[i] = common.get(i, 0.0) + weight[word]
        ranked = sorted(common, key=lambda i: (-common[i], len(self.pulls[i].commits), i))
        return [(common[i] / total, self.pulls[i]) for i in ranked]


def _telling(entry: frozenset[str], names: frozenset[str], top: Pull, rivals: list[Pull]) -> bool:
    """Whether a word of the entry is the winner's alone and no name of it is a rival's alone.

    Two plain words spread over a long request ("attribute", "writing") say too little, and a
    name (`HealthIOWait`, snake_case, code) only another request says points there.
    """
    held = frozenset(w for w in entry if any(w in p.words for p in rivals))
    if not (entry & top.words) - held:
        return False
    for word in (names & held) - top.words:
        holders = [p for p in rivals if word in p.words]
        if all(_nested(p, holders[0]) for p in holders):
            return False
    return True


def _names(text: str) -> frozenset[str]:
    """Identifiers and CamelCase names of a line (`HealthIOWait`, `SysInfo`), lower case."""
    camel = (w.lower() for w in _CAMEL.findall(text))
    return identifiers(text) | frozenset(camel)


_CAMEL = re.compile(r"\b[A-Za-z]+[a-z][A-Z][A-Za-z]*\b|\b[A-Z]+[a-z]+[A-Z][A-Za-z]*\b")


def _one_commit(
    pull: Pull,
    entry: frozenset[str],
    weight: Mapping[str, float],
    total: float,
    needed: frozenset[str],
) -> str | None:
    """The commit of the pull request that covers the entry alone, if one does."""
    scored = sorted(
        ((sum(weight[w] for w in entry & said) / total, sha, said) for sha, said in pull.readable),
        key=lambda item: -item[0],
    )
    if not scored:
        return None
    score, sha, said = scored[0]
    second = scored[1][0] if len(scored) > 1 else 0.0
    if score < COMMIT_SCORE or second * PULL_MARGIN > score or not needed <= said:
        return None
    return sha


def _nested(one: Pull, other: Pull) -> bool:
    """Whether one pull request's commits hold the other's (a request merged into another)."""
    return one.commits <= other.commits or other.commits <= one.commits
