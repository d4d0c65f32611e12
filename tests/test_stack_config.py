"""The shipped sources.yaml covers the whole HA stack; release tag patterns; draft order."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from digest.config import load_config
from digest.errors import ConfigError
from digest.fetch.announcements import detect_release, project_names
from digest.fetch.releases import final_of, is_prerelease
from tests.conftest import ROOT, UPSTREAM

STACK = {
    "corosync": "https://github.com/corosync/corosync.git",
    "resource-agents": "https://github.com/ClusterLabs/resource-agents.git",
    "fence-agents": "https://github.com/ClusterLabs/fence-agents.git",
    "sbd": "https://github.com/ClusterLabs/sbd.git",
    "booth": "https://github.com/ClusterLabs/booth.git",
    "drbd-utils": "https://github.com/LINBIT/drbd-utils.git",
}
# Tags deliberately not releases of the project, by reason (see sources.yaml comments).
LEFT_OUT = {
    "corosync": r"archive/.*",  # archived topic branches
    "resource-agents": r"(?:STABLE|Beta|beta|obs|sle11|SLE10|SLES10|Series-Root)-.*",  # Heartbeat
    "sbd": r"(?:glue|beta|sle11)-.*",  # cluster-glue / Heartbeat, before sbd's own repository
}
PROJECT = {
    "id": "demo",
    "name": "Demo",
    "web": "https://example.org",
    "commit_url": "https://example.org/commit/{sha}",
    "sources": [{"id": "demo-git", "url": "mirror/demo.git", "branches": ["main"]}],
}


def test_shipped_config_has_all_eleven_projects_with_real_upstreams():
    config = load_config(ROOT / "sources.yaml")
    assert len(config.projects) == 11
    urls = {s.project: s.url for s in config.git_sources()}
    for project, url in STACK.items():
        assert urls[project] == url
    feeds = {f.projects[0] for f in config.feeds}
    assert set(STACK) <= feeds
    assert "drbd-utils" in {p for lst in config.lists for p in lst.projects}
    assert len(config.draft_order()) == 11


@pytest.mark.parametrize("project", sorted(STACK))
def test_every_upstream_tag_is_a_release_or_left_out_for_a_reason(project):
    tags_file = UPSTREAM / f"{project}.tags.json"
    if not tags_file.exists():
        pytest.skip(f"{tags_file} not found (../shared is missing)")
    source = load_config(ROOT / "sources.yaml").project(project).sources[0]
    tags = [t["tag"] for t in json.loads(tags_file.read_text())]
    left = [t for t in tags if not source.release_tags.match(t)]
    reason = re.compile(LEFT_OUT.get(project, r"(?!)"))
    assert [t for t in left if not reason.fullmatch(t)] == []
    kept = [t for t in tags if source.release_tags.match(t)]
    assert [t for t in kept if reason.fullmatch(t)] == []


@pytest.mark.parametrize(
    ("project", "tag", "version", "pre"),
    [
        ("fence-agents", "v3.1.10", "3.1.10", False),
        ("fence-agents", "v4.0.7.1", "4.0.7.1", False),
        ("resource-agents", "v4.18.0rc1", "4.18.0rc1", True),
        ("resource-agents", "agents-1.0.4-rc", "1.0.4-rc", True),
        ("resource-agents", "agents-1.0", "1.0", False),
        ("drbd-utils", "v9.33.0-rc.1", "9.33.0-rc.1", True),
        ("drbd-utils", "v8.9.2rc4", "8.9.2rc4", True),
        ("booth", "v1.2", "1.2", False),
        ("booth", "v1.0rc1", "1.0rc1", True),
        ("corosync", "v0.100", "0.100", False),
        ("corosync", "v1.8.0pre", "1.8.0pre", True),
        ("sbd", "v1.5.2", "1.5.2", False),
    ],
)
def test_release_tag_forms(project, tag, version, pre):
    source = load_config(ROOT / "sources.yaml").project(project).sources[0]
    match = source.release_tags.match(tag)
    assert match and match["version"] == version
    assert is_prerelease(version) is pre


def test_dotted_rc_leads_to_its_final():
    assert final_of("9.33.0-rc.1") == "9.33.0"


def write(tmp_path, draft):
    path = tmp_path / "sources.yaml"
    second = {
        **PROJECT,
        "id": "other",
        "name": "Other",
        "sources": [{**PROJECT["sources"][0], "id": "o-git"}],
    }
    path.write_text(yaml.safe_dump({"projects": [PROJECT, second], "draft": draft}))
    return path


def test_draft_projects_order_and_switch(tmp_path):
    config = load_config(write(tmp_path, {"projects": ["other"], "max_commits": 3}))
    assert config.draft_order() == ["other", "demo"]
    assert config.sections["draft"] == {"max_commits": 3}
    config = load_config(write(tmp_path, {"projects": ["other", {"demo": False}]}))
    assert config.draft_order() == ["other"]


@pytest.mark.parametrize(
    ("projects", "message"),
    [
        (["nope"], "sources.yaml: draft.projects[0]: unknown project 'nope'"),
        ([{"demo": "yes"}], "sources.yaml: draft.projects[0]: must be a project id or {id: "),
        (["demo", "demo"], "sources.yaml: draft.projects: duplicate id 'demo'"),
        ({"demo": True}, "sources.yaml: draft.projects: must be a list of project ids"),
    ],
)
def test_draft_projects_errors(tmp_path, projects, message):
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, {"projects": projects}))
    assert str(exc.value).startswith(message)


@pytest.mark.parametrize(
    ("subject", "release"),
    [
        ("[ClusterLabs] resource-agents v4.18.0 released", ("resource-agents", "4.18.0")),
        ("[ClusterLabs] fence-agents v4.17.0 released", ("fence-agents", "4.17.0")),
        ("[Openais] corosync 1.4.2 released", ("corosync", "1.4.2")),
        ("[Openais] Corosync 1.3.4 is available at corosync.org!", ("corosync", "1.3.4")),
        ("[DRBD-announce] drbd-utils-9.34.0", ("drbd-utils", "9.34.0")),
        ("[ClusterLabs] booth 1.2 released", ("booth", "1.2")),
        ("[ClusterLabs] sbd v1.5.2 released", ("sbd", "1.5.2")),
        ("Re: [ClusterLabs] sbd v1.5.2 released", None),
    ],
)
def test_announcements_name_the_stack_projects(subject, release):
    config = load_config(ROOT / "sources.yaml")
    assert detect_release(subject, project_names(config.projects)) == release
