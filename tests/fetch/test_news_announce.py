"""Release announcements: detection, change items, linking to releases and commits."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest

from digest import store
from digest.config import load_config
from digest.fetch.announcements import (
    change_items,
    detect_feed_release,
    detect_release,
    project_names,
    relink_announcements,
)
from digest.fetch.news import fetch_news
from digest.models import Commit, FeedEntry, Release
from digest.sources.http import HttpClient
from digest.sources.mail import parse_mbox
from tests.conftest import UPSTREAM, require_shared
from tests.fetch.test_news_fetch import LIST_PATH, MAIL, serve_pacemaker_list, write_config
from tests.fixture_server import FixtureServer
from tests.helpers import FIXTURES_DIR, unreleased

NAMES = project_names(load_config(MAIL / "projects.yaml").projects)
PACEMAKER_ID = "<CAEDLWG3Lrq4n2dXoGm3pZyVd1bzqJgL0m2oH5sK9kU@mail.gmail.com>"
LCMC_ID = "<CAGxPE1xJq3v1s0c0b9dqN0mV7L2e4o2bS1Yf1ogM@mail.gmail.com>"
GLUE_ID = "<20111128202637.GA18734@walrus.homenet>"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("[Pacemaker] Pacemaker 1.0.12 released", ("pacemaker-1.0", "1.0.12")),
        ("[Pacemaker] Pacemaker 1.1.6 released", ("pacemaker", "1.1.6")),
        ("[ClusterLabs] Pacemaker 2.1.7-rc1 now available", ("pacemaker", "2.1.7-rc1")),
        ("[ClusterLabs] [ANNOUNCE] Pacemaker-2.1.7 final release", ("pacemaker", "2.1.7")),
        (
            '[Linux-ha-dev] [ANNOUNCE] Reusable Cluster Components ("glue") 1.0.9',
            ("cluster-glue", "1.0.9"),
        ),
        ("[Pacemaker] glue 1.0.9 release", ("cluster-glue", "1.0.9")),
        ("[Linux-HA] cluster-glue 1.0.12 released", ("cluster-glue", "1.0.12")),
        ("[Pacemaker] LCMC 1.1.0", ("lcmc", "1.1.0")),
        ("[Pacemaker] [ANNOUNCE] crmsh-1.2.0", ("crmsh", "1.2.0")),
        ("[ClusterLabs] crmsh 4.6.0 released", ("crmsh", "4.6.0")),
        ("Re: [Pacemaker] Pacemaker 1.0.12 released", None),
        ("[Pacemaker] Re: Pacemaker 1.0.12 released", None),
        ("Fwd: [ANNOUNCE] Pacemaker 1.1.6 released", None),
        ("[Pacemaker] Problem with Pacemaker 1.0.12 and corosync", None),
        ("[Pacemaker] Is Pacemaker 1.1.7 released yet?", None),
        ("[Pacemaker] LCMC 1.1.0 does not start on Windows", None),
        ('[Pacemaker] crm shell: new "configure show changed" option', None),
        ("[Pacemaker] upgrading from heartbeat 2.1.4 released resources", None),
    ],
)
def test_detect_release(subject, expected):
    assert detect_release(subject, NAMES) == expected


def test_project_names_know_nicknames_and_series():
    by_id = {n.id: n for n in NAMES}
    assert "glue" in by_id["cluster-glue"].aliases
    assert "Reusable Cluster Components" in by_id["cluster-glue"].aliases
    assert by_id["pacemaker-1.0"].series == "1.0"
    assert by_id["pacemaker-1.0"].accepts("1.0.12")
    assert not by_id["pacemaker-1.0"].accepts("1.1.6")
    assert not by_id["pacemaker"].accepts("1.0.12")  # its release tag pattern excludes 1.0.x


def entry(title: str, link: str | None = None) -> FeedEntry:
    return FeedEntry("id", title, link, "2023-12-19T21:36:31+00:00", None, "")


def test_detect_feed_release_by_title_tag_link_or_bare_version():
    assert detect_feed_release(entry("Pacemaker-2.1.7"), NAMES, ("pacemaker",)) == (
        "pacemaker",
        "2.1.7",
    )
    link = "https://github.com/rasto/lcmc/releases/tag/1.1.0"
    assert detect_feed_release(entry("1.1.0", link), NAMES, ("lcmc",)) == ("lcmc", "1.1.0")
    assert detect_feed_release(entry("v4.6.0"), NAMES, ("crmsh",)) == ("crmsh", "4.6.0")
    blog = entry("Pacemaker 1.0.12 released")
    assert detect_feed_release(blog, NAMES, ()) == ("pacemaker-1.0", "1.0.12")
    assert detect_feed_release(entry("Thoughts on fencing"), NAMES, ()) is None
    assert detect_feed_release(entry("Pacemaker 1.0.12 notes"), NAMES, ()) is None


def fixture_message(name: str, message_id: str):
    data = (MAIL / name).read_bytes()
    (found,) = [m for m in parse_mbox(data, name=name) if m.message_id == message_id]
    return found


def test_change_items_of_the_pacemaker_announcement():
    items = change_items(fixture_message("pacemaker-2011-November.txt", PACEMAKER_ID).body)
    assert len(items) == 15
    assert items[0] == (
        "cib: Call gnutls_bye() and shutdown() when disconnecting from remote TLS connections"
    )
    assert items[-1] == "Shell: repair template list command"


def test_change_items_of_the_lcmc_announcement_stop_at_the_signature():
    items = change_items(fixture_message("pacemaker-2011-November.txt", LCMC_ID).body)
    assert items[0] == "disable Heartbeat installation on Opensuse 12 and Fedora 16 onward"
    assert items[-1] == (
        "add --cluster (and company) options to define clusters, e.g. "
        "lcmc --cluster alice-bob --host 192.168.122.2 --host 192.168.122.3"
    )
    assert len(items) == 7


def test_change_items_skip_quotes_and_keep_severity_lines():
    body = (
        "> - quoted item\n\nChanges:\n  High: cib: fix a leak\n  Low: docs: typo\n"
        "* one\n  continued\nnot an item\n-- \n- signature item\n"
    )
    assert change_items(body) == ["High: cib: fix a leak", "Low: docs: typo", "one continued"]


# -- linking, end to end -----------------------------------------------------------------------


def commit(sha: str, subject: str, when: str) -> Commit:
    return Commit(sha, (), "a", "a@x", when, "a", "a@x", when, subject + "\n")


HANDMADE = {
    "pacemaker-1.0": [
        commit(
            "a1" * 20,
            "High: PE: Demote from Master does not clear previous errors",
            "2011-08-29T10:02:43+10:00",
        ),
        commit(
            "a2" * 20,
            "High: PE: Only allocate master/slave resources once",
            "2011-04-05T23:25:31+02:00",
        ),
        commit("a3" * 20, "High: Shell: repair template list command", "2011-04-06T16:34:05+02:00"),
    ],
    "cluster-glue": [
        commit(
            "b1" * 20,
            "High: stonith: external/ipmi: add missing double quote",
            "2011-11-14T11:31:51+01:00",
        ),
        commit(
            "b2" * 20,
            "Medium: hb_report: improve destination directory handling (bnc#727295)",
            "2011-11-04T17:59:44+01:00",
        ),
    ],
    "lcmc": [
        commit("c1" * 20, "use icons of different sizes", "2011-11-16T22:11:57+01:00"),
        commit(
            "c2" * 20,
            "don't add corosync/hb to rc.d after installation",
            "2011-11-18T10:00:00+01:00",
        ),
        commit("c3" * 20, "fix colors of buttons in dialogs", "2011-11-12T17:09:25+01:00"),
    ],
}


@pytest.fixture
def news_setup(tmp_path):
    """The pacemaker list on a real server, linux-ha-dev as a local mbox, a blog feed."""
    with FixtureServer() as server:
        serve_pacemaker_list(server)
        feeds = FIXTURES_DIR / "feeds"
        server.add("/blog/rss", (feeds / "theclusterguy.rss").read_bytes())
        (tmp_path / "dev.mbox").write_bytes((MAIL / "linux-ha-dev-2011-11.mbox").read_bytes())
        config = write_config(
            tmp_path,
            f"  - id: pacemaker\n    kind: pipermail\n    url: {server.url(LIST_PATH)}\n"
            "  - id: linux-ha-dev\n    kind: mbox\n    url: dev.mbox\n",
            f"  - id: theclusterguy\n    kind: rss\n    url: {server.url('/blog/rss')}\n",
        )
        db = store.open_db(config.settings.database)
        yield server, config, db


def seed_git(db, config, commits: dict[str, list[Commit]]) -> None:
    """What the git fetch would have stored: projects, commits, and two tagged releases."""
    for project in config.projects:
        store.save_project(db, project.id, project.name, project.web, project.commit_url)
    for project, items in commits.items():
        store.save_commits(db, project, unreleased(items))
    store.save_releases(
        db,
        [
            (
                Release(
                    "pacemaker-1.0",
                    "1.0.11",
                    "d" * 40,
                    "2011-04-29T16:07:58+02:00",
                    "Pacemaker-1.0.11",
                ),
                None,
            ),
            (
                Release(
                    "cluster-glue", "1.0.9", "e" * 40, "2011-11-28T20:00:37+01:00", "glue-1.0.9"
                ),
                "1.0.8",
            ),
        ],
    )


def fetch(config, db):
    with HttpClient(user_agent="t", retries=0) as client:
        return fetch_news(config, db, client=client, today=date(2011, 12, 5))


def releases(db) -> dict[tuple[str, str], dict]:
    rows = db.execute("SELECT * FROM releases").fetchall()
    names = [d[0] for d in db.execute("SELECT * FROM releases").description]
    return {(r[0], r[1]): dict(zip(names, r, strict=True)) for r in rows}


def test_announcements_are_linked_to_releases_and_commits(news_setup):
    server, config, db = news_setup
    seed_git(db, config, HANDMADE)
    summary = fetch(config, db)
    assert summary.failures == [] and summary.warnings == []
    assert summary.announcements == 4  # three mails and the blog post
    rel = releases(db)
    # Pacemaker 1.0.12: no tag in this database yet -> created from the mail, after 1.0.11.
    pacemaker = rel[("pacemaker-1.0", "1.0.12")]
    assert pacemaker["commit_sha"] == ""
    assert pacemaker["date"] == "2011-11-23T10:35:42+00:00"
    assert pacemaker["previous_version"] == "1.0.11"
    assert pacemaker["announcement"] == server.url(LIST_PATH + "2011-November/012433.html")
    # glue 1.0.9 exists from git: only its announcement is filled in (a local mbox: mid: URL).
    glue = rel[("cluster-glue", "1.0.9")]
    assert (glue["commit_sha"], glue["tag"]) == ("e" * 40, "glue-1.0.9")
    assert glue["announcement"] == "mid:20111128202637.GA18734@walrus.homenet"
    # LCMC has no tag for 1.1.0: created from the announcement.
    lcmc = rel[("lcmc", "1.1.0")]
    assert (lcmc["commit_sha"], lcmc["tag"]) == ("", None)
    assert lcmc["announcement"] == server.url(LIST_PATH + "2011-November/012391.html")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_announcement_items_are_matched_to_commits(news_setup):
    _, config, db = news_setup
    seed_git(db, config, HANDMADE)
    fetch(config, db)
    items = store.announcement_items(db, PACEMAKER_ID)
    assert len(items) == 15
    matched = {i["text"]: (i["commit_sha"], i["match_method"]) for i in items if i["commit_sha"]}
    assert matched == {
        "PE: Demote from Master does not clear previous errors": ("a1" * 20, "normalised"),
        "PE: Only allocate master/slave resources once": ("a2" * 20, "normalised"),
        "Shell: repair template list command": ("a3" * 20, "normalised"),
    }
    lcmc = {i["text"]: i["commit_sha"] for i in store.announcement_items(db, LCMC_ID)}
    assert lcmc["use icons of different sizes"] == "c1" * 20
    assert lcmc["fix colors of buttons in dialogs"] == "c3" * 20
    assert lcmc["don't add corosync/hb to rc.d after installation automatically"] == "c2" * 20
    assert lcmc['add "create exe" ant task'] is None
    glue = [i["commit_sha"] for i in store.announcement_items(db, GLUE_ID)]
    assert glue == ["b1" * 20, None, None, None, "b2" * 20]


def test_replies_and_questions_are_not_announcements(news_setup):
    _, config, db = news_setup
    fetch(config, db)
    flagged = db.execute(
        "SELECT list, subject, project, version FROM messages WHERE project IS NOT NULL "
        "ORDER BY date"
    ).fetchall()
    assert flagged == [
        ("pacemaker", "[Pacemaker] LCMC 1.1.0", "lcmc", "1.1.0"),
        ("pacemaker", "[Pacemaker] Pacemaker 1.0.12 released", "pacemaker-1.0", "1.0.12"),
        (
            "linux-ha-dev",
            '[Linux-ha-dev] [ANNOUNCE] Reusable Cluster Components ("glue") 1.0.9',
            "cluster-glue",
            "1.0.9",
        ),
    ]
    blog = db.execute("SELECT title, project, version FROM feed_entries ORDER BY published")
    assert blog.fetchall() == [
        ("Thoughts on fencing topologies", None, None),
        ("Pacemaker 1.0.12 released", "pacemaker-1.0", "1.0.12"),
    ]


def test_rerun_changes_nothing_and_git_release_keeps_the_announcement(news_setup):
    _, config, db = news_setup
    seed_git(db, config, HANDMADE)
    fetch(config, db)
    snapshot = [
        db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
        for t in ("messages", "feed_entries", "announcement_items", "releases")
    ]
    again = fetch(config, db)
    assert (again.messages_new, again.entries_new, again.announcements) == (0, 0, 0)
    assert snapshot == [
        db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
        for t in ("messages", "feed_entries", "announcement_items", "releases")
    ]
    # Later the git fetch finds the tag: the row gets its commit, the announcement stays.
    tagged = Release(
        "pacemaker-1.0", "1.0.12", "f" * 40, "2011-11-23T20:48:30+11:00", "Pacemaker-1.0.12"
    )
    store.save_releases(db, [(tagged, "1.0.11")])
    row = releases(db)[("pacemaker-1.0", "1.0.12")]
    assert row["commit_sha"] == "f" * 40
    assert row["announcement"].endswith("/2011-November/012433.html")


def load_real_commits(project: str) -> list[Commit]:
    with gzip.open(UPSTREAM / f"{project}.commits.jsonl.gz", "rt") as handle:
        return [
            Commit(
                c["sha"],
                tuple(c["parents"]),
                c["author"],
                c["author_email"],
                c["author_date"],
                c["committer"],
                c["committer_email"],
                c["commit_date"],
                c["message"],
            )
            for c in map(json.loads, handle)
        ]


def test_real_history_links_the_2011_announcements(news_setup):
    """With the real commit history, the announcement items find their real commits."""
    require_shared()
    _, config, db = news_setup
    seed_git(
        db, config, {p: load_real_commits(p) for p in ("pacemaker-1.0", "cluster-glue", "lcmc")}
    )
    fetch(config, db)
    rates = {}
    for message_id in (PACEMAKER_ID, GLUE_ID, LCMC_ID):
        items = store.announcement_items(db, message_id)
        rates[message_id] = (sum(1 for i in items if i["commit_sha"]), len(items))
    assert rates[PACEMAKER_ID] == (15, 15), rates
    assert rates[GLUE_ID] == (5, 5)
    assert rates[LCMC_ID][0] >= 5
    demote = store.announcement_items(db, PACEMAKER_ID)[6]
    assert demote["commit_sha"].startswith("4b097e034c53")  # not its "(regression test)" twin


def test_items_are_relinked_when_commits_arrive_after_the_mail(news_setup):
    _, config, db = news_setup
    fetch(config, db)  # no commits stored yet: nothing can match
    assert all(i["commit_sha"] is None for i in store.announcement_items(db, LCMC_ID))
    seed_git(db, config, HANDMADE)
    assert relink_announcements(db) == 3 + 3 + 2 + 2  # pacemaker, lcmc, glue, blog items
    lcmc = {i["text"]: i["commit_sha"] for i in store.announcement_items(db, LCMC_ID)}
    assert lcmc["use icons of different sizes"] == "c1" * 20
    assert relink_announcements(db) == 0
