"""Commit bodies as evidence for ChangeLog entries worded apart from every subject.

The last linking method before looking outside the range. A ChangeLog.md line often says what
the commit's body says, not its subject ("wait for reply from crm_node -R (regression
introduced in 2.0.5)" is the body of "Fix: libcrmcommon: wait for reply from appropriate
controller commands"). Each commit of the range is read as its subject and body together; an
entry is linked to the one commit whose words cover BODY_SCORE of the entry's (weighted: words
rarer in the range weigh more), when

- the entry has MIN_WORDS content words at least (a vague line fits many bodies), and the
  commit has MIN_WORDS of them (as token-set asks of a subject);
- the commit names every identifier and function the entry names;
- every other commit (not one with the same subject: a backport) covers the entry BODY_MARGIN
  times less;
- it is no merge and no internal work (Refactor:, Test:, Log:, Doc:).

Components are not compared: a ChangeLog.md line files a fix under the tool or the build it
shows in ("tools:", "build:") while its commit names the library it touches (on the dev split
the check refused five right links and no wrong one).

Body words are read once per commit (release ranges overlap) and only for ranges where an entry
reaches this method.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

from digest.fetch.similarity import (
    Candidate,
    Components,
    functions,
    identifiers,
    split_component,
    words,
)

BODY_SCORE = 0.8
BODY_MARGIN = 1.5
MIN_WORDS = 3


class BodyMatcher:
    """The commits of one release range as the words of their subjects and bodies, indexed by
    the words of the release's entries (the only words ever looked up)."""

    def __init__(
        self, candidates: Iterable[tuple[Candidate, frozenset[str]]], vocabulary: frozenset[str]
    ) -> None:
        self.candidates: list[Candidate] = []  # those sharing a word with some entry
        self.by_word: defaultdict[str, list[int]] = defaultdict(list)
        size = 1
        for cand, found in candidates:
            size += 1
            shared = found & vocabulary
            if shared:
                for word in shared:
                    self.by_word[word].append(len(self.candidates))
                self.candidates.append(cand)
        self.size = size

    def best(self, text: str, components: Components) -> tuple[str, float] | None:
        """(sha, score) of the one commit whose subject and body cover the entry."""
        rest = split_component(text)[1]
        entry_words = words(rest)
        if len(entry_words) < MIN_WORDS:
            return None
        weight = {
            w: math.log(self.size / len(self.by_word[w])) + 1.0
            for w in entry_words
            if w in self.by_word
        }
        entry_total = sum(weight.get(w, 1.0) for w in entry_words)
        common: dict[int, float] = {}
        shared: dict[int, int] = {}
        for word, found in weight.items():
            for i in self.by_word[word]:
                common[i] = common.get(i, 0.0) + found
                shared[i] = shared.get(i, 0) + 1
        if not common:
            return None
        first = min(common, key=lambda i: (-common[i], i))  # the highest, newest on ties
        top, score = self.candidates[first], common[first]
        if score < entry_total * BODY_SCORE or shared[first] < MIN_WORDS:
            return None
        needed = frozenset(i for i in identifiers(rest) | functions(rest) if not components(i))
        if any(i not in self.by_word or first not in self.by_word[i] for i in needed):
            return None
        others = (s for i, s in common.items() if self.candidates[i].words != top.words)
        if max(others, default=0.0) * BODY_MARGIN > score:
            return None
        return top.sha, round(score / entry_total, 3)


def entry_words(text: str) -> frozenset[str]:
    """The content words of a ChangeLog entry after its component; empty when too few."""
    found = words(split_component(text)[1])
    return found if len(found) >= MIN_WORDS else frozenset()


class BodyWords:
    """The content words of each commit's subject and body, read on first use and remembered."""

    def __init__(self, bodies: Mapping[str, str]) -> None:
        self._bodies = bodies
        self._words: dict[str, frozenset[str]] = {}

    def __call__(self, cand: Candidate) -> frozenset[str]:
        """The words of the commit's whole subject and of its body (if one is known)."""
        found = self._words.get(cand.sha)
        if found is None:
            body = self._bodies.get(cand.sha)
            found = cand.all_words | _body_words(body) if body else cand.all_words
            self._words[cand.sha] = found
        return found


def _body_words(body: str) -> frozenset[str]:
    """Words of a body without its trailer lines (Signed-off-by:, Co-authored-by:)."""
    if not body:
        return frozenset()
    lines = [line for line in body.splitlines() if not _is_trailer(line)]
    return words("\n".join(lines))


def _is_trailer(line: str) -> bool:
    """A `Key-Word: value` trailer line."""
    key, colon, _ = line.partition(":")
    return bool(colon) and key.endswith("-by")
