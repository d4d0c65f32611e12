"""Two runs at once, a killed run, and help text for every command."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time

import click
import yaml
from click.testing import CliRunner

from digest.cli import main
from digest.config import load_config
from digest.runtime import run_lock
from tests.helpers import write_config


def test_second_run_waits_briefly_then_reports_the_lock(tmp_path, upstream):
    config_path = write_config(tmp_path, str(upstream.path))
    doc = yaml.safe_load(config_path.read_text())
    doc["settings"]["lock_wait"] = 0.3
    config_path.write_text(yaml.safe_dump(doc))
    settings = load_config(config_path).settings
    with run_lock(settings.lock_path):
        result = CliRunner().invoke(main, ["--config", str(config_path), "fetch"])
    assert result.exit_code == 1
    assert "another digest run (pid " in result.output
    assert "holds" in result.output and "digest.lock" in result.output
    again = CliRunner().invoke(main, ["--config", str(config_path), "fetch"])
    assert again.exit_code == 0, again.output


def test_a_killed_fetch_leaves_the_database_intact_and_the_next_run_completes(
    tmp_path, shadow_repos
):
    repo = shadow_repos("pacemaker-1.0")
    config = write_config(
        tmp_path,
        str(repo),
        branches=["master"],
        release_tags=r"^Pacemaker-(?P<version>1\.0\.\d+)$",
        changelogs=["ChangeLog"],
    )
    cmd = [sys.executable, "-m", "digest", "--config", str(config), "fetch"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    db_path = tmp_path / "var" / "digest.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if _stored(db_path) > 0:  # killed in the middle of storing history
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    expected = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--count", "master", "--tags"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    total, distinct = conn.execute("SELECT COUNT(*), COUNT(DISTINCT sha) FROM commits").fetchone()
    assert total == distinct == int(expected)
    entries = conn.execute("SELECT COUNT(*) FROM changelog_entries WHERE version = '1.0.12'")
    assert entries.fetchone() == (40,)
    unreleased = conn.execute("SELECT COUNT(*) FROM commits WHERE release IS NULL").fetchone()
    tagged = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--count", "--tags"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert unreleased == (int(expected) - int(tagged),)  # every tagged commit has its release


def _stored(db_path) -> int:
    try:
        with sqlite3.connect(db_path, timeout=0.1) as conn:
            return conn.execute("SELECT COUNT(*) FROM commits").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_every_command_has_help_text():
    def walk(group: click.Group, prefix: list[str]):
        for name, command in group.commands.items():
            yield [*prefix, name], command
            if isinstance(command, click.Group):
                yield from walk(command, [*prefix, name])

    for path, command in walk(main, []):
        assert command.help, f"digest {' '.join(path)} has no help text"
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        first_line = " ".join(command.help.split("\n")[0].split())
        assert first_line in " ".join(result.output.split())
