"""Class 4: a month is complete only when mail arrived; redirects elsewhere are refused."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import pytest
import yaml

from digest import store
from digest.config import load_config
from digest.errors import ConfigError
from digest.fetch.news import fetch_news
from digest.sources.http import HttpClient
from tests.fixture_server import FixtureServer, mbox, message
from tests.helpers import write_config

LIST = "/pipermail/demo/"
MONTH = "2011-March.txt.gz"
MAY = date(2011, 5, 1)  # March is over: a complete March is never asked for again
LOGIN_WALL = b"<!DOCTYPE html><html><body><form>Please log in</form></body></html>"


def _month() -> bytes:
    return gzip.compress(
        mbox(
            message(b"one", msgid=b"<1@x>", date=b"Tue, 15 Mar 2011 10:00:00 +0000"),
            message(b"two", msgid=b"<2@x>", date=b"Wed, 16 Mar 2011 10:00:00 +0000"),
        )
    )


def _config(tmp_path: Path, url: str, **extra: object):
    path = write_config(tmp_path, str(tmp_path / "no-repo"))
    doc = yaml.safe_load(path.read_text())
    doc["lists"] = [{"id": "demo", "kind": "pipermail", "url": url, **extra}]
    path.write_text(yaml.safe_dump(doc))
    config = load_config(path)
    return config, store.open_db(config.settings.database)


def _fetch(config, db):
    with HttpClient(user_agent="t", retries=0) as client:
        return fetch_news(config, db, client=client, today=MAY)


def _complete(db) -> list[str]:
    return store.get_state(db, "list:demo").get("cursor", {}).get("complete", [])


def _stored(db) -> int:
    return db.execute("SELECT count(*) FROM messages").fetchone()[0]


def test_an_html_page_answering_200_is_not_a_complete_month(tmp_path: Path) -> None:
    with FixtureServer() as server:
        server.add(LIST, f'<a href="{MONTH}">March</a>'.encode(), content_type="text/html")
        server.add(LIST + MONTH, LOGIN_WALL, content_type="text/html")
        config, db = _config(tmp_path, server.url(LIST))
        first = _fetch(config, db)
        assert _complete(db) == [] and _stored(db) == 0
        assert len(first.warnings) == 1 and "is not an mbox archive" in first.warnings[0]
        assert first.warnings[0].startswith("list 'demo': 2011-03: ")
        server.add(LIST + MONTH, _month())  # the wall is gone: the real archive is read
        second = _fetch(config, db)
    assert second.warnings == [] and second.failures == []
    assert _stored(db) == 2 and _complete(db) == ["2011-03"]


@pytest.mark.parametrize("allowed", [False, True])
def test_a_redirect_to_another_host_is_refused_unless_the_list_allows_it(
    tmp_path: Path, allowed: bool
) -> None:
    with FixtureServer() as server:
        elsewhere = server.url("/elsewhere/" + MONTH).replace("127.0.0.1", "localhost")
        server.add(LIST, f'<a href="{MONTH}">March</a>'.encode(), content_type="text/html")
        server.add(LIST + MONTH, status=302, headers={"Location": elsewhere})
        server.add("/elsewhere/" + MONTH, _month())
        extra = {"allow_redirect_hosts": ["localhost"]} if allowed else {}
        config, db = _config(tmp_path, server.url(LIST), **extra)
        summary = _fetch(config, db)
        asked_elsewhere = len(server.hits("/elsewhere/" + MONTH))
    if allowed:
        assert summary.warnings == [] and _stored(db) == 2 and _complete(db) == ["2011-03"]
        return
    assert asked_elsewhere == 0 and _stored(db) == 0 and _complete(db) == []
    (warning,) = summary.warnings
    assert warning.startswith("list 'demo': refused redirect of ")
    assert elsewhere in warning and "allow_redirect_hosts" in warning


@pytest.mark.parametrize("value", ["localhost", ["http://x/"], [3], ["a b"]])
def test_allow_redirect_hosts_is_validated(tmp_path: Path, value: object) -> None:
    with pytest.raises(ConfigError, match=r"lists\[0\]\.allow_redirect_hosts"):
        _config(tmp_path, "https://lists.example.org/pipermail/demo/", allow_redirect_hosts=value)
