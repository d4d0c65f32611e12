"""The site for ChangeLog.md-era releases (issue 12): month-scoped posts, inline Markdown."""

from __future__ import annotations

import pytest

from digest import store
from digest.models import ChangelogEntry, Release
from digest.site import SiteOptions, build_site
from digest.sources.inline_markdown import inline_html, plain_text
from tests.site.site_data import make_store

POST = """---
title: {title}
date: {date} 09:00:00+09:00
{extra}---
本文
"""


@pytest.fixture
def db(tmp_path):
    found = make_store(tmp_path / "digest.db")
    store.save_releases(
        found, [(Release("pacemaker", "3.0.1", "f" * 40, "2025-08-07T12:00:00+00:00"), None)]
    )
    raw = "**fencer:** Improve validation of `pcmk_host_map` <b>now</b> **[x](javascript:y)**"
    entry = ChangelogEntry(1, raw.split("** ", 1)[1], raw, component="fencer", category="fixes")
    store.save_changelogs(found, "pacemaker", [("3.0.1", "ChangeLog.md", [(entry, None, None)])])
    return found


def write_post(posts, name: str, title: str, date: str, extra: str = "") -> None:
    posts.mkdir(exist_ok=True)
    (posts / name).write_text(POST.format(title=title, date=date, extra=extra), encoding="utf-8")


def covered(page: str) -> str:
    """The "この号で扱ったリリース" part of a post page."""
    return (
        page.split('id="covered-head"', 1)[1].split("</section>", 1)[0] if "covered" in page else ""
    )


def test_a_post_lists_only_the_releases_of_the_month_it_digests(tmp_path, db):
    posts = tmp_path / "posts"
    write_post(posts, "2011-12-02-december.md", "12月号", "2011-12-02")
    write_post(posts, "2012-01-05-january.md", "1月号", "2012-01-05", "digest_month: 2011-12\n")
    write_post(posts, "2025-09-02-september.md", "9月号", "2025-09-02", "digest_month: 2025-08\n")
    out = tmp_path / "site"
    build_site(db, SiteOptions(posts, out))
    december = covered((out / "posts" / "2011-12-02-december.html").read_text())
    assert "1.0.12" in december and "1.0.9" in december  # November 2011
    assert "1.0.11" not in december and "1.1.7" not in december and "1.0.0" not in december
    january = covered((out / "posts" / "2012-01-05-january.html").read_text())
    assert "1.0.0" in january and "1.0.12" not in january and "1.1.7" not in january
    september = covered((out / "posts" / "2025-09-02-september.html").read_text())
    assert "3.0.1" in september and "1.1.7" not in september


def test_release_page_renders_bold_and_code_and_escapes_the_rest(tmp_path, db):
    out = tmp_path / "site"
    (tmp_path / "none").mkdir()
    build_site(db, SiteOptions(tmp_path / "none", out))
    page = (out / "releases" / "pacemaker" / "3.0.1.html").read_text()
    assert "<strong>fencer:</strong> Improve validation of <code>pcmk_host_map</code>" in page
    assert "&lt;b&gt;now&lt;/b&gt;" in page and "<b>now</b>" not in page
    assert "**" not in page and 'href="javascript' not in page


@pytest.mark.parametrize(
    ("text", "plain", "html"),
    [
        (
            "**tools:** Deprecate `cibadmin --sync-call`",
            "tools: Deprecate cibadmin --sync-call",
            "<strong>tools:</strong> Deprecate <code>cibadmin --sync-call</code>",
        ),
        ("a < b & `x<y>`", "a < b & x<y>", "a &lt; b &amp; <code>x&lt;y&gt;</code>"),
        ("keep __init__ and 2 * 3", "keep __init__ and 2 * 3", "keep __init__ and 2 * 3"),
        ("**unclosed bold", "**unclosed bold", "**unclosed bold"),
        (
            "<script>alert(1)</script>",
            "<script>alert(1)</script>",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
        ),
    ],
)
def test_inline_markdown_as_plain_text_and_as_safe_html(text, plain, html):
    assert plain_text(text) == plain
    assert inline_html(text) == html


def test_a_line_of_an_rc_that_its_final_repeats_is_listed_once_on_component_pages(tmp_path, db):
    rc = Release("pacemaker", "3.0.1-rc1", "e" * 40, "2025-06-20T12:00:00+00:00", is_rc=True)
    store.save_releases(db, [(rc, None)])
    same = store.changelog_entries(db, "pacemaker", "3.0.1")[0]
    raw = f"**fencer:** {same['text']}"
    only = "**fencer:** Fix a fencing race found in rc testing"
    entries = [ChangelogEntry(1, same["text"], raw, component="fencer")]
    entries.append(ChangelogEntry(2, only.split("** ", 1)[1], only, component="fencer"))
    linked = [(e, None, None) for e in entries]
    store.save_changelogs(db, "pacemaker", [("3.0.1-rc1", "ChangeLog.md", linked)])
    (tmp_path / "none").mkdir()
    out = tmp_path / "site"
    build_site(db, SiteOptions(tmp_path / "none", out))
    page = (out / "components" / "stonith" / "index.html").read_text()
    assert page.count("Improve validation of") == 1
    assert page.count("Fix a fencing race found in rc testing") == 1
    rc_page = (out / "releases" / "pacemaker" / "3.0.1-rc1.html").read_text()
    assert "Improve validation of" in rc_page  # release pages show every line
