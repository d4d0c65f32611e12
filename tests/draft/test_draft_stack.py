"""Golden drafts of the HA stack (issue 16): corosync in 2011-10, resource-agents in 2026-04.

Never an empty section: corosync 1.4.2 and 1.3.4 (tagged 2011-10-06, no ChangeLog after 1.2.8)
show their commits, 1.3.4 being a backport of 1.4.2; resource-agents 4.18.0 has an empty
ChangeLog section and shows the entries of its `release candidate 4.18.0 rc1` section.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from digest import store
from digest.config import load_config
from digest.draft.render import render_post
from digest.draft.select import build_digest
from digest.monthly import translation_pipeline
from digest.posts import explained_changes
from tests.conftest import ROOT, STACK, UPSTREAM
from tests.helpers import run_cli, shipped_config

GOLDEN_DIR = ROOT / "tests" / "fixtures" / "golden"
OCTOBER = GOLDEN_DIR / "2011-11-02-monthly-digest-november.md"
APRIL = GOLDEN_DIR / "2026-05-02-monthly-digest-may.md"
_RC_SECTION = re.compile(r"^- release candidate (\S+) rc(\d+)$")


def annotated_copy(source: Path, dest: Path, name: str) -> Path:
    """A copy of a shadow repository whose annotated upstream tags carry their real dates.

    Shadow tags are lightweight (dated by their commit); upstream's annotated tags are
    re-created as annotated tags with the tagger dates of ../shared/upstream/NAME.tags.json.
    """
    subprocess.run(["git", "clone", "-q", "--mirror", str(source), str(dest)], check=True)
    tags = json.loads((UPSTREAM / f"{name}.tags.json").read_text(encoding="utf-8"))
    for tag in tags:
        if not tag["annotated"] or not tag["tagger_date"]:
            continue
        env = {
            **os.environ,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_COMMITTER_NAME": "upstream",
            "GIT_COMMITTER_EMAIL": "upstream@example.org",
            "GIT_COMMITTER_DATE": tag["tagger_date"],
        }
        name_ = tag["tag"]
        subprocess.run(
            ["git", "-C", str(dest), "tag", "-f", "-a", "-m", name_, name_, f"{name_}^{{commit}}"],
            check=True,
            capture_output=True,
            env=env,
        )
    return dest


def draft_month(base: Path, project: str, repo: Path, month: str) -> str:
    """Fetch one project's repository into a new store and draft the month; the post's text."""
    config = shipped_config(base, {project: repo}, lock_wait=0.2)
    fetched = run_cli(config, "fetch")
    assert fetched.exit_code == 0, fetched.output
    out = base / "_posts"
    drafted = run_cli(config, "draft", "--month", month, "--out", str(out))
    assert drafted.exit_code == 0, drafted.output
    (post,) = out.glob("*.md")
    return post.read_text(encoding="utf-8")


def check_golden(text: str, golden: Path) -> None:
    """The draft equals the golden file (DIGEST_UPDATE_GOLDEN=1 rewrites it)."""
    if os.environ.get("DIGEST_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def release_sections(text: str) -> dict[str, str]:
    """The body of each numbered release section ("Corosync 1.4.2" -> text)."""
    parts = re.split(r"^\*\*1-\d+\. (.+)\*\*$", text, flags=re.M)
    sections = dict(zip(parts[1::2], parts[2::2], strict=True))
    return {title: body for title, body in sections.items() if "その他" not in title}


@pytest.fixture(scope="module")
def october(shadow_repos, tmp_path_factory) -> str:
    """corosync with its real tag dates, drafted for 2011-10."""
    base = tmp_path_factory.mktemp("october")
    repo = annotated_copy(shadow_repos("corosync"), base / "corosync.git", "corosync")
    return draft_month(base, "corosync", repo, "2011-10")


@pytest.fixture(scope="module")
def april(shadow_repos, tmp_path_factory) -> tuple[str, Path]:
    """resource-agents with its real tag dates, drafted for 2026-04; and the repository."""
    base = tmp_path_factory.mktemp("april")
    repo = annotated_copy(
        shadow_repos("resource-agents"), base / "resource-agents.git", "resource-agents"
    )
    return draft_month(base, "resource-agents", repo, "2026-04"), repo


def test_october_2011_draft_matches_the_golden_file(october):
    check_golden(october, OCTOBER)


def test_october_2011_has_both_corosync_releases_dated_by_their_tags(october):
    sections = release_sections(october)
    assert list(sections) == ["Corosync 1.4.2", "Corosync 1.3.4"]
    assert all("（2011-10-06）" in body for body in sections.values())


def test_corosync_1_4_2_shows_its_commits_and_1_3_4_says_it_is_the_same_fixes(october):
    sections = release_sections(october)
    shown = [e for e in explained_changes(october)]
    assert shown and all("/corosync/corosync/commit/" in e.url for e in shown)
    assert sections["Corosync 1.4.2"].count("digest:entry") == len(shown)
    assert "digest:entry" not in sections["Corosync 1.3.4"]
    assert "1.4.2と同じ修正を含みます。" in sections["Corosync 1.3.4"]


def test_april_2026_draft_matches_the_golden_file(april):
    check_golden(april[0], APRIL)


def test_resource_agents_4_18_0_shows_the_entries_of_its_rc_section(april):
    text, repo = april
    changelog = subprocess.run(
        ["git", "-C", str(repo), "show", "v4.18.0:ChangeLog"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    rc_lines = rc_section_lines(changelog, "4.18.0")
    sources = entry_sources(text)
    assert len(rc_lines) == 35 and len(sources) == 15  # cut to max_per_release
    assert set(sources) <= rc_lines
    assert "リリース候補版4.18.0rc1の節に書かれています" in text


def entry_sources(text: str) -> list[str]:
    """The English source of every digest:entry comment, read back from its attribute."""
    found = re.findall(r'digest:entry id=\S+ src="((?:[^"\\]|\\.)*)"', text)
    return [html.unescape(re.sub(r"\\(.)", r"\1", src)) for src in found]


def rc_section_lines(changelog: str, version: str) -> set[str]:
    """The `- ` lines of the rc sections of a version in a resource-agents ChangeLog."""
    lines, inside = set(), False
    for line in changelog.splitlines():
        if line.startswith("* "):
            inside = False
        match = _RC_SECTION.match(line)
        if match:
            inside = match.group(1) == version
        elif inside and line.startswith("- "):
            lines.add(line[2:].strip())
    return lines


@pytest.fixture(scope="module")
def whole_stack(shadow_repos, tmp_path_factory):
    """The six HA-stack projects (real tag dates) fetched into one store."""
    base = tmp_path_factory.mktemp("stack")
    repos = {n: annotated_copy(shadow_repos(n), base / f"{n}.git", n) for n in STACK}
    path = shipped_config(base, repos)
    fetched = run_cli(path, "fetch")
    assert fetched.exit_code == 0, fetched.output
    config = load_config(path)
    return config, store.open_db(config.settings.database)


def test_no_release_section_of_the_stack_is_ever_empty(whole_stack):
    config, db = whole_stack
    months = sorted({r["date"][:7] for r in store.releases_between(db, "1990", "2100")})
    translate = translation_pipeline(config, db).translate
    sections, notes = 0, []
    for month in months:
        digest = build_digest(config, db, month, translate=translate)
        for section in digest.releases:
            sections += 1
            assert section.changes or section.same_as, (month, section)
            notes += [(section.project, section.version)] if section.same_as else []
        post = render_post(digest)
        assert not re.search(r"主な変更点\n\n(?:すべてのチェンジログ|\* \* \*)", post), month
    assert sections > 250  # every release of six projects, over 130 months
    # backports tagged the same day as their sibling: corosync 1.3.4 (1.4.2), 2.0.3 (2.1.1), ...
    assert {("corosync", "1.3.4"), ("corosync", "2.0.3")} <= set(notes) and len(notes) < 10
