"""Broken machines and odd inputs (issue 15, items 7 and 8): one `Error:` line, store intact.

Each case runs the real command in a subprocess against real files: a file-size limit
(RLIMIT_FSIZE) stands in for a full disk, a read-only bind mount for read-only files, a FIFO and a
device for odd mbox paths, a real HTTP server for the redirect.
"""

from __future__ import annotations

import os
import resource
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.fixture_server import FixtureServer
from tests.helpers import Upstream, write_config


def digest(
    config: Path,
    *args: str,
    preexec: Callable[[], None] | None = None,
    prefix: list[str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run `digest --config CONFIG ARGS` as a real process (after `prefix`, if any)."""
    env = {**os.environ, "HOME": str(config.parent), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "digest", "--config", str(config), *args],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=preexec,
        timeout=timeout,
    )


def one_error(result: subprocess.CompletedProcess[str], *, code: int = 1) -> str:
    """The single `Error: ...` line of a failed run (no traceback)."""
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def intact(database: Path) -> int:
    """Integrity-check the store and return how many commits it holds."""
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return conn.execute("SELECT COUNT(*) FROM commits").fetchone()[0]
    finally:
        conn.close()


def many_commits(repo: Upstream, count: int, width: int = 40) -> None:
    """Add `count` commits with distinct wordy messages in one `git fast-import`."""
    lines = []
    parent = repo.git("rev-parse", "HEAD")
    for i in range(count):
        message = f"Low: tools: change {i}\n\n" + " ".join(f"w{i}x{j}" for j in range(width))
        data = message.encode()
        blob = f"file {i}\n".encode()
        stamp = 1_310_000_000 + i * 60
        lines.append(
            b"commit refs/heads/main\n"
            + f"committer A <a@example.org> {stamp} +0000\n".encode()
            + f"data {len(data)}\n".encode()
            + data
            + b"\n"
            + (f"from {parent}\n".encode() if i == 0 else b"")
            + f"M 100644 inline f{i}.c\ndata {len(blob)}\n".encode()
            + blob
            + b"\n"
        )
    subprocess.run(
        ["git", "-C", str(repo.path), "fast-import", "--quiet"],
        input=b"".join(lines),
        check=True,
    )
    repo.git("reset", "-q", "--hard", "main")


@pytest.fixture
def fetched(tmp_path: Path) -> Path:
    """A config whose one git source was fetched once (mirror and store exist)."""
    repo = Upstream(tmp_path / "upstream")
    repo.commit("Initial import", {"README": "x\n"})
    config = write_config(tmp_path, str(repo.path))
    assert digest(config, "fetch").returncode == 0
    return config


def database(config: Path) -> Path:
    return config.parent / "var" / "digest.db"


# -- item 7: full disk, read-only files ------------------------------------------------------


def file_size_limit(limit: int) -> Callable[[], None]:
    """Files cannot grow past `limit` bytes (writes fail with EFBIG), as on a full disk."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_full_disk_during_fetch_is_one_error_line_and_the_store_stays_intact(fetched):
    many_commits(Upstream(fetched.parent / "upstream"), 200, width=120)  # init: a no-op
    db = database(fetched)
    before = intact(db)
    biggest = max(p.stat().st_size for p in db.parent.glob("digest.db*"))
    full = digest(fetched, "fetch", preexec=file_size_limit(biggest + 48 * 1024))
    line = one_error(full)
    assert line.startswith(f"Error: database {db}: ")
    assert "(disk full or read-only?)" in line
    assert intact(db) >= before
    again = digest(fetched, "fetch")
    assert again.returncode == 0, again.stderr
    assert intact(db) == before + 200


def read_only(*paths: Path) -> list[str]:
    """A command prefix that runs the command with `paths` mounted read-only (own namespace)."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rm", "true"]).returncode:
        pytest.skip("needs `unshare -rm` (user and mount namespaces) for a read-only mount")
    mounts = " && ".join(
        f"mount --bind {shlex.quote(str(p))} {shlex.quote(str(p))} && "
        f"mount -o remount,bind,ro {shlex.quote(str(p))}"
        for p in paths
    )
    return ["unshare", "-rm", "sh", "-c", f'{mounts} && exec "$@"', "sh"]


def test_read_only_database_is_one_error_line(fetched):
    db = database(fetched)
    result = digest(fetched, "fetch", prefix=read_only(db))
    line = one_error(result)
    assert line.startswith(f"Error: database {db}: ")
    assert intact(db) == 1


def test_read_only_cache_dir_is_one_error_line(fetched):
    cache = fetched.parent / "var" / "cache"
    result = digest(fetched, "fetch", prefix=read_only(cache))
    line = one_error(result)
    assert line.startswith(f"Error: {cache}/") and "Read-only file system" in line
    assert intact(database(fetched)) == 1


# -- item 7: months and output directories ---------------------------------------------------


@pytest.mark.parametrize("month", ["0000-01", "9999-12"])
def test_draft_months_out_of_range_are_usage_errors(fetched, month):
    line = one_error(digest(fetched, "draft", "--month", month), code=2)
    assert line.startswith(f"Error: Invalid value for '--month': '{month}': year must be")


@pytest.mark.parametrize("target", ["/dev/null", "a-file"])
def test_draft_out_on_a_non_directory_is_a_usage_error(fetched, target):
    out = target if target.startswith("/") else str(fetched.parent / target)
    Path(out).touch()
    line = one_error(digest(fetched, "draft", "--month", "2011-03", "--out", out), code=2)
    assert line == f"Error: Invalid value for '--out': '{out}' is not a directory"


@pytest.mark.parametrize("command", ["draft", "monthly"])
def test_out_named_like_a_post_file_is_a_usage_error(fetched, command):
    out = fetched.parent / "june.md"
    args = (command, "--month", "2011-03", "--out", str(out))
    line = one_error(digest(fetched, *args), code=2)
    assert line == (
        f"Error: Invalid value for '--out': '{out}' looks like a file name; --out takes the"
        " directory of the posts (the draft is named YYYY-MM-DD-slug.md inside it)"
    )
    assert not out.exists()


def test_draft_out_on_a_read_only_directory_is_one_error_line(fetched):
    out = fetched.parent / "drafts"
    out.mkdir()
    args = ("draft", "--month", "2011-03", "--out", str(out))
    line = one_error(digest(fetched, *args, prefix=read_only(out)))
    assert line.startswith(f"Error: {out}/") and line.endswith("Read-only file system")


def test_translate_input_in_latin1_is_one_error_line(fetched):
    latin1 = fetched.parent / "lines.txt"
    latin1.write_bytes("PE: Fix leak\nMedium: cib: caf\xe9 handling\n".encode("latin-1"))
    line = one_error(digest(fetched, "translate", "--input", str(latin1)))
    assert line == f"Error: {latin1}: line 2: not UTF-8 (invalid continuation byte)"


# -- item 7: an mbox that is not a regular file ----------------------------------------------


def with_sections(config: Path, **sections: object) -> Path:
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    doc.update(sections)
    config.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return config


def test_an_mbox_that_is_a_directory_fifo_or_device_fails_alone(fetched):
    fifo = fetched.parent / "list.fifo"
    os.mkfifo(fifo)
    odd = {"a-dir": str(fetched.parent), "a-fifo": str(fifo), "a-device": "/dev/zero"}
    lists = [{"id": name, "kind": "mbox", "url": url} for name, url in odd.items()]
    started = time.monotonic()
    result = digest(with_sections(fetched, lists=lists), "fetch", timeout=60)
    assert time.monotonic() - started < 60  # a FIFO is never opened, /dev/zero never read
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for name, url in odd.items():
        assert f"warning: list '{name}': {Path(url).resolve()} is not a regular file" in (
            result.stderr
        )
    assert result.stdout.strip().endswith("3 failed; classified 0 commits, 0 entries")


# -- item 8: redirects, interrupted fetches --------------------------------------------------


def test_a_redirect_to_an_unsupported_scheme_names_the_target(fetched):
    with FixtureServer() as server:
        server.add("/feed", b"", failures=[(302, {"Location": "ftp://mirror.example.org/f"})])
        feeds = [{"id": "news", "kind": "atom", "url": server.url("/feed")}]
        result = digest(with_sections(fetched, feeds=feeds), "fetch")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        f"warning: feed 'news': {server.url('/feed')} redirects to ftp://mirror.example.org/f: "
        "not http(s)"
    ) in result.stderr


def test_after_an_interrupted_fetch_the_summary_counts_only_what_it_stored(tmp_path):
    repo = Upstream(tmp_path / "upstream")
    repo.commit("Initial import", {"README": "x\n"})
    many_commits(repo, 3000, width=4)
    config = write_config(tmp_path, str(repo.path))
    db = database(config)
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "digest", "--config", str(config), "fetch"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None and _stored(db) == 0:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stored = _stored(db)
    result = digest(config, "fetch")
    assert result.returncode == 0, result.stderr
    total = intact(db)
    assert total == 3001
    assert result.stdout.startswith(f"fetched 1 sources: {total - stored} new commits, ")


def _stored(db: Path) -> int:
    try:
        conn = sqlite3.connect(db, timeout=0.1)
        try:
            return conn.execute("SELECT COUNT(*) FROM commits").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0
