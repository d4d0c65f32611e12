"""Helpers shared by the tests: real git repositories, a config, the CLI, commit rows."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml
from click.testing import CliRunner, Result

FIXTURES_DIR = Path(__file__).parent / "fixtures"

# A sources.yaml with one project and no sources: for commands that only use the store/TM.
TM_CONFIG = """\
settings:
  database: var/digest.db
projects:
  - id: pacemaker-1.0
    name: Pacemaker 1.0
    web: https://github.com/ClusterLabs/pacemaker-1.0
    commit_url: https://github.com/ClusterLabs/pacemaker-1.0/commit/{sha}
"""


class Upstream:
    """A non-bare repository standing in for an upstream project."""

    def __init__(self, path: Path, branch: str = "main") -> None:
        self.path = path
        self.clock = 1_300_000_000  # 2011-03-13, advanced one hour per commit
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        """Run git in the repository and return its output."""
        full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.path), **(env or {})}
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args],
            capture_output=True,
            env=full_env,
            check=True,
        )
        return proc.stdout.decode("utf-8", "replace").strip()

    def commit(
        self,
        message: str,
        files: dict[str, str] | None = None,
        *,
        author: str = "Andrew Beekhof",
        email: str = "andrew@beekhof.net",
    ) -> str:
        """Write files, commit them with the next pinned date and return the sha."""
        for name, text in (files or {f"file{self.clock}.c": message}).items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            self.git("add", name)
        self.clock += 3600
        stamp = f"{self.clock} +0100"
        env = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": stamp,
        }
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.git("rev-parse", "HEAD")

    def commit_raw(self, author: bytes, message: bytes) -> str:
        """Commit arbitrary bytes as author name and message (e.g. Latin-1) on HEAD."""
        tree = self.git("write-tree")
        parent = self.git("rev-parse", "HEAD")
        self.clock += 3600
        body = (
            f"tree {tree}\nparent {parent}\n".encode()
            + b"author "
            + author
            + f" <x@example.org> {self.clock} +0000\n".encode()
            + b"committer "
            + author
            + f" <x@example.org> {self.clock} +0000\n\n".encode()
            + message
        )
        proc = subprocess.run(
            [
                "git",
                "-C",
                str(self.path),
                "hash-object",
                "-t",
                "commit",
                "-w",
                "--stdin",
                "--literally",
            ],
            input=body,
            capture_output=True,
            check=True,
        )
        sha = proc.stdout.decode().strip()
        self.git("update-ref", "HEAD", sha)
        return sha

    def tag(self, name: str, ref: str = "HEAD") -> None:
        """Create a lightweight tag."""
        self.git("tag", name, ref)


def unreleased(commits):
    """Commits with no first release and no classes, as store.save_commits takes them."""
    return [(commit, None, None) for commit in commits]


def write_config(tmp_path: Path, url: str, **source: object) -> Path:
    """A sources.yaml with one project whose git source is the given URL."""
    git_source = {"id": "demo-git", "url": url, "branches": ["main"], **source}
    doc = {
        "settings": {"database": "var/digest.db", "cache_dir": "var/cache"},
        "projects": [
            {
                "id": "demo",
                "name": "Demo",
                "web": "https://example.org/demo",
                "commit_url": "https://example.org/demo/commit/{sha}",
                "sources": [git_source],
            }
        ],
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def run_cli(config: Path, *args: str, input: str | None = None) -> Result:
    """Run `digest --config CONFIG ARGS...` in-process and return click's result."""
    from digest.cli import main

    return CliRunner().invoke(main, ["--config", str(config), *args], input=input)


def tm_row(source: str, text: str, origin: str = "human", state: str = "approved") -> dict:
    """A translation-memory row as store.save_translations takes it."""
    from digest.translate.lines import tm_key

    return {
        "source_norm": tm_key(source),
        "lang": "ja",
        "source": source,
        "text": text,
        "origin": origin,
        "state": state,
    }


def shipped_config(base: Path, repos: dict[str, Path], **settings: object) -> Path:
    """The shipped sources.yaml cut to the given projects, each pointed at a local repository.

    Lists and feeds are left out (no network in tests); `draft.projects` keeps only these.
    """
    root = Path(__file__).resolve().parent.parent
    doc = yaml.safe_load((root / "sources.yaml").read_text(encoding="utf-8"))
    doc["settings"] = {"database": "digest.db", "cache_dir": "cache", **settings}
    doc["projects"] = [p for p in doc["projects"] if p["id"] in repos]
    for project in doc["projects"]:
        project["sources"][0]["url"] = str(repos[project["id"]])
    order = doc.get("draft", {}).get("projects")
    if order is not None:
        doc["draft"]["projects"] = [p for p in order if p in repos]
    doc["lists"], doc["feeds"] = [], []
    path = base / "sources.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path
