"""Commit bodies as linking evidence (issue 12): the one commit whose subject and body say what
a ChangeLog line says. Subjects and bodies are Pacemaker's own (abridged)."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest import fetch, store
from digest.config import load_config
from digest.fetch.bodies import BodyWords
from digest.fetch.matching import SubjectIndex, link_entries
from digest.fetch.similarity import candidate, split_component, taxonomy_components
from digest.models import ChangelogEntry
from tests.helpers import Upstream, write_config

COMPONENTS = taxonomy_components("pacemaker")
REPLY = (
    "Fix: libcrmcommon: wait for reply from appropriate controller commands",
    "ipc_controld.c:reply_expected() wrongly omitted PCMK__CONTROLD_CMD_NODES and\n"
    "CRM_OP_RM_NODE_CACHE. Because CRM_OP_RM_NODE_CACHE gets only an ack, we now have to be\n"
    "careful not to return true from dispatch(), otherwise crm_node -R would wait forever\n"
    "for more data.\n\nRegression introduced in 2.0.5 by ae14fa4a\n\nFixes T681",
)
MOVES = (
    "Fix: scheduler: order resource moves after connection starts",
    "This addresses a regression in behavior since 1.1.18. By allowing stops to proceed\n"
    "before probes finished, that change allowed the stop of a resource moving to a\n"
    "coming-up remote node to happen before the remote node connection's start, leading\n"
    "to unnecessary downtime.\n\nRHBZ#1648507",
)
DIGESTS = (
    "Fix: scheduler: check bundle remote connection actions properly",
    "The recorded digest is checked against the calculated digest before resources have\n"
    "been allocated to nodes. This makes the definition appear to be changed, causing\n"
    "unnecessary monitor rescheduling, and wrongly clearing any fail count present.\n\n"
    "Signed-off-by: Ken Gaillot <kgaillot@redhat.com>",
)
COMMITS = {"c1": REPLY, "c2": MOVES, "c3": DIGESTS, "c0": ("Build: base commit", "")}


def link(raw: str, commits: dict[str, tuple[str, str]] = COMMITS) -> tuple[str | None, str | None]:
    """(sha, method) of one ChangeLog.md line linked within the given commits."""
    bodies = {sha: body for sha, (_, body) in commits.items() if body}
    index = SubjectIndex(((sha, subject) for sha, (subject, _) in commits.items()), bodies)
    component, text = split_component(raw)
    entry = ChangelogEntry(1, text, raw, component=component or None)
    [(_, sha, method, _)] = link_entries([entry], index, set(commits), COMPONENTS)
    return sha, method


def test_a_line_saying_what_a_body_says_links_to_that_commit() -> None:
    line = "**tools:** wait for reply from `crm_node -R` (regression introduced in 2.0.5)"
    assert link(line) == ("c1", "commit-body")
    assert link("**Pacemaker Remote:** avoid unnecessary downtime when moving resource to "
                "Pacemaker Remote node that fails to come up") == ("c2", "commit-body")  # fmt: skip


def test_without_the_bodies_the_same_lines_stay_unlinked() -> None:
    bare = {sha: (subject, "") for sha, (subject, _) in COMMITS.items()}
    line = "**tools:** wait for reply from `crm_node -R` (regression introduced in 2.0.5)"
    assert link(line, bare) == (None, None)


def test_two_bodies_fitting_about_as_well_leave_the_line_unlinked() -> None:
    twin = ("Fix: controller: keep resources in place until remote connections start", MOVES[1])
    line = "avoid unnecessary downtime when moving resource to remote node"
    assert link(line)[1] == "commit-body"
    assert link(line, {**COMMITS, "c4": twin}) == (None, None)


def test_an_identifier_the_commit_does_not_name_refuses_the_link() -> None:
    line = "wait for reply from crm_node -R in `pcmk_ipc_purge_node()` (regression in 2.0.5)"
    assert link(line) == (None, None)


def test_a_line_of_two_words_is_too_vague_for_a_body() -> None:
    assert link("unnecessary downtime") == (None, None)


def test_trailer_lines_are_no_evidence() -> None:
    words = BodyWords(dict([("c3", DIGESTS[1])]))
    found = words(candidate("c3", DIGESTS[0], COMPONENTS))
    assert {"rescheduling", "digest", "bundle"} <= found
    assert not {"ken", "gaillot", "signed", "kgaillot"} & found


CHANGELOG = """\
* Wed Nov 23 2011 A <a@x> 1.0.1-1
- wait for reply from crm_node -R (regression introduced in 2.0.5)
- Fix the election timer
"""


@pytest.mark.parametrize("tag_later", [False, True], ids=["first-fetch", "later-fetch"])
def test_fetch_links_by_the_bodies_it_streamed_or_stored(
    tmp_path: Path, upstream: Upstream, tag_later: bool
) -> None:
    """A first fetch reads the bodies from the stream; a later one from the store."""
    reply = upstream.commit("\n\n".join(REPLY), {"lib/common/ipc_controld.c": "x\n"})
    upstream.commit("\n\n".join(MOVES), {"lib/pacemaker/pcmk_sched_ordering.c": "y\n"})
    timer = upstream.commit("Low: crmd: Fix the election timer", {"crmd/election.c": "z\n"})
    config = write_config(
        tmp_path,
        str(upstream.path),
        release_tags=r"^Pacemaker-(?P<version>\d+\.\d+\.\d+)$",
        changelogs=["ChangeLog"],
    )
    db = store.open_db(load_config(config).settings.database)
    if tag_later:
        fetch.fetch(load_config(config), db)
    upstream.commit("Release 1.0.1", {"ChangeLog": CHANGELOG})
    upstream.tag("Pacemaker-1.0.1")
    fetch.fetch(load_config(config), db)
    entries = store.changelog_entries(db, "demo", "1.0.1")
    found = {e["text"][:14]: (e["commit_sha"], e["match_method"]) for e in entries}
    assert found == {
        "wait for reply": (reply, "commit-body"),
        "Fix the electi": (timer, "normalised"),
    }


def test_a_body_sharing_only_two_of_three_words_is_no_link() -> None:
    """drbd-utils 9.33.0: "allow bitmap granularity" is not the bitmap allocation switch."""
    bitmap = (
        "v9,config_flags: Allow stand-alone devices to omit bitmap allocation",
        "Introduce a new configuration option 'bitmap' in the disk options\nsection. It "
        "defaults to yes. When it is set to no, the DRBD driver\ndoes not allocate memory.",
    )
    assert link("drbdmeta: allow bitmap granularity", {**COMMITS, "c5": bitmap}) == (None, None)
