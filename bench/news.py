"""News benchmark: a synthetic pipermail list on a local server, fetched twice.

Builds a list of MONTHS monthly archives (gzip, PER_MONTH messages each, Pacemaker-list-sized
bodies, some in ISO-2022-JP / Shift_JIS / latin-1, every 20th starting a thread) plus one
release feed, serves them from a threaded HTTP server on 127.0.0.1, then times in one run:
  parse     the mbox parser alone over every month (decompressed bytes -> Message records)
  full      fetch_news into an empty SQLite file
  no-op     a second fetch_news with nothing new (only the index, the current month and the
            feed are asked for, conditionally)
and prints messages/s, MB/s, the full/parse ratio, the no-op time and the requests it made.

    .venv/bin/python bench/news.py [--months 60] [--per-month 400]
"""

from __future__ import annotations

import argparse
import calendar
import gzip
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_news_server import FixtureServer  # noqa: E402

from digest import store  # noqa: E402
from digest.config import load_config  # noqa: E402
from digest.fetch.news import fetch_news  # noqa: E402
from digest.sources.http import HttpClient  # noqa: E402
from digest.sources.mail import decompress, parse_mbox  # noqa: E402

BODY = (
    "Hi,\n\nI have a two node cluster with Pacemaker 1.0.11 and Heartbeat 3.0.5. When the\n"
    "DC is fenced, the resources on the other node are restarted although nothing failed:\n\n"
    "  crmd: [2211]: info: do_state_transition: State transition S_IDLE -> S_POLICY_ENGINE\n"
    "  pengine: [2212]: notice: LogActions: Restart p_ip (Started node02)\n\n"
    "From what I can see the PE thinks the monitor is not active. Any idea?\n\n"
    "crm configure show attached below.\n\nThanks,\n"
)
CHARSETS = [("utf-8", BODY), ("iso2022_jp", "フェイルオーバの後に設定が戻りません。\n" * 8)]
CHARSETS += [("shift_jis", "リソースの起動順序について質問です。\n" * 8)]
CHARSETS += [("latin-1", "Grüße aus München. " * 30 + "\n")]


def month_archive(year: int, month: int, count: int) -> bytes:
    """One pipermail monthly .txt archive."""
    out = []
    for i in range(count):
        day, hour = 1 + i % 28, i % 24
        stamp = f"{calendar.day_abbr[date(year, month, day).weekday()]} "
        stamp += f"{calendar.month_abbr[month]} {day:2d} {hour:02d}:{i % 60:02d}:00 {year}"
        charset, body = CHARSETS[i % len(CHARSETS)]
        mid = f"<{year}{month:02d}.{i}@bench.example.org>"
        reply = (
            f"In-Reply-To: <{year}{month:02d}.{i - i % 20}@bench.example.org>\n" if i % 20 else ""
        )
        head = (
            f"From user{i % 97} at example.org  {stamp}\nFrom: user{i % 97} at example.org "
            f"(User {i % 97})\nDate: {stamp}\nSubject: [Pacemaker] question {i} about fencing\n"
            f"{reply}Message-ID: {mid}\n\n"
        )
        out.append(head.encode() + body.encode(charset) + b"\n")
    return b"".join(out)


def build(server: FixtureServer, months: int, per_month: int) -> tuple[list[bytes], date]:
    """Serve the list and its feed; returns the raw months and the 'today' of the run."""
    year, month, links, raw = 2007, 1, [], []
    for _ in range(months):
        name = f"{year}-{calendar.month_name[month]}"
        data = month_archive(year, month, per_month)
        raw.append(data)
        server.add(f"/pipermail/bench/{name}.txt.gz", gzip.compress(data))
        server.add(f"/pipermail/bench/{name}/date.html", b"<ul></ul>")
        links.append(f'<A href="{name}.txt.gz">[ Gzip\'d Text ]</a>')
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    server.add("/pipermail/bench/", "\n".join(links).encode(), content_type="text/html")
    atom = (ROOT / "tests" / "fixtures" / "feeds" / "pacemaker-releases.atom").read_bytes()
    server.add("/releases.atom", atom)
    last = date(year, month, 1) if month != 1 else date(year, 1, 1)
    return raw, date(last.year, last.month, 1).replace(day=1)


def write_config(tmp: Path, server: FixtureServer) -> Path:
    projects = (ROOT / "tests" / "fixtures" / "mail" / "projects.yaml").read_text()
    text = projects + (
        f"\nlists:\n  - id: bench\n    kind: pipermail\n"
        f"    url: {server.url('/pipermail/bench/')}\n"
        f"feeds:\n  - id: releases\n    url: {server.url('/releases.atom')}\n"
        "    projects: [pacemaker]\n"
    )
    path = tmp / "sources.yaml"
    path.write_text(text)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--months", type=int, default=60)
    parser.add_argument("--per-month", type=int, default=400)
    args = parser.parse_args()
    with FixtureServer() as server, tempfile.TemporaryDirectory() as tmp:
        raw, _ = build(server, args.months, args.per_month)
        total = sum(len(r) for r in raw)
        packed = [gzip.compress(r) for r in raw]
        start = time.perf_counter()
        parsed = sum(len(list(parse_mbox(decompress(p)[0], name="bench"))) for p in packed)
        parse_time = time.perf_counter() - start
        config = load_config(write_config(Path(tmp), server))
        db = store.open_db(config.settings.database)
        # 'today' lies inside the last served month, so it is the current month.
        months = args.months - 1
        today = date(2007 + months // 12, months % 12 + 1, 15)
        with HttpClient(user_agent=config.settings.user_agent) as client:
            start = time.perf_counter()
            full = fetch_news(config, db, client=client, today=today)
            full_time = time.perf_counter() - start
            server.reset_log()
            start = time.perf_counter()
            noop = fetch_news(config, db, client=client, today=today)
            noop_time = time.perf_counter() - start
        hits = server.hits()
    mb = total / 1e6
    print(f"archive: {args.months} months, {parsed} messages, {mb:.1f} MB of mbox text")
    print(
        f"parse:   {parse_time:.2f} s  ({parsed / parse_time:,.0f} messages/s, "
        f"{mb / parse_time:.1f} MB/s)"
    )
    print(
        f"full:    {full_time:.2f} s  ({full.messages_new} new messages, {full.requests} requests, "
        f"{full.bytes / 1e6:.1f} MB downloaded)  ratio full/parse = {full_time / parse_time:.2f}"
    )
    print(
        f"no-op:   {noop_time:.3f} s  ({noop.requests} requests, {noop.not_modified} not modified, "
        f"{sum(h.sent for h in hits)} bytes sent, {noop.messages_new} new messages)"
    )
    print(f"warnings: {len(full.warnings)}, failures: {len(full.failures) + len(noop.failures)}")


if __name__ == "__main__":
    main()
