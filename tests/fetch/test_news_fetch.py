"""fetch_news against a real HTTP server: pipermail, HyperKitty and mbox into a real SQLite file.

Every case checks the messages stored, the warning or failure reported for the rest, and that
the database is intact; re-runs prove that unchanged archives cost only conditional requests.
"""

from __future__ import annotations

import gzip
import os
from datetime import date
from pathlib import Path

import pytest

from digest import store
from digest.config import Config, load_config
from digest.fetch.news import fetch_news
from digest.sources.http import HttpClient
from tests.fixture_server import mbox, message
from tests.helpers import FIXTURES_DIR

MAIL = FIXTURES_DIR / "mail"
LIST_PATH = "/pipermail/pacemaker/"
NOV_25 = date(2011, 11, 25)
MONTHS = {
    "2011-September.txt.gz": gzip.compress((MAIL / "pacemaker-2011-September.txt").read_bytes()),
    "2011-October.txt": (MAIL / "pacemaker-2011-October.txt").read_bytes(),
    "2011-November.txt.gz": gzip.compress((MAIL / "pacemaker-2011-November.txt").read_bytes()),
}
DATE_PAGE = LIST_PATH + "2011-November/date.html"
ALL_MESSAGES = 10  # 2 + 3 + 6, one November message repeats October's last


def serve_pacemaker_list(server) -> None:
    """Serve the fixture pacemaker list as pipermail: index, three months, November's date page."""
    server.add(LIST_PATH, (MAIL / "pacemaker-index.html").read_bytes(), content_type="text/html")
    for name, body in MONTHS.items():
        server.add(LIST_PATH + name, body)
    server.add(DATE_PAGE, (MAIL / "pacemaker-2011-November-date.html").read_bytes())


def write_config(tmp_path: Path, lists: str, feeds: str = "") -> Config:
    """A sources.yaml with the real projects and the given lists/feeds sections."""
    text = (MAIL / "projects.yaml").read_text() + "\nlists:\n" + lists
    if feeds:
        text += "\nfeeds:\n" + feeds
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return load_config(path)


@pytest.fixture
def pipermail(server, tmp_path):
    """The pacemaker list served as pipermail, and a config pointing at it."""
    serve_pacemaker_list(server)
    config = write_config(
        tmp_path, f"  - id: pacemaker\n    kind: pipermail\n    url: {server.url(LIST_PATH)}\n"
    )
    return config, store.open_db(config.settings.database)


def rows(db, sql: str = "SELECT * FROM messages ORDER BY list, message_id") -> list[tuple]:
    return db.execute(sql).fetchall()


def intact(db) -> bool:
    return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_first_fetch_discovers_months_and_stores_every_message(pipermail, client, server):
    config, db = pipermail
    summary = fetch_news(config, db, client=client, today=NOV_25)
    assert summary.failures == []
    assert summary.warnings == []
    assert summary.messages_new == ALL_MESSAGES
    assert summary.messages_read == ALL_MESSAGES + 1
    months = [LIST_PATH + n for n in MONTHS]
    # The index, each month, and the date page of the month with announcements (for links).
    assert [h.path for h in server.hits()] == [LIST_PATH, *months, DATE_PAGE]
    assert len(rows(db)) == ALL_MESSAGES
    subjects = {r[0] for r in rows(db, "SELECT subject FROM messages")}
    assert '[Pacemaker] crm shell: new "configure show changed" option' in subjects  # gz month
    assert "[Pacemaker] master/slave resource does not move after group failure" in subjects
    assert intact(db)


def test_duplicate_message_across_months_is_stored_once(pipermail, client):
    config, db = pipermail
    fetch_news(config, db, client=client, today=NOV_25)
    (row,) = rows(
        db,
        "SELECT url, date FROM messages WHERE "
        "message_id = '<20111031235840.71953.qmail@web3208.mail.ogk.yahoo.co.jp>'",
    )
    assert row == (server_url(config) + "2011-October/date.html", "2011-10-31T23:58:40+00:00")


