"""Release containment: streaming and stored-graph implementations agree on real histories."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from digest.fetch.containment import GraphContainment, StreamingContainment
from digest.models import Release
from tests.conftest import ROOT


def _git(repo: Path, *args: str) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def _tag_releases(repo: Path, project: str) -> list[Release]:
    """Releases from the repository's tags, with the shipped sources.yaml pattern."""
    doc = yaml.safe_load((ROOT / "sources.yaml").read_text())
    source = next(p for p in doc["projects"] if p["id"] == project)["sources"][0]
    pattern = re.compile(source["release_tags"])
    fmt = "%(refname:strip=2)|%(*objectname)|%(objectname)|%(creatordate:iso-strict)"
    releases = []
    for line in _git(repo, "for-each-ref", f"--format={fmt}", "refs/tags/"):
        name, peeled, sha, date = line.split("|")
        match = pattern.match(name)
        if match:
            releases.append(Release(project, match["version"], peeled or sha, date, name))
    return releases


@pytest.mark.parametrize("project", ["pacemaker", "crmsh", "cluster-glue"])
def test_streaming_and_stored_graph_containment_agree(shadow_repos, project):
    repo = shadow_repos(project)
    releases = _tag_releases(repo, project)
    assert len(releases) > 10
    streaming = StreamingContainment(releases)
    graph: dict[str, tuple[str, ...]] = {}
    for line in _git(repo, "rev-list", "--topo-order", "--parents", "--branches", "--tags"):
        sha, *parents = line.split()
        graph[sha] = tuple(parents)
        streaming.add(sha, parents)
    stored = GraphContainment(graph, releases)
    versions = [r.version for r in releases]
    assert streaming.first_releases() == stored.first_releases()
    assert streaming.ranges(versions) == stored.ranges(versions)
    assert sum(1 for v in stored.first_releases().values() if v) > len(graph) // 2
