"""Tie ChangeLog entries to the commits that introduced them.

Per release the candidates are the commits in its range (reachable from the release, not from
its predecessor). An entry is matched by exact subject first, then by a normalised subject
(prefixes, ticket references, punctuation and case removed), then as a subject followed by
text from the commit body, then as the title of a pull request merged in the range, then by
fuzzy similarity and by token-set similarity (fetch/similarity.py), by commit bodies
(fetch/bodies.py) and by the commits of one pull request together (fetch/pull_commits.py)
within the range, and last by exact or normalised subject anywhere in the project. The method
and a score (1.0 for an exact or normalised subject, the similarity otherwise) are recorded.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Collection, Container, Iterable, Iterator, Mapping
from functools import lru_cache, partial

from rapidfuzz import fuzz, process

from digest.fetch.bodies import BodyMatcher, BodyWords, entry_words
from digest.fetch.pull_commits import PullMatcher, pull_requests
from digest.fetch.pulls import PullOwners
from digest.fetch.similarity import (
    Candidate,
    Components,
    RangeMatcher,
    candidate,
    identifiers,
    split_component,
    words,
)
from digest.models import ChangelogEntry

FUZZY_CUTOFF = 88.0
MIN_PREFIX = 24
_PREFIX = re.compile(
    r"^\s*(?:[-+*]\s*)?(?:(?:high|medium|med|low|fix|feature|api|dev|doc|build|test|log|"
    r"refactor|chore|ci|revert|bug|merge)\s*:\s*)+",
    re.I,
)
_COMPONENT = re.compile(r"^\s*\**([A-Za-z0-9_./+-]{1,30})\**\s*:\s+")
_BOLD_COMPONENT = re.compile(r"^\s*\*\*[^*]{1,60}?:?\*\*:?\s*")  # ChangeLog.md "**CIB:** ..."
_PULL = re.compile(r"^Merge pull request #\d+ from \S+")
_TICKET = re.compile(
    r"\b(?:bug\s+)?(?:lf|cl|clbz|bnc|bsc|rhbz|jsc|deb|gh)?#\s*[\w-]+\s*(?:[-:,]\s*)?", re.I
)
_NON_WORD = re.compile(r"[^0-9a-z]+")


def subject_key(text: str) -> str:
    """Subject text reduced to what survives rewording: no prefixes, tickets, punctuation, case."""
    if ":" in text:  # both patterns need one; most subjects without one skip two searches
        text = _PREFIX.sub("", text)
        if text.lstrip().startswith("**"):
            text = _BOLD_COMPONENT.sub("", text, count=1)
        else:
            text = _COMPONENT.sub("", text, count=1)
    if "#" in text:
        text = _TICKET.sub(" ", text)
    return _NON_WORD.sub(" ", text.lower()).strip()


class SubjectIndex:
    """Exact and normalised subject lookups over a project's commits, optionally within a set.

    Built once per project: each lookup yields the candidates newest first and keeps the first
    one inside the set asked for (a release's range), so no index is built per release.
    """

    def __init__(
        self, commits: Iterable[tuple[str, str]] = (), bodies: Mapping[str, str] | None = None
    ) -> None:
        """commits: (sha, subject) pairs, newest first; more can be added later.

        bodies (sha -> body, filled as commits are added) serve the commit-body method.
        """
        self.body_words = BodyWords(bodies if bodies is not None else {})
        self.edits: Container[str] = frozenset()  # commits editing the ChangeLog (History's)
        self._normalised: dict[str, str] = {}
        self._fuzzy_keys: dict[str, str] = {}
        self._order: dict[str, int] = {}
        self.exact: dict[str, list[str]] = {}
        self.normal: dict[str, list[str]] = {}
        self.subjects: dict[str, str] = {}
        self.pulls: dict[str, str] = {}  # merge sha -> pull request title
        self.pull_normal: dict[str, list[str]] = {}
        self._candidates: dict[str, Candidate | None] = {}
        for sha, subject in commits:
            self.add(sha, subject)

    def add(self, sha: str, subject: str) -> None:
        """Index one more commit, older than those already indexed."""
        self.subjects[sha] = subject
        self._order[sha] = len(self._order)
        self.exact.setdefault(subject.strip(), []).append(sha)
        key = self._normalised[sha] = subject_key(subject)
        if key:
            self.normal.setdefault(key, []).append(sha)

    def find(self, entry: ChangelogEntry, within: Container[str] | None = None) -> Match | None:
        """(sha, method) for an exact or normalised match."""
        for text in (entry.raw.strip(), entry.text.strip()):
            sha = _first(self.exact.get(text), within)
            if sha:
                return sha, "exact"
        sha = _first(self.normal.get(_normalised_entry(entry.raw)), within)
        return (sha, "normalised") if sha else None

    def add_pull(self, sha: str, subject: str, body: str) -> None:
        """Index a merge commit by its pull request's title (the first line of its body)."""
        title = next((line.strip() for line in body.splitlines() if line.strip()), "")
        if title and _PULL.match(subject):
            self.pulls[sha] = title
            key = subject_key(title)
            if key:
                self.pull_normal.setdefault(key, []).append(sha)

    def pull(self, entry: ChangelogEntry, within: Container[str]) -> Match | None:
        """(sha, 'pull-request') when the entry is the title of a pull request in the range."""
        sha = _first(self.pull_normal.get(_normalised_entry(entry.raw)), within)
        return (sha, "pull-request") if sha else None

    def range_matcher(self, within: Iterable[str], components: Components) -> RangeMatcher:
        """Commit subjects and pull request titles within a set, for token-set similarity."""
        shas = sorted(self._order.keys() & within, key=self._order.__getitem__)
        return RangeMatcher(self._candidate(sha, components) for sha in shas)

    def body_matcher(
        self, within: Iterable[str], components: Components, vocabulary: frozenset[str]
    ) -> BodyMatcher:
        """The commits within a set as their subject and body words (no merges), indexed by
        the words of the entries to link."""
        shas = sorted(self._order.keys() & within, key=self._order.__getitem__)
        found = (self._candidate(sha, components) for sha in shas)
        return BodyMatcher(((c, self.body_words(c)) for c in found if c and not c.pull), vocabulary)

    def pull_matcher(
        self,
        within: Collection[str],
        components: Components,
        parents: Parents,
        vocabulary: frozenset[str],
    ) -> PullMatcher:
        """The pull requests merged within a set, each as the words of its commits (those of
        the vocabulary: the words of the entries to link)."""
        merges = {
            sha: (self.subjects[sha], title) for sha, title in self.pulls.items() if sha in within
        }

        def said(sha: str) -> frozenset[str] | None:
            found = self._candidate(sha, components) if sha in self.subjects else None
            return self.body_words(found) if found is not None and not found.pull else None

        def named(sha_or_title: str) -> frozenset[str]:
            text = self.subjects.get(sha_or_title, sha_or_title)
            return components.members(split_component(text)[0])

        found = pull_requests(merges, within, parents, said, vocabulary, self.edits, named)
        return PullMatcher(found)

    def _candidate(self, sha: str, components: Components) -> Candidate | None:
        """A commit as a token-set candidate (made once: release ranges overlap)."""
        if sha not in self._candidates:
            subject = self.subjects[sha]
            if sha in self.pulls:
                found = candidate(sha, self.pulls[sha], components, pull=True)
            elif subject.startswith("Merge"):
                found = None
            else:
                found = candidate(sha, subject, components)
            self._candidates[sha] = found
        return self._candidates[sha]

    def prefix(self, entry: ChangelogEntry, within: Container[str]) -> Match | None:
        """(sha, 'prefix') when the entry is a subject followed by more text (body joined in).

        Text continuing the subject's sentence must name no identifier the subject lacks:
        "deprecate direct access to all members of pcmk_scheduler_t, pcmk_tag_t" is more than
        the commit about the first.
        """
        text = _normalised_entry(entry.raw)
        end = text.rfind(" ")
        while end >= MIN_PREFIX:  # each shorter run of whole words, longest first
            sha = _first(self.normal.get(text[:end]), within)
            if sha:
                more = len(text.split()) - text[:end].count(" ") - 1  # words after the subject
                fits = _adds_nothing(entry.raw, self.subjects[sha], more)
                return (sha, "prefix") if fits else None
            end = text.rfind(" ", 0, end)
        return None

    def fuzzy_choices(self, within: Iterable[str]) -> FuzzyChoices:
        """The indexed commits within a set, ready for fuzzy matching."""
        choices: dict[str, str] = {}
        for sha in sorted(self._order.keys() & within, key=self._order.__getitem__):
            key = self._fuzzy_keys.get(sha)
            if key is None:
                key = self._fuzzy_keys[sha] = _sorted_words(self._normalised[sha])
            if key:
                choices.setdefault(key, sha)
        return FuzzyChoices(choices, self.subjects)


class FuzzyChoices:
    """Word-sorted normalised subjects (newest commit each), ordered by length.

    A similarity of FUZZY_CUTOFF needs lengths within a fixed ratio of each other, so each
    search only looks at that band.
    """

    def __init__(self, choices: dict[str, str], subjects: dict[str, str] | None = None) -> None:
        self.shas = choices
        self.subjects = subjects or {}
        self.keys = sorted(choices, key=len)
        self.lengths = [len(key) for key in self.keys]

    def best(self, entry: ChangelogEntry) -> Scored | None:
        """(sha, 'fuzzy', score) for the most similar choice above the cutoff.

        A choice is refused when the identifiers (code names, CVE numbers) of the entry and of
        the commit differ: `pe_new_working_set()` is not `pe_free_working_set()`.
        """
        key = _sorted_words(_normalised_entry(entry.raw))
        if not key:
            return None
        band = FUZZY_CUTOFF / (200 - FUZZY_CUTOFF)  # from ratio = 200 * common / (len1 + len2)
        low = bisect.bisect_left(self.lengths, len(key) * band)
        high = bisect.bisect_right(self.lengths, len(key) / band)
        found = process.extractOne(
            key, self.keys[low:high], scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        if not found:
            return None
        sha = self.shas[found[0]]
        if not _same_identifiers(entry.raw, self.subjects.get(sha, "")):
            return None
        return sha, "fuzzy", round(found[1] / 100, 3)


Match = tuple[str, str]
Scored = tuple[str, str, float]
Parents = Mapping[str, tuple[str, ...]]


def _same_identifiers(entry: str, subject: str) -> bool:
    """Whether each side's identifiers are among the other's words."""
    return identifiers(entry) <= words(subject) and identifiers(subject) <= words(entry)


def _adds_nothing(entry: str, subject: str, more: int) -> bool:
    """Whether an entry that is the subject and so many more words names nothing new.

    More words that start a sentence (capitalised: the commit body joined in, as the generated
    ChangeLogs of the 1.x era do) may name anything; more words that continue the subject's
    sentence (", pcmk_tag_t, and pcmk_ticket_t") must not name an identifier it lacks.
    """
    tokens = _TOKEN.findall(entry)
    if more <= 0 or more > len(tokens) or tokens[-more][0].isupper():
        return True
    return identifiers(split_component(entry)[1]) <= words(subject)


_TOKEN = re.compile(r"[0-9A-Za-z]+")


def _first(shas: list[str] | None, within: Container[str] | None) -> str | None:
    if not shas:
        return None
    if within is None:
        return shas[0]
    return next((sha for sha in shas if sha in within), None)


@lru_cache(maxsize=1 << 13)
def _normalised_entry(text: str) -> str:
    """subject_key, remembered for entries: each is looked up by several methods."""
    return subject_key(text)


def _sorted_words(text: str) -> str:
    """Normalised text with its words sorted (for order-insensitive similarity)."""
    return " ".join(sorted(text.split()))


def link_entries(
    entries: Iterable[ChangelogEntry],
    index: SubjectIndex,
    within: Collection[str],
    components: Components | None = None,
    parents: Mapping[str, tuple[str, ...]] | None = None,
) -> Iterator[tuple[ChangelogEntry, str | None, str | None, float | None]]:
    """Each entry with the sha of its commit, the method that matched it and a score.

    Commits within the given set (the release's range) are tried first, by every method; then
    exact or normalised subjects anywhere in the project. Token-set similarity needs the
    components function (names -> taxonomy roots); without it that method is skipped. Given
    the commit graph too, an entry the commits of one pull request fit is linked to its merge.
    """
    entries = list(entries)
    found = list(_in_range(entries, index, within, components, parents))
    if components is not None and None in found:
        _by_bodies(entries, found, index, within, components)
    if components is not None and parents is not None and None in found:
        pulls = partial(index.pull_matcher, within, components, parents)
        _by_pull_commits(entries, found, pulls, components)
    for entry, hit in zip(entries, found, strict=True):
        if hit is None:
            outside = index.find(entry)
            hit = (outside[0], f"{outside[1]}-outside-range", 0.9) if outside else None
        yield (entry, *hit) if hit else (entry, None, None, None)


def _in_range(
    entries: list[ChangelogEntry],
    index: SubjectIndex,
    within: Collection[str],
    components: Components | None,
    parents: Mapping[str, tuple[str, ...]] | None,
) -> Iterator[Scored | None]:
    """For each entry, its link by subjects and pull-request titles within the range."""
    choices = matcher = owners = None
    for entry in entries:
        found = _exactly(index, entry, within)
        if found is None:
            choices = index.fuzzy_choices(within) if choices is None else choices
            found = choices.best(entry)
        if found is None and components is not None:
            matcher = index.range_matcher(within, components) if matcher is None else matcher
            if parents is not None:
                owners = owners or PullOwners(within, parents, index.pulls.keys() & within)
            owner = owners.owner if owners is not None else None
            best = matcher.best(entry.raw, entry.component, components, owner)
            if best is not None:
                found = (best[0], "pull-request-set" if best[2] else "token-set", best[1])
        if found is None and components is not None:
            best = matcher.by_identifiers(entry.raw, entry.component, components)
            found = (best[0], "identifiers", best[1]) if best else None
        if found is None and owners is not None:
            best = matcher.summary(entry.raw, entry.component, components, owners.owner)
            found = (best[0], "pull-request-summary", best[1]) if best else None
            if found is None:
                best = matcher.identifier_summary(entry.raw, components, owners.owner)
                found = (best[0], "pull-request-ids", best[1]) if best else None
        yield found


def _by_bodies(
    entries: list[ChangelogEntry],
    found: list[Scored | None],
    index: SubjectIndex,
    within: Collection[str],
    components: Components,
) -> None:
    """Link the entries still unlinked by commit bodies (in place): the range's commits are
    indexed by the words of these entries only."""
    wanted = {i: entry_words(entries[i].raw) for i, hit in enumerate(found) if hit is None}
    left = [i for i, found_words in wanted.items() if found_words]
    if not left:
        return
    vocabulary = frozenset().union(*(wanted[i] for i in left))
    bodies = index.body_matcher(within, components, vocabulary)
    for i in left:
        best = bodies.best(entries[i].raw, components)
        found[i] = (best[0], "commit-body", best[1]) if best else None


def _by_pull_commits(
    entries: list[ChangelogEntry],
    found: list[Scored | None],
    matcher: Callable[[frozenset[str]], PullMatcher],
    components: Components,
) -> None:
    """Link the entries still unlinked to the pull request whose commits sum them up (in
    place): to its merge, or to the one commit of it that says the entry alone. The range's
    pull requests are read only when some entry is long enough for this method."""
    wanted = {i: entry_words(entries[i].raw) for i, hit in enumerate(found) if hit is None}
    left = [i for i, found_words in wanted.items() if found_words]
    pulls = matcher(frozenset().union(*(wanted[i] for i in left))) if left else None
    for i in left:
        best = pulls.best(entries[i].raw, components) if pulls else None
        if best is not None:
            sha, score, merge = best
            found[i] = (sha, "pull-request-commits" if merge else "pull-request-commit", score)


def _exactly(index: SubjectIndex, entry: ChangelogEntry, within: Collection[str]) -> Scored | None:
    """An exact, normalised, prefix or pull-request title match within the range."""
    found = index.find(entry, within)
    if found:
        return (*found, 1.0)
    found = index.prefix(entry, within) or index.pull(entry, within)
    return (*found, 0.95) if found else None
