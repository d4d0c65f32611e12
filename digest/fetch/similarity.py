"""Token-set similarity of ChangeLog entries to the commits and pull requests of a release range.

The last resort of linking, for entries reworded from their commit (ChangeLog.md summaries,
`**component:**` prefixes, code spans). Each entry is compared with every commit subject and
pull-request title (the first body line of a `Merge pull request #N from ...` commit) in its
release range that shares a word with it. A candidate is kept only when

- the weighted share of the entry's words it carries and of its own words the entry carries
  (rarer words in the range weigh more) reach MIN_SCORE together (their harmonic mean);
- it names every function the entry names (`pcmk_status()`) and one of its identifiers
  (`code`, snake_case, CVE numbers) if it has any, and the entry names all of the candidate's;
- it is no internal work (Refactor:, Test:, Log:, Doc: commits are not candidates);
- the score is higher (OTHER_COMPONENT_SCORE) when their components disagree, both naming one
  the taxonomy knows (`**scheduler:**` and `Fix: pengine:` agree: both are PE); tool names
  (`crm_mon`) are component names, not identifiers;
- its score is MARGIN times any other candidate's, unless the others say the same words (a
  backport) or one of them is a pull request, so an entry several commits fit is left out;
- it shares an identifier with the entry or MIN_SHARED words at least: two plain words in
  common ("public", "API") say too little about a vague line ("Numerous changes to public C
  API of libraries").

An entry naming identifiers that no candidate reaches
MIN_SCORE for may still be linked by them (`best_by_identifiers`): the one candidate naming
them all, scoring ID_SCORE at least.

Precision matters more than recall: a wrong link misleads a reader, a missing one does not.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cached_property

from digest.taxonomy import load_taxonomy

MIN_SCORE = 0.42
ID_SCORE = 0.3  # a candidate naming every identifier of the entry
MIN_SHARED = 3  # words in common when none of them is an identifier
SUMMARY_SCORE = 0.3  # each of the commits a summary line is linked to their PR by
SUMMARY_DEPTH = 6
OTHER_COMPONENT_SCORE = 0.7  # when the entry's component and the commit's disagree
MARGIN = 1.25  # the best candidate's score over any other's (other words, not its PR)
LOWEST_SCORE = min(SUMMARY_SCORE, MIN_SCORE / MARGIN)  # below it a candidate plays no part
INTERNAL_KINDS = frozenset(["refactor", "test", "tests", "log", "doc", "maint"])
STOPWORDS = frozenset(
    [
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "if", "in",
        "into", "is", "it", "its", "of", "on", "or", "the", "to", "when", "with", "not", "no",
        "now", "this", "that", "all", "any", "more",
    ]
)  # fmt: skip
_SEVERITY = re.compile(
    r"^\s*(?:(?:high|medium|med|low|fix|feature|api|dev|doc|build|test|log|refactor|chore|"
    r"ci|bug|revert)\s*:\s*)+",
    re.I,
)
_BOLD_COMPONENT = re.compile(r"^\s*\*\*([^*]{1,60}?):?\*\*:?\s*")
_PLAIN_COMPONENT = re.compile(r"^\s*([A-Za-z0-9_./+,-]{1,40})\s*:\s+")
_WORD = re.compile(r"[a-z0-9_]+(?:\.[0-9]+)*")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\(\)")
_KIND = re.compile(r"^\s*([A-Za-z]+)\s*:")
CHANGE_WORDS = frozenset(
    [
        "add", "added", "adds", "new", "drop", "dropped", "drops", "remove", "removed",
        "deprecate", "fix", "fixed", "fixes", "support", "supports", "improve",
        "improved", "improvements", "update", "updated", "use", "allow", "avoid", "make",
        "rename", "change", "changes", "some", "more", "various",
    ]
)  # fmt: skip
"""Words saying that something changed, not what: a pull request titled "Drop more deprecated
APIs" is not about every line that drops something."""
_CVE = re.compile(r"cve-\d{4}-\d+", re.I)


