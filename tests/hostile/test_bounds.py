"""Class 6: no hang and bounded memory: deadlines, capped Retry-After, capped gzip, real files."""

from __future__ import annotations

import contextlib
import gzip
import os
import socket
import threading
import time
import zlib
from pathlib import Path

import pytest
import yaml

from digest import store
from digest.config import load_config
from digest.fetch.news import NewsSummary, fetch_news
from digest.sources.http import HttpClient
from tests.fixture_server import FixtureServer, mbox, message
from tests.helpers import write_config

LIST = "/pipermail/demo/"
MONTH = "2011-March.txt.gz"
ATOM = (
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
    b"<id>urn:f</id><updated>2011-03-01T00:00:00Z</updated><entry><title>x</title>"
    b"<id>urn:x</id><updated>2011-03-01T00:00:00Z</updated></entry></feed>"
)


def _config(tmp_path: Path, lists: list[dict[str, object]], feeds: list[dict[str, object]]):
    path = write_config(tmp_path, str(tmp_path / "no-repo"))
    doc = yaml.safe_load(path.read_text())
    doc["lists"], doc["feeds"] = lists, feeds
    path.write_text(yaml.safe_dump(doc))
    config = load_config(path)
    return config, store.open_db(config.settings.database)


def _bomb(prefix: bytes, size: int) -> bytes:
    """gzip of prefix followed by `size` zero bytes, compressed fast."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    parts = [packer.compress(prefix)]
    block = b"\0" * (1 << 20)
    parts += [packer.compress(block) for _ in range(size >> 20)]
    return b"".join([*parts, packer.flush()])


def _complete(db, list_id: str) -> list[str]:
    return store.get_state(db, f"list:{list_id}").get("cursor", {}).get("complete", [])


def test_a_trickling_or_silent_server_is_cut_at_the_overall_deadline(tmp_path: Path) -> None:
    with FixtureServer() as server:
        server.add("/trickle.xml", ATOM * 400, trickle=0.01)  # about 40 s to send it all
        server.add("/silent.xml", ATOM, delay=20)
        feeds = [
            {"id": "trickle", "url": server.url("/trickle.xml")},
            {"id": "silent", "url": server.url("/silent.xml")},
        ]
        config, db = _config(tmp_path, [], feeds)
        started = time.monotonic()
        with HttpClient(user_agent="t", deadline=1.0, retries=2, backoff=0.01) as client:
            summary = fetch_news(config, db, client=client)
        elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    assert len(summary.failures) == 2, summary.failures
    assert all("1-second deadline" in f for f in summary.failures), summary.failures
    assert summary.failures[0].startswith("feed 'trickle': ")


class _HeaderTrickle:
    """A real server on 127.0.0.1 that answers with endless headers, one line every 20 ms."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/feed.xml"

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            with contextlib.suppress(OSError):
                while not self.stop.wait(0.02):
                    conn.sendall(b"X-a: b\r\n")

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_headers_trickling_within_the_read_timeout_are_cut_at_the_deadline(
    tmp_path: Path,
) -> None:
    server = _HeaderTrickle()
    try:
        config, db = _config(tmp_path, [], [{"id": "slow", "url": server.url()}])
        started = time.monotonic()
        with HttpClient(user_agent="t", deadline=1.0, retries=0) as client:
            summary = fetch_news(config, db, client=client)
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert elapsed < 5, elapsed
    (failure,) = summary.failures
    assert failure.startswith("feed 'slow': gave up on ") and "1-second deadline" in failure


def test_retry_after_is_capped_at_60_seconds_and_reported(tmp_path: Path) -> None:
    sleeps: list[float] = []
    with FixtureServer() as server:
        route = server.add("/feed.xml", ATOM, content_type="application/atom+xml")
        route.failures = [(503, {"Retry-After": "3600"})]
        config, db = _config(tmp_path, [], [{"id": "news", "url": server.url("/feed.xml")}])
        with HttpClient(user_agent="t", sleep=sleeps.append) as client:
            summary = fetch_news(config, db, client=client)
    assert summary.failures == []
    assert sleeps == [60]
    assert any("Retry-After 3600 s, capped at 60 s" in w for w in summary.warnings)


def test_a_gzip_bomb_is_capped_in_every_layer_and_the_month_stays_incomplete(
    tmp_path: Path,
) -> None:
    first = message(
        b"hello", date=b"Tue, 15 Mar 2011 10:00:00 +0000", msgid=b"<a@x>", subject=b"hi"
    )
    bomb = _bomb(mbox(first, message(b"", msgid=b"<b@x>")), 64 << 20)
    with FixtureServer() as server:
        server.add(LIST, f'<a href="{MONTH}">March</a>'.encode(), content_type="text/html")
        server.add(LIST + MONTH, bomb)
        server.add(
            "/feed.xml", gzip.compress(b" " * (8 << 20)), headers={"Content-Encoding": "gzip"}
        )
        lists = [{"id": "demo", "kind": "pipermail", "url": server.url(LIST)}]
        feeds = [{"id": "news", "url": server.url("/feed.xml")}]
        config, db = _config(tmp_path, lists, feeds)
        with HttpClient(user_agent="t", max_bytes=1 << 20, retries=0) as client:
            summary = fetch_news(config, db, client=client)
    assert any("exceeds the 1048576-byte limit" in w for w in summary.warnings), summary
    assert _complete(db, "demo") == []  # asked for again next run
    assert any("feed 'news'" in f and "limit" in f for f in summary.failures), summary.failures


@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_a_local_mbox_must_be_a_regular_file(tmp_path: Path, kind: str) -> None:
    path = {"fifo": tmp_path / "fifo", "directory": tmp_path, "device": Path("/dev/null")}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    config, _ = _config(tmp_path, [{"id": "local", "kind": "mbox", "url": str(path)}], [])
    result: list[NewsSummary] = []

    def fetch() -> None:
        result.append(fetch_news(config, store.open_db(config.settings.database)))

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(5)
    if worker.is_alive() and kind == "fifo":  # let the old code's blocked open() return
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(5)
    assert result, "fetch did not finish (or raised)"
    (failure,) = result[0].failures
    assert failure == f"list 'local': {path} is not a regular file (an mbox must be one)"
