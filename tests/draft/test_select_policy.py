"""Selection policy for ChangeLogs without severities, and rc folding (issue 12)."""

from __future__ import annotations

import json

import pytest
import yaml

from digest import store
from digest.config import load_config
from digest.draft.render import render_post
from digest.draft.select import build_digest
from digest.errors import ConfigError
from digest.models import ChangelogEntry, Release
from digest.monthly import translation_pipeline
from tests.helpers import run_cli, write_config

# (component, text, kind) in ChangeLog order; no severities, as in ChangeLog.md
LINES = [
    ("build", "Fix default pacemaker-remoted path on Fedora", "build"),
    ("docs", "Improve tables throughout documentation", "doc"),
    ("tools", "validate `stonith_admin --timeout` value", "fix"),
    ("libcrmcommon", "deprecate `xml_track_changes()`", "api"),
    ("scheduler", "avoid memory leak in bundles", "fix"),
    ("fencer", "avoid crash when a device is removed", "fix"),
    ("tools", "`crm_mon` no longer shows inactive resources by default", "change"),
    ("scheduler", "restore promotion scores (regression introduced in 3.0.0)", "fix"),
    ("CIB", "deprecate `record-pending` operation option", "feature"),
    ("libcrmcommon", "add `pcmk_common_cleanup()`", "api"),
    ("test", "Add unit tests for strings", "test"),
    ("tools", "new `crm_ticket --cleanup` option", "feature"),
]
COMPONENTS = {
    "build": "build",
    "docs": "doc",
    "tools": "tools",
    "libcrmcommon": "core",
    "scheduler": "PE",
    "fencer": "stonith",
    "CIB": "cib",
    "test": "tests",
}


def entries() -> list[ChangelogEntry]:
    return [
        ChangelogEntry(i, text, f"**{comp}:** {text}", component=comp, category="fixes")
        for i, (comp, text, _) in enumerate(LINES, 1)
    ]


@pytest.fixture
def world(tmp_path, upstream):
    path = write_config(tmp_path, str(upstream.path))
    doc = yaml.safe_load(path.read_text())
    doc["draft"] = {"max_per_release": 6, "include_rc": True}
    path.write_text(yaml.safe_dump(doc))
    config = load_config(path)
    db = store.open_db(config.settings.database)
    demo = config.project("demo")
    store.save_project(db, demo.id, demo.name, demo.web, demo.commit_url)
    store.save_releases(
        db,
        [
            (Release("demo", "3.0.0", "a" * 40, "2025-01-08T00:00:00+00:00"), None),
            (
                Release("demo", "3.0.1-rc1", "b" * 40, "2025-08-01T00:00:00+00:00", is_rc=True),
                "3.0.0",
            ),
            (Release("demo", "3.0.1", "c" * 40, "2025-08-20T00:00:00+00:00"), "3.0.0"),
        ],
    )
    linked = [(e, "d" * 40, "normalised", 1.0) for e in entries()]
    store.save_changelogs(
        db, "demo", [("3.0.1-rc1", "ChangeLog.md", linked[:4]), ("3.0.1", "ChangeLog.md", linked)]
    )
    rows = db.execute("SELECT id, position FROM changelog_entries WHERE version = '3.0.1'")
    kinds = {position: LINES[position - 1] for _, position in rows.fetchall()}
    store.save_entry_classes(
        db,
        [
            (key, json.dumps([COMPONENTS[kinds[pos][0]]]), None, kinds[pos][2], "[]", "test")
            for key, pos in db.execute(
                "SELECT id, position FROM changelog_entries WHERE version = '3.0.1'"
            ).fetchall()
        ],
    )
    return config, db


def digest_of(config, db):
    return build_digest(config, db, "2025-08", translate=translation_pipeline(config, db).translate)


def test_an_rc_and_its_final_in_the_same_month_are_one_section(world):
    config, db = world
    digest = digest_of(config, db)
    assert [(s.version, s.folded) for s in digest.releases] == [("3.0.1", ("3.0.1-rc1",))]
    post = render_post(digest)
    assert "同じ月に出た3.0.1-rc1の変更もこの節にまとめています。" in post
    assert "**1-1. Demo 3.0.1**" in post and "3.0.1-rc1**" not in post


def test_a_long_changelog_without_severities_is_cut_to_the_user_visible_changes(world):
    config, db = world
    (section,) = digest_of(config, db).releases
    shown = [c.english for c in section.changes]
    assert len(shown) == 6  # draft.max_per_release
    # regression, crash, behaviour change, deprecation, new option; then another fix
    assert set(shown) == {
        "scheduler: restore promotion scores (regression introduced in 3.0.0)",
        "fencer: avoid crash when a device is removed",
        "tools: crm_mon no longer shows inactive resources by default",
        "CIB: deprecate record-pending operation option",
        "tools: new crm_ticket --cleanup option",
        "tools: validate stonith_admin --timeout value",
    }
    # grouped by component in taxonomy order (cib, PE, stonith, tools), ChangeLog order within
    assert shown == [
        "CIB: deprecate record-pending operation option",
        "scheduler: restore promotion scores (regression introduced in 3.0.0)",
        "fencer: avoid crash when a device is removed",
        "tools: validate stonith_admin --timeout value",
        "tools: crm_mon no longer shows inactive resources by default",
        "tools: new crm_ticket --cleanup option",
    ]
    assert section.selection == "changelog:6" and section.changelog_url is None


def test_without_include_rc_the_final_stands_alone(world, tmp_path):
    config, db = world
    doc = yaml.safe_load(config.path.read_text())
    doc["draft"]["include_rc"] = False
    config.path.write_text(yaml.safe_dump(doc))
    digest = digest_of(load_config(config.path), db)
    assert [(s.version, s.folded) for s in digest.releases] == [("3.0.1", ())]


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"max_per_release": 0}, "draft.max_per_release: must be a positive integer"),
        ({"priorities": [["x"]]}, "draft.priorities[0]: must be [label, pattern]"),
        ({"priorities": [["x", "("]]}, "draft.priorities[0]: bad pattern"),
        ({"internal_kinds": "build"}, "draft.internal_kinds: must be a list of kinds"),
    ],
)
def test_a_bad_policy_is_one_readable_error(world, policy, message):
    config, _ = world
    doc = yaml.safe_load(config.path.read_text())
    doc["draft"] = policy
    config.path.write_text(yaml.safe_dump(doc))
    result = run_cli(config.path, "draft", "--month", "2025-08")
    assert result.exit_code != 0
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output
    with pytest.raises(ConfigError):
        digest_of(load_config(config.path), store.open_db(config.settings.database))