class Components:
    """Component names as a project's taxonomy reads them (each name worked out once).

    Called, it gives the taxonomy roots a name stands for ("libpe_rules,libpe_status" -> PE);
    `members` gives the members of groups it names (ra-agents and fence-agents have one member
    per agent: `portblock`, `fence_ipmilan`), names that point at one agent only.
    """

    def __init__(self, project: str | None) -> None:
        self.project = project
        self._tax = load_taxonomy()
        self._roots: dict[str, frozenset[str]] = {}
        self._members: dict[str, frozenset[str]] = {}

    def __call__(self, named: str) -> frozenset[str]:
        if named not in self._roots:
            self._roots[named] = frozenset(self._tax.root(c) for c in self._named(named))
        return self._roots[named]

    def members(self, named: str) -> frozenset[str]:
        """The members of groups (one agent each) a name stands for."""
        if named not in self._members:
            found = (c for c in self._named(named) if self._in_group(c))
            self._members[named] = frozenset(found)
        return self._members[named]

    def _in_group(self, name: str) -> bool:
        parent = self._tax.components[name].parent
        return (
            parent is not None
            and parent in self._tax.components
            and self._tax.components[parent].group
        )

    def _named(self, named: str) -> set[str]:
        parts = (p for p in _NAME_SEPARATOR.split(named) if p)
        return {a.component for part in parts for a in self._tax.aliases(part, self.project, None)}


Owner = Callable[[str], str | None]  # commit -> the pull-request merge that brought it


def split_component(text: str) -> tuple[str, str]:
    """(component words, rest) of a subject or ChangeLog line, after its severity words."""
    text = _SEVERITY.sub("", text, count=1)
    found = _BOLD_COMPONENT.match(text) or _PLAIN_COMPONENT.match(text)
    if not found:
        return "", text.strip()
    return found.group(1).strip(), text[found.end() :].strip()


def words(text: str) -> frozenset[str]:
    """Content words: lower case, snake_case kept whole, no stop words."""
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in STOPWORDS)


def identifiers(text: str) -> frozenset[str]:
    """Words that name one thing: code spans, snake_case, --options, CVE numbers, Foo_Bar."""
    found = set()
    for span in _CODE_SPAN.findall(text):
        found.update(w for w in _WORD.findall(span.lower()) if len(w) > 2)
    for word in re.findall(r"[A-Za-z0-9_]+", text):
        if "_" in word.strip("_") and len(word) > 3:
            found.add(word.lower())
    found.update(m.lower().replace("-", " ").split()[-1] for m in _CVE.findall(text))
    return frozenset(found - STOPWORDS)


def functions(text: str) -> frozenset[str]:
    """Names called in the text (`pcmk_status()`): a line about one is about that function."""
    return frozenset(name.lower() for name in _CALL.findall(text))


class Candidate:
    """A commit subject or pull-request title of the range, read for comparison.

    Its words are read at once (they index the range); identifiers, component and the words of
    the whole line only when a candidate scores high enough to be checked.
    """

    def __init__(self, sha: str, text: str, components: Components, pull: bool) -> None:
        self.sha, self.pull, self._text, self._components = sha, pull, text, components
        self._named, self._rest = split_component(text)
        self.words = words(self._rest)

    @cached_property
    def identifiers(self) -> frozenset[str]:
        """Identifiers of the subject after its prefixes."""
        return identifiers(self._rest)

    @cached_property
    def components(self) -> frozenset[str]:
        """Taxonomy roots of the component the subject names, if any."""
        return self._components(self._named) if self._named else frozenset()

    @cached_property
    def all_words(self) -> frozenset[str]:
        """The words of the whole subject, component included."""
        return words(self._text)


def candidate(
    sha: str, text: str, components: Components, *, pull: bool = False
) -> Candidate | None:
    """A commit subject (or PR title) as a candidate.

    None for internal work (Refactor:, Test:, Log:, Doc:): a ChangeLog line that reads like one
    is about the change those commits serve.
    """
    kind = _KIND.match(text)
    if kind and kind.group(1).lower() in INTERNAL_KINDS:
        return None
    return Candidate(sha, text, components, pull)