def server_url(config: Config) -> str:
    return config.lists[0].url


def test_threads_link_replies_across_months(pipermail, client):
    config, db = pipermail
    fetch_news(config, db, client=client, today=NOV_25)
    threads = dict(rows(db, "SELECT message_id, thread FROM messages"))
    root = "<20111031235840.71953.qmail@web3208.mail.ogk.yahoo.co.jp>"
    assert threads["<CAEDLWG1tK9bq0kO2mXr+8fQ3Q6f2bQ@mail.gmail.com>"] == root
    announce = "<CAEDLWG3Lrq4n2dXoGm3pZyVd1bzqJgL0m2oH5sK9kU@mail.gmail.com>"
    assert threads["<CAEDLWG0x1mQ8w2jY7bN9rJ4k5L6m7n8o9p0qR@mail.gmail.com>"] == announce
    assert threads["<4ECF39A0.5060504@example.jp>"] == announce  # reply to a reply


def test_second_fetch_makes_only_conditional_requests_and_stores_nothing(pipermail, client, server):
    config, db = pipermail
    fetch_news(config, db, client=client, today=NOV_25)
    before = rows(db)
    server.reset_log()
    summary = fetch_news(config, db, client=client, today=NOV_25)
    hits = server.hits()
    # Only the index and the current month are asked for; complete months are not.
    assert [h.path for h in hits] == [LIST_PATH, LIST_PATH + "2011-November.txt.gz"]
    assert all(h.conditional and h.status == 304 and h.sent == 0 for h in hits)
    assert summary.messages_new == 0
    assert summary.messages_read == 0
    assert summary.not_modified == 2
    assert rows(db) == before
    assert intact(db)


def test_current_month_is_revalidated_until_it_is_over(pipermail, client, server):
    config, db = pipermail
    fetch_news(config, db, client=client, today=NOV_25)
    fetch_news(config, db, client=client, today=date(2011, 12, 10))  # November now over
    server.reset_log()
    fetch_news(config, db, client=client, today=date(2011, 12, 11))
    assert [h.path for h in server.hits()] == [LIST_PATH]


def test_changed_current_month_stores_only_the_new_message(pipermail, client, server):
    config, db = pipermail
    fetch_news(config, db, client=client, today=NOV_25)
    grown = (MAIL / "pacemaker-2011-November.txt").read_bytes() + message(
        b"Thanks for the release!",
        msgid=b"<new@example.org>",
        subject=b"[Pacemaker] Re: Pacemaker 1.0.12 released",
        extra=b"In-Reply-To: <CAEDLWG3Lrq4n2dXoGm3pZyVd1bzqJgL0m2oH5sK9kU@mail.gmail.com>",
    )
    server.add(LIST_PATH + "2011-November.txt.gz", gzip.compress(grown))
    summary = fetch_news(config, db, client=client, today=NOV_25)
    assert summary.messages_new == 1
    assert len(rows(db)) == ALL_MESSAGES + 1


def test_missing_month_is_skipped_with_a_warning(pipermail, client, server):
    config, db = pipermail
    index = (MAIL / "pacemaker-index.html").read_text()
    index = index.replace(
        "</table>", '<td><A href="2011-August.txt.gz">[ Gzip\'d ]</a></td>\n</table>'
    )
    server.add(LIST_PATH, index.encode(), content_type="text/html")
    summary = fetch_news(config, db, client=client, today=NOV_25)
    url = server.url(LIST_PATH + "2011-August.txt.gz")
    assert summary.warnings == [f"list 'pacemaker': 404 Not Found for {url}: month 2011-08 skipped"]
    assert summary.failures == []
    assert len(rows(db)) == ALL_MESSAGES
    assert intact(db)


