"""Never an empty release section (issue 16): rc sections, commits, backports, a last note."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digest.config import load_config
from digest.draft.fallback import backport_order, sibling_of
from digest.draft.render import render_post
from digest.draft.select import build_digest
from digest.monthly import translation_pipeline
from digest.store import open_db
from tests.helpers import Upstream, run_cli, write_config

TAGS = r"^v(?P<version>\d+\.\d+\.\d+(?:rc\d+)?)$"
CHANGELOG_FINAL_EMPTY = """\
* Wed Mar 16 2011 demo contributors
- stable release 2.0.0

* Mon Mar 14 2011 demo contributors
- release candidate 2.0.0 rc1
- IPaddr2: fix the netmask of an IPv6 address
- Filesystem: new force_unmount option

* Sun Mar 13 2011 demo contributors
- stable release 1.0.0
- initial release
"""


def drafted(tmp_path, repo: Upstream, month: str = "2011-03"):
    """Fetch the repository and build the month's digest (and its post)."""
    config_path = write_config(
        tmp_path, str(repo.path), release_tags=TAGS, changelogs=["ChangeLog"]
    )
    fetched = run_cli(config_path, "fetch")
    assert fetched.exit_code == 0, fetched.output
    config = load_config(config_path)
    db = open_db(config.settings.database)
    digest = build_digest(config, db, month, translate=translation_pipeline(config, db).translate)
    return digest, render_post(digest)


def rc_only_upstream(path: Path) -> Upstream:
    """1.0.0, then 2.0.0rc1 whose ChangeLog section holds the changes, then 2.0.0 with an empty
    section of its own (as resource-agents 4.18.0)."""
    repo = Upstream(path)
    repo.commit("Initial import", {"ChangeLog": CHANGELOG_FINAL_EMPTY.split("* Mon")[0]})
    repo.tag("v1.0.0")
    repo.commit("IPaddr2: fix the netmask of an IPv6 address", {"heartbeat/IPaddr2": "a\n"})
    repo.commit("Filesystem: new force_unmount option", {"heartbeat/Filesystem": "b\n"})
    rc_log = CHANGELOG_FINAL_EMPTY.split("* Wed")[1]
    repo.commit("build: ChangeLog for 2.0.0rc1", {"ChangeLog": "* Wed" + rc_log})
    repo.tag("v2.0.0rc1")
    repo.commit("build: ChangeLog for 2.0.0", {"ChangeLog": CHANGELOG_FINAL_EMPTY})
    repo.tag("v2.0.0")
    return repo


def test_a_final_with_an_empty_changelog_section_shows_its_rc_entries(tmp_path):
    repo = rc_only_upstream(tmp_path / "up")
    digest, post = drafted(tmp_path, repo)
    final = next(s for s in digest.releases if s.version == "2.0.0")
    assert [c.english for c in final.changes] == [
        "IPaddr2: fix the netmask of an IPv6 address",
        "Filesystem: new force_unmount option",
    ]
    assert final.rc_sources == ("2.0.0rc1",) and final.selection.startswith("rc-changelog")
    assert "（ChangeLogではリリース候補版2.0.0rc1の節に書かれています）" in post


@pytest.fixture
def backport(tmp_path):
    """1.1.0 on main with three changes; 1.0.1 on the 1.0 branch with two of them
    cherry-picked, tagged before 1.1.0."""
    repo = Upstream(tmp_path / "up")
    repo.commit("Initial import", {"README": "demo\n"})
    repo.tag("v1.0.0")
    repo.git("branch", "1.0")
    fixes = [
        repo.commit("cpg: Handle errors from totem_mcast", {"cpg.c": "1\n"}),
        repo.commit("cfg: Handle errors from totem_mcast", {"cfg.c": "1\n"}),
    ]
    repo.commit("rrp: Handle endless loop if all ifaces are faulty", {"rrp.c": "1\n"})
    repo.git("checkout", "-q", "1.0")
    early = {  # before the last main commit
        "GIT_COMMITTER_DATE": f"{repo.clock - 5400} +0000",
        "GIT_COMMITTER_NAME": "Backporter",
        "GIT_COMMITTER_EMAIL": "backport@example.org",
    }
    for sha in fixes:
        repo.git("cherry-pick", sha, env=early)
    repo.tag("v1.0.1")
    repo.git("checkout", "-q", "main")
    repo.tag("v1.1.0")
    return repo


def test_a_backport_tagged_first_still_points_at_the_release_it_copies(tmp_path, backport):
    digest, post = drafted(tmp_path, backport)
    sections = {s.version: s for s in digest.releases}
    assert [s.version for s in digest.releases] == ["1.0.0", "1.0.1", "1.1.0"]
    assert sections["1.0.1"].changes == () and sections["1.0.1"].same_as == "1.1.0"
    assert [c.english for c in sections["1.1.0"].changes] == [
        "cpg: Handle errors from totem_mcast",
        "cfg: Handle errors from totem_mcast",
        "rrp: Handle endless loop if all ifaces are faulty",
    ]
    assert "1.1.0と同じ修正を含みます。" in post


def test_a_release_with_nothing_to_show_says_so(tmp_path):
    repo = _one_commit_release(tmp_path, "Bump version to 1.0.1", {"VERSION": "1.0.1\n"})
    digest, post = drafted(tmp_path, repo)
    empty = next(s for s in digest.releases if s.version == "1.0.1")
    assert empty.changes == () and not empty.same_as
    assert "このリリースで取り上げる変更は見つかりませんでした。" in post


def test_commits_of_an_unknown_kind_are_shown_when_nothing_else_is(tmp_path):
    message = "Resolve a deadlock between the timer and serialize locks."
    repo = _one_commit_release(tmp_path, message, {"a.c": "1\n"})
    digest, _ = drafted(tmp_path, repo)
    section = next(s for s in digest.releases if s.version == "1.0.1")
    assert [c.english for c in section.changes] == [
        "Resolve a deadlock between the timer and serialize locks."
    ]


def test_the_backport_rule_prefers_the_largest_superset():
    a, b, c = frozenset("a"), frozenset("ab"), frozenset("abc")
    assert sibling_of([a, b, c], 0) == 2 and sibling_of([a, b, c], 1) == 2
    assert sibling_of([a, b, c], 2) is None
    assert sibling_of([frozenset(), c], 0) is None  # nothing to compare: not a backport
    assert sibling_of([b, b], 1) == 0 and sibling_of([b, b], 0) is None  # a tie: the first
    assert backport_order([a, c, frozenset("x")]) == [1, 2, 0]


def test_a_backport_is_tagged_within_a_day_of_its_sibling():
    # corosync 1.3.2 (2011-07-07) holds only commits of 1.4.0 (2011-07-18): not a backport
    days = [date(2011, 7, 7), date(2011, 7, 18), date(2011, 7, 18)]
    small, large = frozenset("a"), frozenset("ab")
    assert sibling_of([small, large, frozenset("x")], 0, days) is None
    days = [date(2011, 10, 6), date(2011, 10, 5), date(2011, 10, 20)]
    assert sibling_of([small, large, frozenset("x")], 0, days) == 1


def _one_commit_release(tmp_path, message: str, files: dict[str, str]) -> Upstream:
    """An upstream tagged v1.0.0 at its first commit and v1.0.1 one commit later."""
    repo = Upstream(tmp_path / "up")
    repo.commit("Initial import", {"README": "demo\n"})
    repo.tag("v1.0.0")
    repo.commit(message, files)
    repo.tag("v1.0.1")
    return repo
