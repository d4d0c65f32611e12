"""Announcements of the HA stack (issue 16): an rc announced as `v4.18.0 rc1`, and one mail
announcing two releases of which only one is ours (`drbd-9.2.15 and drbd-utils-9.33.0`)."""

from __future__ import annotations

import pytest
import yaml

from digest import store
from digest.config import load_config
from digest.fetch.announcements import (
    change_items,
    detect_feed_release,
    detect_release,
    project_names,
)
from digest.models import FeedEntry
from digest.sources.mail import parse_mbox
from tests.conftest import ROOT
from tests.helpers import FIXTURES_DIR, run_cli, shipped_config

NAMES = project_names(load_config(ROOT / "sources.yaml").projects)
MAIL = FIXTURES_DIR / "mail"
USERS = MAIL / "clusterlabs-users-2026-03.mbox"
DRBD = MAIL / "drbd-announce-2025-11.mbox"
RC1_ITEMS = [
    "Filesystem: new force_unmount=move option",
    "Filesystem: signal many processes in parallel",
    "Filesystem: try umount immediately after signals are sent",
    "IPaddr2: made find_interface() output empty when no interface is found",
    "aws-vpc-move-ip: add awscli_timeout parameter",
    "ocf-shellfunc: add ocf_log_pipe",
    "podman-etcd: enhance etcd data backup with snapshots and retention",
    "podman-etcd: prevent last active member from leaving the etcd member list",
    "portblock: monitor needs to also check state file of inverse action (#2108)",
]
UTILS_ITEMS = [
    "drbdsetup,show: show device options in json output",
    "drbdsetup,show: always show defaults in json output",
    "drbdadm,create-md: avoid device UUID regeneration",
    "drbdadm,create-md: do not reset effective-size on format conversion.",
    "drbdmon: secondary --force and various improvements",
    "all: various v8 v9 compatibility improvements",
    "drbdmeta: allow bitmap granularity",
    "drbdadm,drbdsetup,v9: add drbd8-compatibility option",
]


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("[ClusterLabs] resource-agents v4.18.0 rc1", ("resource-agents", "4.18.0rc1")),
        ("[ClusterLabs] resource-agents v4.18.0rc1", ("resource-agents", "4.18.0rc1")),
        ("[ClusterLabs] resource-agents v4.18.0 rc1 released", ("resource-agents", "4.18.0rc1")),
        ("[ClusterLabs] resource-agents v4.18.0 released", ("resource-agents", "4.18.0")),
        ("[ClusterLabs] fence-agents v4.17.0 rc1", ("fence-agents", None)),
        ("[DRBD-announce] drbd-9.2.15 and drbd-utils-9.33.0", ("drbd-utils", "9.33.0")),
        ("drbd-9.2.15 and drbd-utils-9.33.0", ("drbd-utils", "9.33.0")),
        ("[DRBD-announce] drbd-utils-9.33.0-rc.1", ("drbd-utils", "9.33.0-rc.1")),
        (
            "[DRBD-announce] drbd-9.2.15-rc.1 and drbd-utils-9.33.0-rc.1",
            ("drbd-utils", "9.33.0-rc.1"),
        ),
        # not announcements: a reply, a question, a subject that says more than releases
        ("Re: [ClusterLabs] resource-agents v4.18.0 rc1", None),
        ("[ClusterLabs] resource-agents v4.18.0 rc1 breaks my Filesystem", None),
        ("[DRBD-user] drbd-9.2.15 and drbd-utils-9.33.0 on Ubuntu?", None),
        ("[DRBD-user] problem with drbd-utils-9.33.0 and my setup", None),
    ],
)
def test_stack_announcement_subjects(subject, expected):
    if expected and expected[1] is None:  # fence-agents tags have no rc: no release at all
        expected = None
    assert detect_release(subject, NAMES) == expected


def message(path, subject_start: str):
    (found,) = [
        m
        for m in parse_mbox(path.read_bytes(), name=path.name)
        if m.subject.startswith(subject_start)
    ]
    return found


def test_the_rc_announcement_items_leave_out_their_heading():
    body = message(USERS, "[ClusterLabs] resource-agents").body
    assert change_items(body, "4.18.0rc1") == RC1_ITEMS
    assert change_items(body) == RC1_ITEMS  # one release: the same without a version