def test_503_then_success_is_retried(pipermail, client, server, sleeps):
    config, db = pipermail
    route = server.routes[LIST_PATH + "2011-November.txt.gz"]
    route.failures = [(503, {"Retry-After": "3"})]
    summary = fetch_news(config, db, client=client, today=NOV_25)
    assert summary.failures == [] and summary.warnings == []
    assert sleeps == [3.0]
    assert [h.status for h in server.hits(LIST_PATH + "2011-November.txt.gz")] == [503, 200]
    assert len(rows(db)) == ALL_MESSAGES


def test_timeout_fails_that_month_only_and_it_is_fetched_next_time(pipermail, server, sleeps):
    config, db = pipermail
    server.routes[LIST_PATH + "2011-October.txt"].delay = 1.0
    with HttpClient(user_agent="t", timeout=0.2, retries=1, sleep=sleeps.append) as quick:
        summary = fetch_news(config, db, client=quick, today=NOV_25)
    url = server.url(LIST_PATH + "2011-October.txt")
    assert summary.failures == [f"list 'pacemaker': timed out fetching {url} (month 2011-10)"]
    assert len(rows(db)) == 2 + 6  # September and November
    assert store.get_state(db, "list:pacemaker")["last_error"] == summary.failures[0]
    assert intact(db)
    server.routes[LIST_PATH + "2011-October.txt"].delay = 0
    with HttpClient(user_agent="t", retries=0) as again:
        summary = fetch_news(config, db, client=again, today=NOV_25)
    assert summary.failures == []
    assert len(rows(db)) == ALL_MESSAGES
    assert store.get_state(db, "list:pacemaker")["last_error"] is None


def test_oversized_plain_month_is_refused(pipermail, server):
    config, db = pipermail
    big = (MAIL / "pacemaker-2011-October.txt").read_bytes() + b"\n" + b"x" * 10_000 + b"\n"
    server.add(LIST_PATH + "2011-October.txt", big)
    with HttpClient(user_agent="t", max_bytes=8000, retries=0) as capped:
        summary = fetch_news(config, db, client=capped, today=NOV_25)
    url = server.url(LIST_PATH + "2011-October.txt")
    assert summary.failures == [
        f"list 'pacemaker': refused {url}: {len(big)} bytes is over the 8000-byte limit "
        "(month 2011-10)"
    ]
    assert len(rows(db)) == 2 + 6
    assert intact(db)


