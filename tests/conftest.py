"""Shared fixtures: paths to ../shared data and shadow repositories built from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
UPSTREAM = SHARED / "upstream"
SHADOW_TOOL = SHARED / "tools" / "make-shadow-repo"
PROJECTS = ["pacemaker", "pacemaker-1.0", "cluster-glue", "crmsh", "lcmc"]
STACK = ["corosync", "resource-agents", "fence-agents", "sbd", "booth", "drbd-utils"]
ALL_PROJECTS = PROJECTS + STACK  # what the shipped sources.yaml describes


def require_shared() -> None:
    """Skip the calling test when ../shared (the upstream history data) is absent."""
    if not (UPSTREAM / "pacemaker.commits.jsonl.gz").exists() or not SHADOW_TOOL.exists():
        pytest.skip(f"upstream history data not found at {SHARED} (../shared is missing)")


@pytest.fixture(scope="session")
def shadow_repos(tmp_path_factory: pytest.TempPathFactory):
    """Build (once per session, on demand) a shadow git repository of an upstream project."""
    built: dict[str, Path] = {}
    base = tmp_path_factory.mktemp("shadow")

    def build(name: str) -> Path:
        require_shared()
        if name not in built:
            dest = base / name
            subprocess.run(
                [sys.executable, str(SHADOW_TOOL), name, str(dest)],
                check=True,
                capture_output=True,
            )
            built[name] = dest
        return built[name]

    return build


@pytest.fixture
def upstream(tmp_path: Path):
    """A small real upstream repository with two commits."""
    from tests.helpers import Upstream

    repo = Upstream(tmp_path / "upstream")
    repo.commit("Initial import", {"README": "demo\n"})
    repo.commit("High: cib: Fix a leak", {"lib/cib/io.c": "a\nb\n"})
    return repo


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never reach the internet: resolving any host but the loopback fails loudly."""
    import socket

    real = socket.getaddrinfo
    local = {"localhost", "127.0.0.1", "::1", "", None}

    def loopback_only(host, *args, **kwargs):
        if host not in local:
            raise OSError(f"test tried to reach the network ({host})")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)


HTTP_AGENT = "digest-test/1.0 (+https://example.invalid/digest)"


@pytest.fixture
def server():
    """A real HTTP server on 127.0.0.1 (port 0) serving the routes a test sets up."""
    from tests.fixture_server import FixtureServer

    with FixtureServer() as srv:
        yield srv


@pytest.fixture
def sleeps() -> list[float]:
    """The back-off sleeps an HttpClient asked for (recorded, not slept)."""
    return []


@pytest.fixture
def client(sleeps: list[float]):
    """One HttpClient with quick retries whose sleeps are recorded."""
    from digest.sources.http import HttpClient

    with HttpClient(
        user_agent=HTTP_AGENT, timeout=2.0, retries=2, backoff=0.01, sleep=sleeps.append
    ) as http:
        yield http