class RangeMatcher:
    """The candidates of one release range, with word weights and an index by word."""

    def __init__(self, candidates: Iterable[Candidate | None]) -> None:
        self.candidates = [c for c in candidates if c is not None and c.words]
        self.pulls = {c.sha: c for c in self.candidates if c.pull}
        self._last: tuple[str | None, list[tuple[float, Candidate]]] = (None, [])
        counts = Counter(w for c in self.candidates for w in c.words)
        total = len(self.candidates) + 1
        self.weight = {w: math.log(total / n) + 1.0 for w, n in counts.items()}
        self.by_word: dict[str, list[int]] = {}
        for i, cand in enumerate(self.candidates):
            for word in cand.words:
                self.by_word.setdefault(word, []).append(i)
        self.totals = [sum(self.weight[w] for w in c.words) for c in self.candidates]

    def best(
        self,
        text: str,
        component: str | None,
        components: Components,
        owner: Owner | None = None,
    ) -> tuple[str, float, bool] | None:
        """(sha, score, whether it is a pull request's merge) of the one change the entry fits.

        Given the pull-request owners of the range, rivals that came in the best candidate's
        pull request make the entry a summary of it: the merge is returned instead, if the
        pull request's title is about the entry (shares a word with it, change words aside).
        """
        scored, kept = self._ranked(text, component, components)
        if not kept:
            return None
        top_score, top = kept[0]
        merge = None
        for score, other in scored:
            if other is top or score * MARGIN < top_score:
                continue
            if other.words == top.words or other.pull or top.pull:
                continue  # a backport, or a pull request of it
            merge = _same_pull(owner, top.sha, other.sha) if owner else None
            if merge is None or not self._about(merge, words(split_component(text)[1])):
                return None  # two different changes fit about as well
        if merge is not None:
            return merge, round(top_score, 3), True
        return top.sha, round(top_score, 3), top.pull

    def by_identifiers(
        self, text: str, component: str | None, components: Components
    ) -> tuple[str, float] | None:
        """(sha, score) of the one candidate naming every identifier of the entry.

        For entries that name identifiers (`pcmk_rc_duplicate_id`, `crm_time_as_string()`;
        tool names do not count) but are worded apart from their commit: the candidate must
        score ID_SCORE, agree on the component and name no identifier the entry lacks; any
        other such candidate (not a backport or pull request of it) leaves the entry out.
        """
        named, rest = split_component(text)
        entry_words = words(rest)
        needed = frozenset(i for i in identifiers(rest) | functions(rest) if not components(i))
        if not needed or len(entry_words) < 2:
            return None
        entry_comps = components(component or named) if (component or named) else frozenset()
        if self._last[0] != rest:
            self._last = (rest, self._scores(entry_words))
        found = [
            (score, c)
            for score, c in self._last[1]
            if score >= ID_SCORE
            and needed <= c.all_words
            and c.identifiers <= entry_words
            and _needed(entry_comps, c, ID_SCORE) <= ID_SCORE
        ]
        if not found:
            return None
        top_score, top = found[0]
        if any(c.words != top.words and not (c.pull or top.pull) for _, c in found[1:]):
            return None
        return top.sha, round(top_score, 3)

    def identifier_summary(
        self, text: str, components: Components, owner: Owner
    ) -> tuple[str, float] | None:
        """(merge sha, share of identifiers) when one pull request brought the commits naming
        the entry's identifiers.

        For lines listing several identifiers ("drop enum `ocf_exitcode` values
        `PCMK_OCF_CANCELLED`, `PCMK_OCF_SIGNAL`, ..."), one commit each. The commits naming
        any of them and no identifier the entry lacks are grouped by the pull request that
        brought them (a commit of no pull request is a group of its own): the group naming the
        most identifiers must name half of them at least and twice as many as any other group,
        and its pull request's title must share a word with the entry.
        """
        rest = split_component(text)[1]
        entry_words = words(rest)
        needed = frozenset(i for i in identifiers(rest) | functions(rest) if not components(i))
        if len(needed) < 2:
            return None
        named: dict[str, set[str]] = {}
        for name in needed:
            for i in self.by_word.get(name, ()):
                cand = self.candidates[i]
                if not cand.pull and cand.identifiers <= entry_words:
                    group = owner(cand.sha) or cand.sha
                    named.setdefault(group, set()).update(needed & cand.all_words)
        ranked = sorted(named.items(), key=lambda item: -len(item[1]))
        if not ranked or len(ranked[0][1]) * 2 < max(len(needed), 3):
            return None
        merge, found = ranked[0]
        if len(ranked) > 1 and len(ranked[1][1]) * 2 > len(found):
            return None
        if merge not in self.pulls or not self._about(merge, entry_words):
            return None
        return merge, round(len(found) / len(needed), 3)

    def _about(self, merge: str, entry_words: frozenset[str]) -> bool:
        """Whether the pull request's title shares a word with the entry, change words aside."""
        title = self.pulls.get(merge)
        return title is not None and bool((title.words & entry_words) - CHANGE_WORDS)

    def summary(
        self, text: str, component: str | None, components: Components, owner: Owner
    ) -> tuple[str, float] | None:
        """(merge sha, score) when the commits the entry fits best came in one pull request.

        The best two commits (each scoring SUMMARY_SCORE at least) share the merge, the best
        commit of any other pull request scores below theirs by MARGIN, and the pull request's
        title shares a word with the entry.
        """
        _, kept = self._ranked(text, component, components, floor=SUMMARY_SCORE)
        commits = [(score, c) for score, c in kept if not c.pull][:SUMMARY_DEPTH]
        if len(commits) < 2 or commits[1][0] < SUMMARY_SCORE:
            return None
        merge = owner(commits[0][1].sha)
        if merge is None or owner(commits[1][1].sha) != merge:
            return None
        if not self._about(merge, words(split_component(text)[1])):
            return None  # a pull request about something else (or about changing anything)
        rival = next((s for s, c in commits[2:] if owner(c.sha) != merge), 0.0)
        if rival * MARGIN >= commits[1][0]:
            return None
        return merge, round(commits[0][0], 3)

    def _ranked(
        self, text: str, component: str | None, components: Components, floor: float = 0.0
    ) -> tuple[list[tuple[float, Candidate]], list[tuple[float, Candidate]]]:
        """All candidates sharing a word by score, and those passing every check.

        Given a floor (summaries), a candidate need name only one of the functions an entry
        lists ("deprecate inputfd(), noop() and quit()"): each commit names one.
        """
        named, rest = split_component(text)
        entry_words = words(rest)
        if len(entry_words) < 2:
            return [], []
        entry_ids = frozenset(i for i in identifiers(rest) if not components(i))
        entry_calls = functions(rest)
        entry_comps = components(component or named) if (component or named) else frozenset()
        if self._last[0] != rest:  # summary() ranks the entry best() just ranked
            self._last = (rest, self._scores(entry_words))
        scored = self._last[1]
        lowest, kept = floor or MIN_SCORE, []
        for score, c in scored:
            if score < lowest:
                break  # best first: no later candidate reaches any threshold
            if (
                (entry_calls <= c.all_words or (floor and entry_calls & c.all_words))
                and _compatible(entry_ids | entry_calls if floor else entry_ids, entry_words, c)
                and score >= _needed(entry_comps, c, floor)
                and (floor or _enough_shared(entry_words, entry_ids | entry_calls, c))
            ):
                kept.append((score, c))
        return scored, kept

    def _scores(self, entry_words: frozenset[str]) -> list[tuple[float, Candidate]]:
        """Candidates scoring LOWEST_SCORE or more, best first.

        The score is the harmonic mean of the weighted coverage of each side's words by the
        other's; common weights are summed through the word index.
        """
        weight, common = self.weight, Counter[int]()
        for word in entry_words:
            found = weight.get(word)
            if found is not None:
                for i in self.by_word[word]:
                    common[i] += found
        entry_total = sum(weight.get(w, 1.0) for w in entry_words)
        needed = entry_total * LOWEST_SCORE / 2  # a score of s needs recall >= s / 2
        scored = []
        for i, shared in common.items():
            if shared < needed:
                continue
            recall, precision = shared / entry_total, shared / self.totals[i]
            score = 2 * recall * precision / (recall + precision)
            if score >= LOWEST_SCORE:
                scored.append((score, i))
        scored.sort(key=lambda pair: (-pair[0], self.candidates[pair[1]].pull, pair[1]))
        return [(score, self.candidates[i]) for score, i in scored]