def test_truncated_gzip_keeps_complete_messages_and_is_fetched_whole_later(
    pipermail, client, server
):
    config, db = pipermail
    packed = MONTHS["2011-November.txt.gz"]
    server.add(LIST_PATH + "2011-November.txt.gz", packed[: len(packed) * 3 // 4])
    summary = fetch_news(config, db, client=client, today=NOV_25)
    url = server.url(LIST_PATH + "2011-November.txt.gz")
    (warning,) = summary.warnings
    assert warning.startswith(f"list 'pacemaker': 2011-11: gzip stream is truncated for {url}: ")
    assert "; dropped the incomplete last message <" in warning
    kept = len(rows(db))
    assert 2 + 3 < kept < ALL_MESSAGES
    assert intact(db)
    server.add(LIST_PATH + "2011-November.txt.gz", packed)
    server.reset_log()
    summary = fetch_news(config, db, client=client, today=NOV_25)
    (hit,) = server.hits(LIST_PATH + "2011-November.txt.gz")
    assert not hit.conditional  # no validators were kept for the damaged copy
    assert summary.warnings == []
    assert len(rows(db)) == ALL_MESSAGES


CHARSET_MONTH = mbox(
    message(
        "フェイルオーバが発生しません。".encode("iso2022_jp"),
        msgid=b"<jis@example.jp>",
        subject=b"=?ISO-2022-JP?B?GyRCJTklPyVDJS8kSyREJCQkRhsoQg==?=",
        extra=b"Content-Type: text/plain; charset=ISO-2022-JP",
    ),
    message("リソースの起動順序について質問です。".encode("shift_jis"), msgid=b"<sjis@example.jp>"),
    message("Grüße, the café is closed".encode("latin-1"), msgid=b"<latin@example.de>"),
    message(b"I have no Message-ID", msgid=None, subject=b"no id"),
    message(
        b"My clock is broken",
        msgid=b"<baddate@example.org>",
        date=b"Tue, 45 Smarch 20011 99:99:99 +9999",
        separator=b"From someone at example.org  Thu Nov 24 08:00:00 2011",
    ),
)


def test_charsets_ids_and_dates_of_a_japanese_list(server, tmp_path, client):
    server.add(
        "/pipermail/linux-ha-japan/", b'<a href="2011-November.txt.gz">', content_type="text/html"
    )
    server.add("/pipermail/linux-ha-japan/2011-November.txt.gz", gzip.compress(CHARSET_MONTH))
    config = write_config(
        tmp_path,
        f"  - id: linux-ha-japan\n    kind: pipermail\n"
        f"    url: {server.url('/pipermail/linux-ha-japan/')}\n",
    )
    db = store.open_db(config.settings.database)
    summary = fetch_news(config, db, client=client, today=NOV_25)
    assert summary.warnings == [] and summary.failures == []
    stored = {
        r[0]: r[1:]
        for r in rows(db, "SELECT message_id, subject, body, date, synthetic_id FROM messages")
    }
    assert stored["<jis@example.jp>"][:2] == ("スタックについて", "フェイルオーバが発生しません。")
    assert stored["<sjis@example.jp>"][1] == "リソースの起動順序について質問です。"
    assert stored["<latin@example.de>"][1] == "Grüße, the café is closed"
    assert stored["<baddate@example.org>"][2] == "2011-11-24T08:00:00+00:00"
    (synthetic,) = [k for k, v in stored.items() if v[3]]
    assert stored[synthetic][:2] == ("no id", "I have no Message-ID")
    again = fetch_news(config, db, client=client, today=date(2011, 12, 20))
    assert again.messages_new == 0  # the synthetic id is stable
    assert len(rows(db)) == 5
    assert intact(db)


def test_reused_message_id_with_different_content_gets_a_synthetic_id(server, tmp_path, client):
    month = mbox(
        message(b"first text", msgid=b"<same@x>", subject=b"one"),
        message(b"another text", msgid=b"<same@x>", subject=b"two"),
    )
    server.add("/l/", b'<a href="2011-November.txt">', content_type="text/html")
    server.add("/l/2011-November.txt", month)
    config = write_config(
        tmp_path, f"  - id: l\n    kind: pipermail\n    url: {server.url('/l/')}\n"
    )
    db = store.open_db(config.settings.database)
    summary = fetch_news(config, db, client=client, today=NOV_25)
    (warning,) = summary.warnings
    assert warning.startswith(
        "list 'l': Message-ID <same@x> is reused by a different message ('two')"
    )
    subjects = dict(rows(db, "SELECT subject, synthetic_id FROM messages"))
    assert subjects == {"one": 0, "two": 1}


def test_corrupt_index_fails_the_list_but_not_the_run(server, tmp_path, client):
    server.add("/broken/", b"<html>no archives here</html>", content_type="text/html")
    server.add("/l/", b'<a href="2011-November.txt">', content_type="text/html")
    server.add("/l/2011-November.txt", message(b"hello"))
    config = write_config(
        tmp_path,
        f"  - id: broken\n    kind: pipermail\n    url: {server.url('/broken/')}\n"
        f"  - id: fine\n    kind: pipermail\n    url: {server.url('/l/')}\n",
    )
    db = store.open_db(config.settings.database)
    summary = fetch_news(config, db, client=client, today=NOV_25)
    assert summary.failures == [
        f"list 'broken': no monthly archives linked from {server.url('/broken/')}"
    ]
    assert rows(db, "SELECT list, subject FROM messages") == [("fine", "hello")]


def test_hyperkitty_export_month_by_month(server, tmp_path, client):
    base = "/hyperkitty/list/users@lists.example.org/"
    export = base + "export/users@lists.example.org.mbox.gz"
    october = message(b"october", msgid=b"<oct@x>", date=b"Mon, 10 Oct 2011 10:00:00 +0000")
    november = message(b"november", msgid=b"<nov@x>")
    server.add(export + "?start=2011-10-01&end=2011-11-01", gzip.compress(october))
    server.add(export + "?start=2011-11-01&end=2011-12-01", gzip.compress(november))
    config = write_config(
        tmp_path,
        f"  - id: users\n    kind: hyperkitty\n    url: {server.url(base)}\n    since: 2011-10\n",
    )
    db = store.open_db(config.settings.database)
    summary = fetch_news(config, db, client=client, today=NOV_25)
    assert summary.failures == []
    assert [h.query for h in server.hits()] == [
        "start=2011-10-01&end=2011-11-01",
        "start=2011-11-01&end=2011-12-01",
    ]
    urls = dict(rows(db, "SELECT message_id, url FROM messages"))
    assert urls["<nov@x>"].startswith(server.url(base) + "message/")
    server.reset_log()
    fetch_news(config, db, client=client, today=NOV_25)
    assert [(h.query, h.status) for h in server.hits()] == [
        ("start=2011-11-01&end=2011-12-01", 304)
    ]


def test_local_mbox_is_read_again_only_when_it_changes(tmp_path, client):
    path = tmp_path / "dev.mbox"
    path.write_bytes((MAIL / "linux-ha-dev-2011-11.mbox").read_bytes())
    config = write_config(tmp_path, "  - id: linux-ha-dev\n    kind: mbox\n    url: dev.mbox\n")
    db = store.open_db(config.settings.database)
    assert fetch_news(config, db, client=client).messages_new == 2
    unchanged = fetch_news(config, db, client=client)
    assert (unchanged.messages_read, unchanged.messages_new) == (0, 0)
    with path.open("ab") as handle:
        handle.write(b"\n" + message(b"one more", msgid=b"<more@x>"))
    os.utime(path, ns=(1, 1))
    grown = fetch_news(config, db, client=client)
    assert (grown.messages_read, grown.messages_new) == (3, 1)


def test_missing_local_mbox_is_a_failure(tmp_path, client):
    config = write_config(tmp_path, "  - id: gone\n    kind: mbox\n    url: nowhere.mbox\n")
    db = store.open_db(config.settings.database)
    summary = fetch_news(config, db, client=client)
    assert summary.failures == [
        f"list 'gone': cannot read {tmp_path / 'nowhere.mbox'}: No such file or directory"
    ]


def test_unknown_list_id_is_refused(pipermail, client):
    config, db = pipermail
    with pytest.raises(Exception, match="no list with id 'nope'"):
        fetch_news(config, db, lists=["nope"], client=client)


def test_archives_are_decompressed_by_content_not_by_name(pipermail, client, server):
    config, db = pipermail
    october = (MAIL / "pacemaker-2011-October.txt").read_bytes()
    server.add(LIST_PATH + "2011-October.txt", gzip.compress(october))  # gzip named .txt
    november = (MAIL / "pacemaker-2011-November.txt").read_bytes()
    server.add(LIST_PATH + "2011-November.txt.gz", november)  # plain text named .txt.gz
    summary = fetch_news(config, db, client=client, today=NOV_25)
    assert summary.warnings == [] and summary.failures == []
    assert len(rows(db)) == ALL_MESSAGES


def test_own_client_sends_the_configured_user_agent(pipermail, server):
    config, db = pipermail
    assert config.settings.user_agent == "digest-test/1.0"
    summary = fetch_news(config, db, today=NOV_25)
    assert summary.failures == []
    assert {h.user_agent for h in server.hits()} == {"digest-test/1.0"}
