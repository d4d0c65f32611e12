"""Linking ChangeLog entries to commits: each method, the range first, newest first, the band."""

from __future__ import annotations

import random

from rapidfuzz import fuzz

from digest.fetch.matching import FUZZY_CUTOFF, SubjectIndex, link_entries, subject_key
from digest.models import ChangelogEntry

COMMITS = [  # newest first
    ("a1", "Low: crmd: Fix the election timer (bnc#123)"),
    ("a2", "Fix the election timer"),
    ("b1", "High: pengine: Correctly order the stop of a clone after its demote"),
    ("c1", "Medium: stonith: Fix memory leak in the fence history"),
    ("d1", "Refactor: libcrmcommon: Remove the unused functions"),
    ("e1", "cib: Make the diff application quicker for large configurations"),
]


def entry(text: str) -> ChangelogEntry:
    """A ChangeLog entry whose raw line is the text."""
    return ChangelogEntry(position=1, text=text, raw=text)


def link(text: str, within: set[str]) -> tuple[str | None, str | None]:
    """(sha, method) of one entry."""
    [(_, sha, method, _)] = link_entries([entry(text)], SubjectIndex(COMMITS), within)
    return sha, method


def test_exact_subject_within_the_range() -> None:
    assert link("Fix the election timer", {"a1", "a2"}) == ("a2", "exact")


def test_normalised_subject_takes_the_newest_commit_in_range() -> None:
    assert link("crmd: fix the election timer", {"a1", "a2"}) == ("a1", "normalised")
    assert link("crmd: fix the election timer", {"a2"}) == ("a2", "normalised")


def test_subject_followed_by_body_text_is_a_prefix_match() -> None:
    text = "Medium: stonith: Fix memory leak in the fence history when a node is lost"
    assert link(text, {"c1"}) == ("c1", "prefix")


def test_reworded_subject_is_a_fuzzy_match_within_the_range_only() -> None:
    text = "pengine: Correctly order the stop of a clone after the demote"
    assert link(text, {"b1"}) == ("b1", "fuzzy")
    assert link(text, {"b1", "a-parent-never-stored"}) == ("b1", "fuzzy")
    assert link(text, {"c1", "d1"}) == (None, None)


def test_outside_the_range_only_exact_or_normalised_count() -> None:
    assert link("Fix the election timer", {"c1"}) == ("a2", "exact-outside-range")
    text = "pengine: Correctly order the stop of a clone after the demote"
    assert link(text, set()) == (None, None)


def test_normalise_drops_prefixes_tickets_case_and_punctuation() -> None:
    assert subject_key("Low: crmd: Fix the election timer (bnc#123)") == "fix the election timer"
    assert subject_key("High: Fix: pengine: Don't crash") == "don t crash"
    assert subject_key("plain words only") == "plain words only"


def test_length_band_loses_no_match_above_the_cutoff() -> None:
    """The band is exact: every string scoring at the cutoff lies inside it."""
    rng = random.Random(7)
    words = ["fix", "the", "crmd", "stonith", "node", "clone", "resource", "timer", "leak"]

    def sentence() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(2, 12)))

    subjects = {f"sha{i}": sentence() for i in range(400)}
    banded = SubjectIndex(subjects.items()).fuzzy_choices(subjects)
    keys = [" ".join(sorted(subject_key(s).split())) for s in subjects.values()]
    for _ in range(300):
        query = sentence()
        found = banded.best(entry(query))
        target = " ".join(sorted(subject_key(query).split()))
        best = max(fuzz.ratio(target, key) for key in keys)
        assert (found is not None) == (best >= FUZZY_CUTOFF)
