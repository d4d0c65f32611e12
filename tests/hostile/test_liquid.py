"""Class 1: upstream text in a draft is inert to Liquid (proved with Debian's jekyll)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from digest.posts import explained_changes
from tests.fixture_server import message
from tests.helpers import Upstream, run_cli, write_config

SEQUENCES = [
    "High: PE: token is {{ site.secret_token }}",
    "High: crmd: open {% raw %} and never close it",
    "High: cib: close {% endraw %} that was never opened",
    "High: lrmd: read {%include_relative ../_config.yml%} into the page",
    "High: pengine: nested {{'{{'}} and }} and {%- comment -%} here",
]
NEWS = "[ANNOUNCE] {{ site.secret_token }} {% raw %} news"


def _mbox(path: Path) -> Path:
    """A local mbox whose one message announces something with Liquid in its subject."""
    path.write_bytes(
        message(
            b"body",
            subject=NEWS.encode(),
            date=b"Tue, 15 Mar 2011 10:00:00 +0000",
            separator=b"From x at example.org  Tue Mar 15 10:00:00 2011",
        )
    )
    return path


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A draft for 2011-03 of a real repository whose release carries every sequence."""
    base = tmp_path_factory.mktemp("liquid")
    repo = Upstream(base / "upstream")
    repo.commit("Initial import")
    repo.tag("v0.9")
    for subject in SEQUENCES:
        repo.commit(subject)
    repo.tag("v1.0")
    config = write_config(base, str(repo.path), release_tags="^v(?P<version>.+)$")
    doc = yaml.safe_load(config.read_text())
    doc["lists"] = [{"id": "local", "kind": "mbox", "url": str(_mbox(base / "news.mbox"))}]
    config.write_text(yaml.safe_dump(doc))
    for args in (("fetch",), ("draft", "--month", "2011-03", "--out", str(base / "out"))):
        result = run_cli(config, *args)
        assert result.exit_code == 0, result.output
    (post,) = (base / "out").glob("*.md")
    return post


def test_the_draft_holds_no_liquid_delimiter_outside_its_own_template(draft: Path) -> None:
    text = draft.read_text(encoding="utf-8")
    assert "Demo 1.0" in text and "secret_token" in text  # the text is there, only inert
    assert "{{" not in text and "{%" not in text


def test_tm_learn_reads_the_exact_english_back_from_the_hidden_comment(draft: Path) -> None:
    sources = [e.source for e in explained_changes(draft.read_text(encoding="utf-8"))]
    assert set(SEQUENCES) <= set(sources)


@pytest.mark.skipif(shutil.which("jekyll") is None, reason="jekyll missing: apt-get install jekyll")
def test_jekyll_builds_the_draft_without_leaking_the_config(draft: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("title: t\nsecret_token: S3CRET\nmarkdown: kramdown\n")
    shutil.copy(draft, site / "_posts" / draft.name)
    out = tmp_path / "built"
    proc = subprocess.run(
        ["jekyll", "build", "--safe", "--source", str(site), "--destination", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pages = list(out.rglob("*.html"))
    assert pages, proc.stdout
    html = "\n".join(p.read_text(encoding="utf-8") for p in pages)
    assert "S3CRET" not in html and "markdown: kramdown" not in html
    assert "{{ site.secret_token }}" in html  # shown to the reader as text
    assert "{%include_relative ../_config.yml%}" in html