def _same_pull(owner: Owner, one: str, other: str) -> str | None:
    """The merge of the pull request both commits came in, if one did."""
    merge = owner(one)
    return merge if merge is not None and owner(other) == merge else None


def _needed(entry_comps: frozenset[str], cand: Candidate, floor: float = 0.0) -> float:
    """The score a candidate needs: more when its component and the entry's disagree.

    Given a floor (summaries), that is the score needed, and a disagreeing component excludes.
    """
    if entry_comps and cand.components and not entry_comps & cand.components:
        return 2.0 if floor else OTHER_COMPONENT_SCORE
    return floor or MIN_SCORE


def _enough_shared(entry_words: frozenset[str], entry_ids: frozenset[str], cand: Candidate) -> bool:
    """An identifier in common, or MIN_SHARED words."""
    shared = entry_words & cand.words
    if len(shared) >= MIN_SHARED or shared & (entry_ids | cand.identifiers):
        return True
    return any("_" in word or not word.isalpha() for word in shared)


def _compatible(entry_ids: frozenset[str], entry_words: frozenset[str], cand: Candidate) -> bool:
    """The entry's identifiers (one at least) in the candidate, all of the candidate's in it."""
    if entry_ids and not entry_ids & cand.all_words:
        return False
    return cand.identifiers <= entry_words


def taxonomy_components(project: str | None) -> Components:
    """Component names ("libpe_rules,libpe_status") -> the taxonomy roots they stand for."""
    return Components(project)


_NAME_SEPARATOR = re.compile(r"\s*(?:,|/|\band\b)\s*")
