"""Unique project display names, and WordPress-era horizontal rules without stray `**`."""

from __future__ import annotations

import pytest
import yaml

from digest.config import load_config
from digest.draft.select import _release_name
from digest.errors import ConfigError
from digest.site.markup import Markdown
from tests.conftest import ROOT
from tests.helpers import write_config


def test_shipped_projects_have_unique_display_names():
    names = [p.name for p in load_config(ROOT / "sources.yaml").projects]
    assert len(set(names)) == len(names)
    assert load_config(ROOT / "sources.yaml").project("pacemaker-1.0").name == "Pacemaker 1.0"


def test_two_projects_with_one_name_are_refused(tmp_path):
    path = write_config(tmp_path, "mirror.git")
    doc = yaml.safe_load(path.read_text())
    twin = {**doc["projects"][0], "id": "demo-old", "sources": []}
    doc["projects"].append(twin)
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ConfigError, match="projects: duplicate name 'Demo'"):
        load_config(path)


@pytest.mark.parametrize(
    ("name", "version", "called"),
    [
        ("Pacemaker 1.0", "1.0.12", "Pacemaker"),
        ("Pacemaker 1.0", "1.0", "Pacemaker"),
        ("Pacemaker 1.0", "1.1.5", "Pacemaker 1.0"),
        ("Pacemaker", "1.1.6", "Pacemaker"),
        ("crmsh", "1.0.0", "crmsh"),
    ],
)
def test_a_release_is_called_by_its_name_without_the_series(name, version, called):
    assert _release_name(name, version) == called


@pytest.mark.parametrize("rule", ["* * *", "***", "---"])
def test_wordpress_bold_markers_around_a_rule_render_as_a_plain_rule(rule):
    text = f"**1. リリース情報**\n\n**\n\n{rule}\n\n**\n\n**1-1. Pacemaker 1.0.12**\n"
    html = Markdown().render(text).html
    assert html.count("<hr>") == 1
    assert "**" not in html
    assert "<strong>1-1. Pacemaker 1.0.12</strong>" in html


def test_the_reference_post_has_no_stray_markers():
    reference = ROOT.parent / "shared" / "reference" / "2011-12-02-monthly-digest-december.md"
    if not reference.exists():
        pytest.skip(f"{reference} not found (../shared is missing)")
    html = Markdown().render(reference.read_text(encoding="utf-8")).html
    assert "**" not in html and html.count("<hr>") >= 2
