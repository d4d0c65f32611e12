"""Hostile-server benchmark: time and peak memory of a news fetch against bad servers.

A real threaded HTTP server on 127.0.0.1 (tests/fixture_server.py) serves, in one run:
  baseline  a good pipermail month (gzip, 200 messages) and a good feed
  gz-bomb   a pipermail month that is 1 GiB of zeros gzip-compressed (gzip by content)
  ce-bomb   a feed sent with Content-Encoding: gzip that inflates to 1 GiB
  trickle   a feed sent one byte every 10 ms (about 2 minutes for the whole body)
  stall     a feed that answers nothing for 10 minutes
  retry     a feed answering 503 with Retry-After: 3600
  all       every bad source above in one fetch
Each case runs `fetch_news` in a child process (its peak RSS is the child's alone) with the
default HttpClient except a 5-second deadline (the default is 300 s). Prints wall time, peak
memory and the ratio to the baseline; nothing is asserted. Target: bounded time, < 500 MB.

    .venv/bin/python bench/hostile.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixture_server import FixtureServer, mbox, message  # noqa: E402

DEADLINE = 5.0
LIST = "/pipermail/demo/"
ATOM = (
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    b"<title>t</title><id>urn:f</id><updated>2011-03-01T00:00:00Z</updated>"
    b"<entry><title>x</title><id>urn:x</id><updated>2011-03-01T00:00:00Z</updated></entry>"
    b"</feed>"
)


def _gzip_zeros(size: int, prefix: bytes = b"") -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(prefix)]
    block = b"\0" * (1 << 24)
    parts += [packer.compress(block) for _ in range(size >> 24)]
    return b"".join([*parts, packer.flush()])


def _good_month() -> bytes:
    messages = [
        message(
            b"body line\n" * 40,
            msgid=f"<m{i}@bench>".encode(),
            date=b"Tue, 15 Mar 2011 10:00:00 +0000",
            separator=b"From x at example.org  Tue Mar 15 10:00:00 2011",
        )
        for i in range(200)
    ]
    return _gz(mbox(*messages))


def _gz(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    return packer.compress(data) + packer.flush()


def _serve(server: FixtureServer) -> dict[str, tuple[list[dict], list[dict]]]:
    """Routes for every case: case -> (lists, feeds) config sections."""
    server.add(LIST, b'<a href="2011-March.txt.gz">March</a>', content_type="text/html")
    server.add(LIST + "2011-March.txt.gz", _good_month())
    server.add("/bomb/", b'<a href="2011-March.txt.gz">March</a>', content_type="text/html")
    server.add("/bomb/2011-March.txt.gz", _gzip_zeros(1 << 30, mbox(message(b"x"))))
    server.add("/good.xml", ATOM, content_type="application/atom+xml")
    server.add("/ce-bomb.xml", _gzip_zeros(1 << 30), headers={"Content-Encoding": "gzip"})
    server.add("/trickle.xml", ATOM * 60, trickle=0.01)
    server.add("/stall.xml", ATOM, delay=600)
    retry = server.add("/retry.xml", ATOM, content_type="application/atom+xml")
    retry.failures = [(503, {"Retry-After": "3600"})] * 1000

    def lst(path: str) -> dict:
        return {
            "id": path.strip("/").replace("/", "-"),
            "kind": "pipermail",
            "url": server.url(path),
        }

    def feed(name: str) -> dict:
        return {"id": name, "url": server.url(f"/{name}.xml")}

    bad_feeds = [feed("ce-bomb"), feed("trickle"), feed("stall"), feed("retry")]
    return {
        "baseline": ([lst(LIST)], [feed("good")]),
        "gz-bomb": ([lst("/bomb/")], []),
        "ce-bomb": ([], [feed("ce-bomb")]),
        "trickle": ([], [feed("trickle")]),
        "stall": ([], [feed("stall")]),
        "retry": ([], [feed("retry")]),
        "all": ([lst("/bomb/")], bad_feeds),
    }


def _child(config_path: str) -> None:
    """Run one fetch and print its time, peak RSS and outcome as JSON."""
    from digest import store
    from digest.config import load_config
    from digest.fetch.news import fetch_news
    from digest.sources.http import HttpClient

    config = load_config(Path(config_path))
    db = store.open_db(config.settings.database)
    started = time.monotonic()
    with HttpClient(user_agent="bench", deadline=DEADLINE) as client:
        summary = fetch_news(config, db, client=client)
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {"seconds": elapsed, "peak_mb": peak, "failures": summary.failures}
    out["warnings"] = summary.warnings
    print(json.dumps(out))


def _run(case: str, lists: list[dict], feeds: list[dict], base: Path) -> dict:
    import yaml

    where = base / case
    where.mkdir()
    doc = {
        "settings": {"database": str(where / "digest.db"), "cache_dir": str(where / "cache")},
        "projects": [
            {
                "id": "demo",
                "name": "Demo",
                "web": "https://example.org/demo",
                "commit_url": "https://example.org/demo/commit/{sha}",
                "sources": [{"id": "demo-git", "url": str(where / "none"), "branches": ["main"]}],
            }
        ],
        "lists": lists,
        "feeds": feeds,
    }
    (where / "sources.yaml").write_text(yaml.safe_dump(doc))
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(where / "sources.yaml")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode:
        return {
            "seconds": float("nan"),
            "peak_mb": float("nan"),
            "failures": proc.stderr.splitlines()[-1:],
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    with FixtureServer() as server, tempfile.TemporaryDirectory() as tmp:
        cases = _serve(server)
        print(f"hostile fetch, deadline {DEADLINE:g} s per request; child process per case")
        results = {name: _run(name, *sections, Path(tmp)) for name, sections in cases.items()}
    base = results["baseline"]
    for name, got in results.items():
        ratio = got["seconds"] / base["seconds"] if base["seconds"] else float("nan")
        problems = len(got["failures"]) + len(got.get("warnings", []))
        print(
            f"{name:9} {got['seconds']:7.2f} s ({ratio:6.1f}x baseline)  "
            f"peak {got['peak_mb']:6.0f} MB  {problems} warnings/failures"
        )
        for line in [*got["failures"], *got.get("warnings", [])][:4]:
            print(f"            {line[:150]}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(sys.argv[2])
    else:
        main()
