"""Linking needs evidence (issue 12): shared identifiers, distinctive words, a PR about it."""

from __future__ import annotations

from digest.fetch.matching import SubjectIndex, link_entries
from digest.fetch.pulls import PullOwners
from digest.fetch.similarity import split_component, taxonomy_components
from digest.models import ChangelogEntry

COMPONENTS = taxonomy_components("pacemaker")
COMMITS = [  # newest first
    ("m4", "Merge pull request #3522 from kgaillot/drop"),
    ("e1", "API: libcrmcommon: drop PCMK_OCF_SIGNAL (enum ocf_exitcode value)"),
    ("e2", "API: libcrmcommon: drop PCMK_OCF_PENDING (enum ocf_exitcode value)"),
    ("e3", "API: libcrmcommon: drop PCMK_OCF_TIMEOUT (enum ocf_exitcode value)"),
    ("m3", "Merge pull request #3499 from nrwahl2/based_drops"),
    ("d1", "Feature: tools: Drop cibadmin --host option"),
    ("d2", "Feature: tools: Drop cibadmin --no-bcast option"),
    ("m5", "Merge pull request #1429 from kgaillot/changes20"),
    ("p1", "Low: libcrmcommon: split internal headers out of public ones"),
    ("x1", "API: libcrmcommon: deprecate direct access to all members of pcmk_scheduler_t"),
    ("x2", "API: libcrmcommon: deprecate direct access to all members of pcmk_tag_t"),
    ("x3", "API: libcrmcommon: New pcmk_rc_duplicate_id return code"),
    ("x4", "Low: libcrmcommon: Use pcmk_rc_duplicate_id in pcmk_rule.c"),
    ("x0", "Build: base commit"),
]
PULL_BODIES = {
    "m4": "Drop more deprecated APIs\n",
    "m3": "Drop support for rolling upgrades from < 2.0.0, start removing legacy code\n",
    "m5": "Public API improvements\n",
}
PARENTS = {
    "m4": ("m3", "e1"),
    "e1": ("e2",),
    "e2": ("e3",),
    "e3": ("m3",),
    "m3": ("m5", "d1"),
    "d1": ("d2",),
    "d2": ("m5",),
    "m5": ("x1", "p1"),
    "p1": ("x1",),
    "x1": ("x2",),
    "x2": ("x3",),
    "x3": ("x4",),
    "x4": ("x0",),
    "x0": (),
}


def link(raw: str) -> tuple[str | None, str | None]:
    """(sha, method) of one ChangeLog.md line linked within the whole graph."""
    index = SubjectIndex(COMMITS)
    for sha, body in PULL_BODIES.items():
        index.add_pull(sha, dict(COMMITS)[sha], body)
    component, text = split_component(raw)
    entry = ChangelogEntry(1, text, raw, component=component or None)
    [(_, sha, method, _)] = link_entries([entry], index, set(PARENTS), COMPONENTS, PARENTS)
    return sha, method


def test_a_prefix_link_needs_every_identifier_of_the_entry_in_the_subject() -> None:
    raw = "**libcrmcommon:** deprecate direct access to all members of pcmk_scheduler_t, pcmk_tag_t"
    assert link(raw) == (None, None)  # x1 and x2 each name one of them
    one = "**libcrmcommon:** deprecate direct access to all members of pcmk_scheduler_t (T792)"
    assert link(one) == ("x1", "prefix")


def test_a_vague_line_sharing_two_plain_words_with_a_pull_request_stays_unlinked() -> None:
    assert link("Numerous changes to public C API of libraries") == (None, None)


def test_a_pull_request_about_something_else_is_no_summary_of_the_line() -> None:
    """d1 and d2 came in m3, whose title shares nothing with the line but "drop": the title
    methods (pull-request-summary, pull-request-ids) refuse it. Its commits say the line word
    for word, so the last method in the range (round 5) links the merge by them."""
    assert link("**tools:** drop deprecated `cibadmin --host` and `--no-bcast` options") == (
        "m3",
        "pull-request-commits",
    )


def test_a_line_naming_an_identifier_links_to_the_one_commit_naming_it() -> None:
    # x4 names pcmk_rule too, which the line does not: x3 is the only candidate
    sha, method = link("**libcrmcommon:** add pcmk_rc_duplicate_id")
    assert sha == "x3"
    assert method == "identifiers"  # too few words in common for token-set


def test_a_line_listing_the_identifiers_of_one_pull_request_links_to_its_merge() -> None:
    raw = (
        "**libcrmcommon:** drop deprecated enum `ocf_exitcode` values `PCMK_OCF_PENDING`, "
        "`PCMK_OCF_SIGNAL`, and `PCMK_OCF_TIMEOUT`"
    )
    sha, method = link(raw)
    assert sha == "m4"
    assert method == "pull-request-set"  # e1, e2 and e3 fit about as well


def test_identifier_groups_follow_the_pull_requests() -> None:
    owners = PullOwners(set(PARENTS), PARENTS, {"m3", "m4", "m5"})
    assert {owners.owner(sha) for sha in ("e1", "e2", "e3")} == {"m4"}
    assert owners.owner("x3") is None


def test_identifier_summary_needs_one_pull_request_about_the_line() -> None:
    index = SubjectIndex(COMMITS)
    for sha, body in PULL_BODIES.items():
        index.add_pull(sha, dict(COMMITS)[sha], body)
    matcher = index.range_matcher(set(PARENTS), COMPONENTS)
    owners = PullOwners(set(PARENTS), PARENTS, {"m3", "m4", "m5"})
    values = "`ocf_exitcode` values `PCMK_OCF_PENDING`, `PCMK_OCF_SIGNAL`, and `PCMK_OCF_TIMEOUT`"
    found = matcher.identifier_summary(f"drop deprecated {values}", COMPONENTS, owners.owner)
    assert found == ("m4", 1.0)
    # the title ("Drop more deprecated APIs") shares no word but "drop" with this one
    assert matcher.identifier_summary(f"drop {values}", COMPONENTS, owners.owner) is None
    # nor this one, worded apart from the title
    assert matcher.identifier_summary(f"{values} are gone", COMPONENTS, owners.owner) is None


def test_a_prefix_followed_by_a_new_sentence_is_the_body_joined_in() -> None:
    raw = (
        "**libcrmcommon:** deprecate direct access to all members of pcmk_scheduler_t "
        "Use pcmk_get_scheduler() instead"
    )
    assert link(raw) == ("x1", "prefix")
