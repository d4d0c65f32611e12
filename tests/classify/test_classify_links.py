"""Ticket references of every era become links (data/links.yaml)."""

from __future__ import annotations

import pytest

from digest.classify import classify
from digest.classify.tickets import Ticket, find_tickets, load_links, repo_url_from_commit_url
from digest.errors import ConfigError

PCMK_REPO = "https://github.com/ClusterLabs/pacemaker"
LF = "http://developerbugs.linux-foundation.org/show_bug.cgi?id="
CL = "https://bugs.clusterlabs.org/show_bug.cgi?id="
SUSE = "https://bugzilla.suse.com/show_bug.cgi?id="
RH = "https://bugzilla.redhat.com/show_bug.cgi?id="


@pytest.mark.parametrize(
    ("text", "label", "url"),
    [
        ("High: PE: Bug lf#2587 - Fix colocation", "lf#2587", LF + "2587"),
        ("Medium: xml: Bug LF:2075 - x", "lf#2075", LF + "2075"),
        ("Low: cib: LF 2310 - x", "lf#2310", LF + "2310"),
        ("crmd: LF bug 1650 fixed", "lf#1650", LF + "1650"),
        ("Fix OSDL #1532 for real", "lf#1532", LF + "1532"),
        ("Linux Foundation bug 1528", "lf#1528", LF + "1528"),
        ("pengine: Bug cl#5038 - Prevent restart", "cl#5038", CL + "5038"),
        ("Fixes CLBZ#5265", "cl#5265", CL + "5265"),
        ("See: clbz#5546", "cl#5546", CL + "5546"),
        ("pengine: Bug #5007, Fixes use of colocation", "cl#5007", CL + "5007"),
        ("pengine: Bug 2401 - x", "lf#2401", LF + "2401"),
        ("crmd: Restart sub-systems correctly (bnc#755671)", "bsc#755671", SUSE + "755671"),
        ("Fix: bootstrap: x (bsc#1131545)", "bsc#1131545", SUSE + "1131545"),
        ("High: ais: Bug BNC:456208 - Prevent deadlocks", "bsc#456208", SUSE + "456208"),
        ("Novell #266551", "bsc#266551", SUSE + "266551"),
        ("Fix: x (boo#1192754)", "bsc#1192754", SUSE + "1192754"),
        ("Fix: x rhbz#1234567", "rhbz#1234567", RH + "1234567"),
        ("Fix: x RHBZ#1931023", "rhbz#1931023", RH + "1931023"),
        (
            "Dev: bootstrap: x (jsc#PED-16433)",
            "jsc#PED-16433",
            "https://jira.suse.com/browse/PED-16433",
        ),
        (
            "Important security fix for CVE-2026-10649",
            "CVE-2026-10649",
            "https://www.cve.org/CVERecord?id=CVE-2026-10649",
        ),
        (
            "fix for cve-2020-25654",
            "CVE-2020-25654",
            "https://www.cve.org/CVERecord?id=CVE-2020-25654",
        ),
        ("Fixes RHEL-178864", "RHEL-178864", "https://issues.redhat.com/browse/RHEL-178864"),
        ("Fixes T784 (see it)", "T784", "https://projects.clusterlabs.org/T784"),
        ("Merge pull request #4140 from Jazyy/main", "#4140", PCMK_REPO + "/pull/4140"),
        ("Low: tools: x (#3917)", "#3917", PCMK_REPO + "/issues/3917"),
        ("as discussed in PR #2027", "#2027", PCMK_REPO + "/pull/2027"),
        ("Fix garbage characters in prompt (issue#7)", "#7", PCMK_REPO + "/issues/7"),
        (
            "medium: ui: x (gh#crmsh/crmsh#29)",
            "crmsh/crmsh#29",
            "https://github.com/crmsh/crmsh/issues/29",
        ),
    ],
)
def test_every_ticket_form_becomes_the_right_url(text, label, url):
    tickets = find_tickets(text, project="pacemaker", date="2020-01-01", repo_url=PCMK_REPO)
    assert tickets == (Ticket(label, url),)


def test_tickets_come_in_order_once_each_and_never_twice_for_one_mention():
    text = "Bug lf#2560 and cl#5051 (bnc#727295); again lf#2560"
    tickets = find_tickets(text, project="pacemaker", date="2012-01-01", repo_url=PCMK_REPO)
    assert [t.label for t in tickets] == ["lf#2560", "cl#5051", "bsc#727295"]


def test_github_links_need_the_repository_and_the_github_era():
    assert find_tickets("Merge pull request #12 from a/b", project="pacemaker") == ()
    old = find_tickets(
        "Fix build on FreeBSD #6508", project="pacemaker", date="2009-01-01", repo_url=PCMK_REPO
    )
    assert old == ()
    assert find_tickets("Debian bug #650820", project="pacemaker", repo_url=PCMK_REPO) == ()


def test_numbers_without_a_ticket_form_are_not_tickets():
    text = "Low: PE: use 1024 bytes, version 2.1.6, bz2 compression, crm_mon -1"
    assert find_tickets(text, project="pacemaker", date="2020-01-01", repo_url=PCMK_REPO) == ()


def test_repository_of_a_commit_url():
    assert repo_url_from_commit_url(PCMK_REPO + "/commit/{sha}") == PCMK_REPO
    assert repo_url_from_commit_url("https://example.org/demo/commit/{sha}") is None
    assert repo_url_from_commit_url(None) is None


def test_classify_collects_the_tickets_of_the_whole_message():
    text = "High: PE: Fix colocation\n\nBug cl#5038 (rhbz#800054)"
    result = classify("pacemaker", text, date="2012-06-01", repo_url=PCMK_REPO)
    assert [t.label for t in result.tickets] == ["cl#5038", "rhbz#800054"]


def test_a_broken_links_file_is_reported_with_its_name(tmp_path):
    bad = tmp_path / "links.yaml"
    bad.write_text("tickets:\n  - name: x\n    pattern: '(?P<id>[0-9'\n    label: a\n    url: b\n")
    with pytest.raises(ConfigError, match=r"links.yaml: tickets\[0\].pattern: invalid regular"):
        load_links(bad)
    bad.write_text("tickets:\n  - name: x\n    pattern: 'bug (\\d+)'\n    label: a\n    url: b\n")
    with pytest.raises(ConfigError, match=r"tickets\[0\].pattern: needs a named group 'id'"):
        load_links(bad)
