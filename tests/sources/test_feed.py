"""Atom/RSS feeds: the pure parser, and fetch_news over a real HTTP server."""

from __future__ import annotations

from datetime import date

import pytest

from digest import store
from digest.errors import ParseError
from digest.fetch.news import fetch_news
from digest.sources.feed import html_to_text, parse_feed
from digest.sources.http import HttpClient
from tests.fetch.test_news_fetch import write_config
from tests.fixture_server import FixtureServer
from tests.helpers import FIXTURES_DIR

FEEDS = FIXTURES_DIR / "feeds"
RELEASES = "/ClusterLabs/pacemaker/releases.atom"


def test_github_releases_atom():
    entries = list(parse_feed((FEEDS / "pacemaker-releases.atom").read_bytes(), url="u"))
    assert [e.entry_id for e in entries] == [
        "tag:github.com,2008:Repository/1450036/Pacemaker-2.1.7",
        "tag:github.com,2008:Repository/1450036/Pacemaker-2.1.7-rc1",
    ]
    final = entries[0]
    assert final.title == "Pacemaker-2.1.7"
    assert final.link == "https://github.com/ClusterLabs/pacemaker/releases/tag/Pacemaker-2.1.7"
    assert final.published == "2023-12-19T21:36:31+00:00"  # no <published>: dated by updated
    assert final.summary == (
        "This is the final release of Pacemaker 2.1.7. Highlights:\n"
        "- fencer: avoid use-after-free when fencing request times out\n"
        "- tools: crm_mon --output-as=xml shows node history\n"
        "For more details, see the ChangeLog."
    )


def test_rss_items_are_keyed_by_guid_and_dated_by_pubdate():
    entries = list(parse_feed((FEEDS / "theclusterguy.rss").read_bytes(), url="u"))
    assert entries[0].entry_id == "http://theclusterguy.clusterlabs.org/post/13237273559"
    assert entries[0].published == "2011-11-23T10:41:00+00:00"
    assert entries[0].updated is None
    assert entries[1].summary == "Some thoughts about fencing levels."


def test_entry_without_id_or_link_gets_a_stable_key():
    rss = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>No id</title><description>x</description></item></channel></rss>"
    )
    first = list(parse_feed(rss, url="u"))
    assert first[0].entry_id.startswith("sha1:")
    assert first == list(parse_feed(rss, url="u"))


def test_not_a_feed_names_the_url():
    with pytest.raises(ParseError, match=r"^http://x/feed: cannot parse feed: "):
        list(parse_feed(b"<html><body>Rate limited</body></html>\x00\x01", url="http://x/feed"))


def test_html_to_text_keeps_list_items_and_drops_scripts():
    assert html_to_text("<p>a</p><script>alert(1)</script><ul><li>b <i>c</i></li></ul>") == (
        "a\n- b c"
    )
    assert html_to_text("plain text") == "plain text"


@pytest.fixture
def server():
    with FixtureServer() as srv:
        srv.add(RELEASES, (FEEDS / "pacemaker-releases.atom").read_bytes())
        srv.add("/rasto/lcmc/releases.atom", (FEEDS / "lcmc-releases.atom").read_bytes())
        yield srv


@pytest.fixture
def setup(server, tmp_path):
    config = write_config(
        tmp_path,
        "  []\n",
        f"  - id: pacemaker-releases\n    url: {server.url(RELEASES)}\n    projects: [pacemaker]\n"
        f"  - id: lcmc-releases\n    url: {server.url('/rasto/lcmc/releases.atom')}\n"
        "    projects: [lcmc]\n",
    )
    return config, store.open_db(config.settings.database)


def fetch(config, db, **options):
    with HttpClient(user_agent="t", retries=1, backoff=0.01, sleep=lambda s: None) as client:
        return fetch_news(config, db, client=client, today=date(2023, 12, 20), **options)


def test_feed_entries_are_stored_and_release_entries_linked(setup):
    config, db = setup
    summary = fetch(config, db)
    assert summary.failures == []
    assert (summary.feeds, summary.entries_new, summary.announcements) == (2, 3, 3)
    rows = db.execute(
        "SELECT project, version, tag, commit_sha, is_rc, date, previous_version, announcement "
        "FROM releases ORDER BY project, version"
    ).fetchall()
    assert rows == [
        ("lcmc", "1.1.0", None, "", 0, "2011-11-20T12:27:29+00:00", None,
         "https://github.com/rasto/lcmc/releases/tag/1.1.0"),
        ("pacemaker", "2.1.7", None, "", 0, "2023-12-19T21:36:31+00:00", None,
         "https://github.com/ClusterLabs/pacemaker/releases/tag/Pacemaker-2.1.7"),
        ("pacemaker", "2.1.7-rc1", None, "", 1, "2023-11-07T20:11:45+00:00", None,
         "https://github.com/ClusterLabs/pacemaker/releases/tag/Pacemaker-2.1.7-rc1"),
    ]  # fmt: skip
    final_id = "tag:github.com,2008:Repository/1450036/Pacemaker-2.1.7"
    items = [i["text"] for i in store.announcement_items(db, final_id)]
    assert items == [
        "fencer: avoid use-after-free when fencing request times out",
        "tools: crm_mon --output-as=xml shows node history",
    ]


def test_second_fetch_of_unchanged_feeds_is_conditional_and_stores_nothing(setup, server):
    config, db = setup
    fetch(config, db)
    before = db.execute("SELECT * FROM feed_entries ORDER BY feed, entry_id").fetchall()
    server.reset_log()
    summary = fetch(config, db)
    assert [(h.conditional, h.status, h.sent) for h in server.hits()] == [(True, 304, 0)] * 2
    assert (summary.entries_read, summary.entries_new, summary.not_modified) == (0, 0, 2)
    assert db.execute("SELECT * FROM feed_entries ORDER BY feed, entry_id").fetchall() == before


def test_changed_feed_stores_only_the_new_entry(setup, server):
    config, db = setup
    fetch(config, db)
    atom = (FEEDS / "pacemaker-releases.atom").read_text()
    newer = atom.replace("Pacemaker-2.1.7-rc1", "Pacemaker-2.1.8-rc1")
    server.add(RELEASES, newer.encode())
    summary = fetch(config, db, feeds=["pacemaker-releases"])
    assert (summary.entries_read, summary.entries_new) == (2, 1)
    assert summary.announcements == 1


def test_failing_feed_is_reported_and_others_go_on(setup, server):
    config, db = setup
    server.routes[RELEASES].failures = [(503, {})] * 3
    summary = fetch(config, db)
    assert summary.failures == [
        f"feed 'pacemaker-releases': 503 Service Unavailable for {server.url(RELEASES)}"
    ]
    assert summary.entries_new == 1  # the LCMC feed
    state = store.get_state(db, "feed:pacemaker-releases")
    assert state["last_error"] == summary.failures[0]
    assert fetch(config, db).failures == []
    assert store.get_state(db, "feed:pacemaker-releases")["last_error"] is None


def test_garbage_feed_is_a_parse_failure_naming_the_feed(setup, server):
    config, db = setup
    server.add(RELEASES, b"\x00\x01 not xml at all <<<")
    summary = fetch(config, db, feeds=["pacemaker-releases"])
    (failure,) = summary.failures
    assert failure.startswith(f"feed 'pacemaker-releases': {server.url(RELEASES)}: cannot parse")
    assert db.execute("SELECT COUNT(*) FROM feed_entries").fetchone() == (0,)
