"""Linking ChangeLog.md entries (issue 12): bold components, PR titles, token sets, summaries."""

from __future__ import annotations

from digest import store
from digest.config import load_config
from digest.fetch.matching import SubjectIndex, link_entries, subject_key
from digest.fetch.pulls import PullOwners
from digest.fetch.similarity import identifiers, split_component, taxonomy_components
from digest.models import ChangelogEntry, Release
from tests.helpers import run_cli, write_config

COMPONENTS = taxonomy_components("pacemaker")
COMMITS = [  # newest first
    ("m1", "Merge pull request #3893 from nrwahl2/nrwahl2-simulate"),
    ("c1", "Fix: libpacemaker: Prevent CIB growth during crm_simulate --profile"),
    ("m2", "Merge pull request #3850 from clumens/ipc-prep"),
    ("c2", "Feature: libcrmcommon: crm_ipc_send can send large IPC messages."),
    ("c3", "Feature: libcrmcommon: crm_ipc_read can receive large IPC messages."),
    ("c4", "API: libpe_status: deprecate pe_free_working_set()"),
    ("c5", "Fix: scheduler: Act on clone instances in numerical order"),
    ("c6", "Refactor: scheduler: clone instances in numerical order helper"),
    ("c7", "Fix: fencer: get target-by-attribute working again"),
    ("c0", "Build: base commit"),
]
PULL_BODIES = {
    "m1": "Prevent CIB growth during crm_simulate --profile\n\nmore text",
    "m2": "Support large IPC messages\n",
}
PARENTS = {  # m2 merges the branch c3 <- c2 into c4; m1 merges c1 into m2
    "m1": ("m2", "c1"),
    "c1": ("m2",),
    "m2": ("c4", "c2"),
    "c2": ("c3",),
    "c3": ("c4",),
    "c4": ("c5",),
    "c5": ("c6",),
    "c6": ("c7",),
    "c7": ("c0",),
    "c0": (),
}


def index() -> SubjectIndex:
    found = SubjectIndex(COMMITS)
    for sha, body in PULL_BODIES.items():
        found.add_pull(sha, dict(COMMITS)[sha], body)
    return found


def link(raw: str, within: set[str] | None = None) -> tuple[str | None, str | None, float | None]:
    """(sha, method, score) of one ChangeLog.md line."""
    component, text = split_component(raw)
    entry = ChangelogEntry(1, text, raw, component=component or None)
    [(_, sha, method, score)] = link_entries(
        [entry], index(), within or set(PARENTS), COMPONENTS, PARENTS
    )
    return sha, method, score


def test_bold_component_is_normalised_away() -> None:
    assert subject_key("**libpacemaker:** Prevent CIB growth during `crm_simulate --profile`") == (
        "prevent cib growth during crm simulate profile"
    )
    assert link("**libpacemaker:** Prevent CIB growth during `crm_simulate --profile`") == (
        "c1",
        "normalised",
        1.0,
    )


def test_an_entry_worded_as_the_pull_request_title_links_to_its_merge() -> None:
    assert link("**libcrmcommon:** Support large IPC messages")[:2] == ("m2", "pull-request")


def test_token_set_links_a_reworded_entry_and_records_its_score() -> None:
    sha, method, score = link("**scheduler:** start unique clone instances in numerical order")
    assert (sha, method) == ("c5", "token-set")  # the Refactor commit is no candidate
    assert score is not None and 0.5 <= score < 1


def test_a_different_identifier_is_never_linked() -> None:
    assert link("**libpe_status:** deprecate `pe_new_working_set()`") == (None, None, None)
    assert identifiers("deprecate `pe_new_working_set()`") == {"pe_new_working_set"}


def test_a_component_that_disagrees_needs_a_closer_match() -> None:
    text = (
        "get target-by-attribute working for remote guest nodes in bundles with watchdog "
        "devices, topology and colocation constraints"
    )
    sha, method, score = link(f"**fencer:** {text}")
    assert (sha, method) == ("c7", "token-set")
    assert score is not None and 0.5 <= score < 0.7
    assert link(f"**scheduler:** {text}") == (None, None, None)


def test_a_line_summing_up_the_commits_of_one_pull_request_links_to_its_merge() -> None:
    sha, method, _ = link("**libcrmcommon:** crm_ipc_send and crm_ipc_read handle large IPC")
    assert (sha, method) == ("m2", "pull-request-set")  # c2 and c3 fit about as well


def test_outside_the_range_nothing_but_an_exact_subject_links() -> None:
    assert link("**scheduler:** start unique clone instances in numerical order", {"c1"}) == (
        None,
        None,
        None,
    )


def test_pull_owners_climb_plain_commits_to_the_merge() -> None:
    owners = PullOwners(set(PARENTS), PARENTS, {"m1", "m2"})
    assert owners.owner("c3") == "m2"
    assert owners.owner("c2") == "m2"
    assert owners.owner("c1") == "m1"
    assert owners.owner("c5") is None  # on the main line


def test_releases_entries_shows_the_method_and_score(tmp_path, upstream) -> None:
    config_path = write_config(tmp_path, str(upstream.path))
    config = load_config(config_path)
    db = store.open_db(config.settings.database)
    demo = config.project("demo")
    store.save_project(db, demo.id, demo.name, demo.web, demo.commit_url)
    store.save_releases(db, [(Release("demo", "1.0.0", "a" * 40, "2025-08-07"), None)])
    linked = [
        (
            ChangelogEntry(1, "Fix a leak", "**cib:** Fix a leak", component="cib"),
            "b" * 40,
            "token-set",
            0.734,
        ),
        (ChangelogEntry(2, "Other", "**cib:** Other", component="cib"), None, None, None),
    ]
    store.save_changelogs(db, "demo", [("1.0.0", "ChangeLog.md", linked)])
    result = run_cli(config_path, "releases", "--entries")
    assert result.exit_code == 0, result.output
    assert "1/2 linked" in result.output
    assert f"{'b' * 10} {'token-set':<20} 0.73 Fix a leak" in result.output
    assert f"{'unmatched':<20}    - Other" in result.output