def test_an_announcement_of_two_releases_gives_the_items_of_ours_only():
    body = message(DRBD, "[DRBD-announce]").body
    assert change_items(body, "9.33.0") == UTILS_ITEMS
    assert (
        change_items(body, "9.2.15")[0] == "Fix a rare race between resync and a concurrent detach"
    )
    assert len(change_items(body, "9.2.15")) == 3


@pytest.fixture(scope="module")
def stack_store(shadow_repos, tmp_path_factory):
    """resource-agents and drbd-utils fetched with the two list archives (mbox)."""
    base = tmp_path_factory.mktemp("stack-announce")
    repos = {name: shadow_repos(name) for name in ("resource-agents", "drbd-utils")}
    path = shipped_config(base, repos)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["lists"] = [
        {"id": "users", "kind": "mbox", "url": str(USERS)},
        {"id": "drbd-announce", "kind": "mbox", "url": str(DRBD), "projects": ["drbd-utils"]},
    ]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    result = run_cli(path, "fetch")
    assert result.exit_code == 0, result.output
    return store.open_db(load_config(path).settings.database)


def release(db, project: str, version: str) -> dict:
    (found,) = [r for r in store.releases_of(db, project) if r["version"] == version]
    return found


def test_the_rc_announcement_is_linked_to_the_tagged_rc_and_its_items_to_commits(stack_store):
    rc1 = release(stack_store, "resource-agents", "4.18.0rc1")
    assert rc1["announcement"] and rc1["tag"] == "v4.18.0rc1"  # the tagged rc, not a new one
    items = store.release_announcement_items(stack_store, "resource-agents", "4.18.0rc1")
    assert [i["text"] for i in items] == RC1_ITEMS
    # each item is tied to the commit its line in the rc's ChangeLog section is tied to
    entries = store.changelog_entries(stack_store, "resource-agents", "4.18.0rc1")
    by_line = {f"{e['component']}: {e['text']}": e["commit_sha"] for e in entries}
    assert all(i["commit_sha"] for i in items)
    assert [i["commit_sha"] for i in items] == [by_line[i["text"]] for i in items]
    assert not release(stack_store, "resource-agents", "4.18.0")["announcement"]


def test_the_drbd_announcement_goes_to_drbd_utils_with_its_items_only(stack_store):
    utils = release(stack_store, "drbd-utils", "9.33.0")
    assert utils["announcement"] and utils["tag"] == "v9.33.0"
    items = store.release_announcement_items(stack_store, "drbd-utils", "9.33.0")
    assert [i["text"] for i in items] == UTILS_ITEMS
    subjects = dict(
        stack_store.execute("SELECT sha, subject FROM commits WHERE project = 'drbd-utils'")
    )
    linked = [(i["text"], subjects[i["commit_sha"]]) for i in items if i["commit_sha"]]
    assert len(linked) >= 3  # ChangeLog-worded lines: a few have a commit of that wording
    for text, subject in linked:  # each to a commit of the same tool
        assert any(tool in subject.lower() for tool in text.split(":")[0].split(",")), subject
    assert not [r for r in store.releases_of(stack_store, "drbd-utils") if r["version"] == "9.2.15"]


@pytest.mark.parametrize(
    ("title", "link", "project", "expected"),
    [
        ("v4.18.0 rc1", None, "resource-agents", ("resource-agents", "4.18.0rc1")),
        ("resource-agents v4.18.0 rc1", None, "resource-agents", ("resource-agents", "4.18.0rc1")),
        ("v4.18.0", None, "resource-agents", ("resource-agents", "4.18.0")),
        ("v9.33.0-rc.1", None, "drbd-utils", ("drbd-utils", "9.33.0-rc.1")),
        (
            "Release candidate",
            "https://github.com/LINBIT/drbd-utils/releases/tag/v9.33.0-rc.1",
            "drbd-utils",
            ("drbd-utils", "9.33.0-rc.1"),
        ),
    ],
)
def test_stack_release_feed_titles(title, link, project, expected):
    entry = FeedEntry("id", title, link, "2026-03-25T12:00:00+00:00", None, "")
    assert detect_feed_release(entry, NAMES, (project,)) == expected
