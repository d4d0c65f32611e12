"""Static site: posts + a real SQLite store -> pages, links, Atom feed, sitemap, safety."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import httpx
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from digest import classify
from digest.cli import main
from digest.posts import read_posts
from digest.site import SiteOptions, build_site, make_server, url_of
from digest.site.markup import Markdown
from digest.site.paths import inside, slugify
from digest.site.writer import MANIFEST
from tests.conftest import ROOT, require_shared
from tests.site.site_data import (
    DANGER,
    GOOD_POSTS,
    NEW_POST,
    POSTS,
    REFERENCE,
    good_posts,
    make_store,
)

# -- the store ---------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path):
    return make_store(tmp_path / "digest.db")


@pytest.fixture
def built(tmp_path, db):
    out = tmp_path / "site"
    report = build_site(db, SiteOptions(POSTS, out, per_page=2))
    return out, report


# -- HTML helpers ------------------------------------------------------------------------------


class Links(HTMLParser):
    """Every href/src and id of a page, and the tags seen."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name in ("href", "src") and value is not None:
                self.urls.append((tag, name, value))
            if name == "id" and value:
                self.ids.add(value)


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def snapshot(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


# -- paths and posts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "..", ".", "/abs/olute", "a/b\\c", "日本語", "...", "PE", " x "]
)
def test_slugs_are_single_safe_path_segments(name, tmp_path):
    slug = slugify(name)
    assert slug and "/" not in slug and "\\" not in slug and slug not in (".", "..")
    assert not slug.startswith(".") and slug == slug.lower()
    assert inside(tmp_path, f"x/{slug}.html").parent == tmp_path / "x"


@pytest.mark.parametrize("path", ["../evil.html", "/etc/passwd", "a/../../b", "", "a//b"])
def test_output_paths_cannot_leave_the_site(path, tmp_path):
    with pytest.raises(Exception, match=r"unsafe output path|leaves"):
        inside(tmp_path, path)


def test_broken_front_matter_is_reported_by_file_and_line():
    posts, problems, unpublished = read_posts(POSTS)
    assert [p.source.name for p in posts] == list(GOOD_POSTS)
    assert unpublished == 1
    found = {p.file.name: (p.line, p.message) for p in problems}
    assert found["2011-10-05-broken-yaml.md"][0] == 4  # the "tags: [unclosed" line
    assert "front matter" in found["2011-10-05-broken-yaml.md"][1]
    assert found["2011-09-01-unclosed.md"] == (
        1,
        "front matter is not closed (no second '---' line)",
    )
    assert found["2011-08-01-bad-date.md"] == (
        3,
        "date: 'yesterday' is not a date (YYYY-MM-DD [HH:MM:SS])",
    )
    assert str(problems[0]).startswith(str(POSTS))


# -- pages ---------------------------------------------------------------------------------------


def test_build_writes_every_kind_of_page(built):
    out, report = built
    for path in (
        "index.html",
        "posts/2011-12-02-monthly-digest-december.html",
        "posts/2011-11-02-monthly-digest-november.html",
        "releases/index.html",
        "releases/pacemaker/1.0.12.html",
        "releases/cluster-glue/1.0.9.html",
        "releases/lcmc/1.0.0.html",
        "components/index.html",
        "components/pe/index.html",
        "components/pe/page-2.html",
        "feed.xml",
        "sitemap.xml",
        "static/site.css",
    ):
        assert (out / path).is_file(), path
    assert (report.posts, report.releases, len(report.problems)) == (2, 5, 3)
    index = (out / "index.html").read_text()
    assert index.index("2011年12月") < index.index("2011年11月")
    assert index.index("月刊あんどりゅーくん(12月号)") < index.index("月刊あんどりゅーくん(11月号)")


def test_release_page_puts_japanese_beside_english_with_changeset_and_ticket_links(built):
    out, _ = built
    page = (out / "releases/pacemaker/1.0.12.html").read_text()
    pe = page.index("Ensure role is preserved for unmanaged resources")
    assert page.index("unmanaged状態でも正しく動作します", pe) - pe < 400
    assert 'href="https://github.com/ClusterLabs/pacemaker/commit/8cc670a4c3630000' in page
    assert 'href="http://developerbugs.linux-foundation.org/show_bug.cgi?id=2560"' in page
    assert "機械翻訳" in page and "（未翻訳）" in page
    assert "保留中の<code>action</code>のタイマー" in page  # a code span kept from the English
    assert 'href="1.0.11.html"' in page
    # grouped by component, in the taxonomy's order (data/components.yaml)
    assert page.index('id="c-cib"') < page.index('id="c-crmd"') < page.index('id="c-pe"')
    assert 'href="../../components/pe/index.html"' in page


def test_component_pages_are_newest_first_across_projects_and_paged(built):
    out, _ = built
    first = (out / "components/pe/index.html").read_text()
    second = (out / "components/pe/page-2.html").read_text()
    assert "number 1" in first and "number 2" in first and "number 3" not in first
    assert "number 3" in second
    pages = sorted((out / "components/pe").glob("*.html"))
    last = pages[-1].read_text()
    assert "Do not crash on empty constraints" in last
    assert 'rel="next" href="page-2.html"' in first and 'rel="prev" href="index.html"' in second
    glue = (out / "components/stonith/index.html").read_text()
    assert (
        "add missing double quote" in glue
        and 'href="../../releases/cluster-glue/1.0.9.html"' in glue
    )


def test_no_broken_internal_links_and_only_http_links_outside(built):
    out, _ = built
    checked = 0
    for page in html_files(out):
        links = parse(page)
        for _, _, url in links.urls:
            parts = urlsplit(url)
            if parts.scheme:
                assert parts.scheme in ("http", "https"), (page, url)
                continue
            assert not url.startswith("/"), f"{page}: root-relative link {url}"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page}: broken link {url}"
            assert target.is_relative_to(out.resolve())
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in parse(target).ids, f"{page}: no #{parts.fragment}"
            checked += 1
    assert checked > 100


def test_upstream_script_and_javascript_links_come_out_inert(built):
    out, _ = built
    for page in html_files(out):
        text = page.read_text()
        links = parse(page)
        assert "script" not in links.tags, page
        assert not any(url.lower().lstrip().startswith("javascript:") for _, _, url in links.urls)
        assert not [name for name in links.attributes if name.startswith("on")], page
        assert "onclick" not in text and "digest:entry" not in text, page
    lcmc = (out / "releases/lcmc/1.0.0.html").read_text()
    assert (
        "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt; Fix crash in &lt;b&gt;viewer&lt;/b&gt;"
        in lcmc
    )
    assert "&lt;script&gt;alert(&#39;ja&#39;)&lt;/script&gt; ビューアのクラッシュを修正" in lcmc
    assert "handling javascript:alert(2)" in lcmc and "Merge branch" not in lcmc
    post = (out / "posts/2011-12-02-monthly-digest-december.html").read_text()
    assert "[危ないリンク](javascript:alert('md'))" in post
    assert "生の HTML リンク" in post and "raw script block" not in post
    assert "quoted upstream" not in post and "position" not in post
    assert '<span style="color:#ff00ff">' in post


def test_relative_post_links_are_dropped_with_a_warning_or_resolved_with_a_base_url(tmp_path, db):
    posts = good_posts(tmp_path)
    report = build_site(db, SiteOptions(posts, tmp_path / "a"))
    assert any("link '/wp/archives/2468' dropped" in w and ":35:" in w for w in report.warnings)
    assert not report.failed() and report.failed(strict=True)
    report = build_site(
        db, SiteOptions(posts, tmp_path / "b", base_url="https://linux-ha.example/")
    )
    post = (tmp_path / "b/posts/2011-12-02-monthly-digest-december.html").read_text()
    assert 'href="https://linux-ha.example/wp/archives/2468"' in post
    assert '<link rel="canonical" href="https://linux-ha.example/posts/' in post
    assert not [w for w in report.warnings if "2468" in w]


# -- feed and sitemap ----------------------------------------------------------------------------


def test_atom_feed_parses_back_with_feedparser(built):
    out, _ = built
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert [e.title for e in feed.entries] == [
        "月刊あんどりゅーくん(12月号)",
        "月刊あんどりゅーくん(11月号)",
    ]
    first = feed.entries[0]
    assert first.link == "posts/2011-12-02-monthly-digest-december.html"
    assert (out / first.link).is_file()
    assert first.id.startswith("urn:uuid:") and first.author == "ikedaj"
    assert first.published.startswith("2011-12-02T08:23:05")
    content = first.content[0].value
    assert "unmanaged状態でも正しい動作" in content
    assert "<script" not in content and "javascript:" not in content.replace("](javascript:", "")
    assert {t.term for t in first.tags} == {"読み物", "あんどりゅーくん"}


def test_feed_and_sitemap_use_absolute_urls_with_a_base_url(tmp_path, db):
    posts = good_posts(tmp_path)
    out = tmp_path / "site"
    build_site(db, SiteOptions(posts, out, base_url="https://linux-ha.example/digest/"))
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert (
        feed.entries[0].link
        == "https://linux-ha.example/digest/posts/2011-12-02-monthly-digest-december.html"
    )
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.parse(out / "sitemap.xml").getroot().findall("s:url/s:loc", ns)]
    pages = {str(p.relative_to(out)) for p in html_files(out)}
    assert {loc.removeprefix("https://linux-ha.example/digest/") for loc in locs} == pages


# -- incremental builds --------------------------------------------------------------------------


def test_rebuild_after_one_new_post_rewrites_only_what_changed(tmp_path, db):
    posts = good_posts(tmp_path)
    out = tmp_path / "site"
    options = SiteOptions(posts, out)
    first = build_site(db, options)
    assert first.files.written and not first.files.unchanged
    old = 1_000_000_000
    for file in out.rglob("*"):
        os.utime(file, ns=(old, old))
    again = build_site(db, options)
    assert again.files.written == [] and again.files.removed == []
    assert set(snapshot(out).values()) == {old}
    shutil.copy(NEW_POST, posts / NEW_POST.name)
    third = build_site(db, options)
    expected = {
        "posts/2012-01-05-monthly-digest-january.html",
        "posts/2011-12-02-monthly-digest-december.html",  # its "newer" link
        "index.html",
        "feed.xml",
        "sitemap.xml",
    }
    assert set(third.files.written) == expected
    changed = {path for path, mtime in snapshot(out).items() if mtime != old}
    assert changed == expected | {MANIFEST}
    january = (out / "posts/2012-01-05-monthly-digest-january.html").read_text()
    assert 'href="../releases/lcmc/1.0.0.html"' in january


def test_removed_post_disappears_from_the_site(tmp_path, db):
    posts = good_posts(tmp_path)
    out = tmp_path / "site"
    (out / "keep.txt").parent.mkdir(parents=True)
    (out / "keep.txt").write_text("not ours")
    build_site(db, SiteOptions(posts, out))
    (posts / GOOD_POSTS[0]).unlink()
    report = build_site(db, SiteOptions(posts, out))
    assert report.files.removed == ["posts/2011-11-02-monthly-digest-november.html"]
    assert not (out / report.files.removed[0]).exists() and (out / "keep.txt").exists()


def test_stored_classification_is_used_after_digest_classify(tmp_path, db):
    classify.classify_store(db)
    out = tmp_path / "site"
    build_site(db, SiteOptions(POSTS, out))
    page = (out / "releases/cluster-glue/1.0.9.html").read_text()
    assert 'href="../../components/stonith/index.html"' in page
    assert (out / "components/lrmd/index.html").is_file()


# -- the CLI and the preview server --------------------------------------------------------------


def test_cli_build_reports_skipped_posts_and_exits_non_zero(tmp_path, db):
    runner = CliRunner()
    out = tmp_path / "site"
    args = ["site", "build", "--db", str(tmp_path / "digest.db"), "--out", str(out)]
    result = runner.invoke(main, [*args, "--posts", str(POSTS)])
    assert result.exit_code == 1
    assert f"skipped: {POSTS / '2011-08-01-bad-date.md'}:3: date: 'yesterday'" in result.stderr
    assert result.stdout.startswith("site: 2 posts, 5 releases")
    assert "3 posts skipped" in result.stdout
    clean = runner.invoke(main, [*args, "--posts", str(good_posts(tmp_path))])
    assert clean.exit_code == 0, clean.output
    assert "warning: " in clean.stderr
    strict = runner.invoke(main, [*args, "--posts", str(tmp_path / "posts"), "--strict"])
    assert strict.exit_code == 1
    missing = runner.invoke(main, [*args, "--posts", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_site_commands_have_help():
    runner = CliRunner()
    for args in (["site"], ["site", "build"], ["site", "serve"]):
        result = runner.invoke(main, [*args, "--help"])
        assert result.exit_code == 0 and len(result.output.splitlines()) > 3


def test_preview_server_serves_the_site_on_loopback(built):
    out, _ = built
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert server.server_address[0] == "127.0.0.1"
        index = httpx.get(url_of(server) + "index.html", timeout=10)
        assert index.status_code == 200 and "月刊あんどりゅーくん" in index.text
        css = httpx.get(url_of(server) + "static/site.css", timeout=10)
        assert css.status_code == 200 and "line-break: strict" in css.text
    finally:
        server.shutdown()
        server.server_close()


def test_cli_serve_runs_until_stopped(built):
    out, _ = built
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", "site", "serve", "--dir", str(out), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"serving {out} at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        assert httpx.get(url + "releases/index.html", timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- real posts and drafts -----------------------------------------------------------------------


def test_the_real_reference_post_renders(tmp_path, db):
    require_shared()
    posts = tmp_path / "posts"
    posts.mkdir()
    shutil.copy(REFERENCE, posts / REFERENCE.name)
    out = tmp_path / "site"
    report = build_site(db, SiteOptions(posts, out, base_url="https://linux-ha.osdn.jp/"))
    assert report.problems == [] and report.warnings == []
    page = (out / "posts" / f"{REFERENCE.stem}.html").read_text()
    assert "<h1>月刊あんどりゅーくん(12月号)</h1>" in page
    assert 'href="http://hg.clusterlabs.org/pacemaker/stable-1.0/rev/8cc670a4c363"' in page
    assert "リソースのroleを保持することによって" in page
    assert '<img src="https://linux-ha.osdn.jp/assets/images/wp-content/' in page
    assert page.count("<pre>") >= 5 and "font-family: verdana" not in page
    assert 'href="../releases/pacemaker/1.0.12.html"' in page  # released before the post


def test_a_digest_draft_builds_into_a_clean_page(tmp_path, db):
    doc = yaml.safe_load((ROOT / "sources.yaml").read_text())
    doc["settings"] = {"database": str(tmp_path / "digest.db"), "cache_dir": str(tmp_path / "c")}
    config = tmp_path / "sources.yaml"
    config.write_text(yaml.safe_dump(doc, allow_unicode=True))
    runner = CliRunner()
    drafts = tmp_path / "drafts"
    made = runner.invoke(
        main, ["--config", str(config), "draft", "--month", "2011-11", "--out", str(drafts)]
    )
    assert made.exit_code == 0, made.output
    out = tmp_path / "site"
    built = runner.invoke(
        main, ["--config", str(config), "site", "build", "--posts", str(drafts), "--out", str(out)]
    )
    assert built.exit_code == 0, built.output
    (page,) = (out / "posts").glob("*.html")
    text = page.read_text()
    assert "digest:" not in text and "<!--" not in text
    assert "Ensure role is preserved for unmanaged resources" in text
    assert "unmanaged状態でも正しく動作します" in text  # the same TM text as the release page
    assert "script" not in parse(page).tags


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(DANGER), max_size=25))
def test_no_markdown_input_yields_script_or_unsafe_links(pieces):
    rendered = Markdown().render("".join(pieces))
    links = Links()
    links.feed(rendered.html)
    assert not links.tags & {"script", "svg", "iframe", "object"}
    for _, _, url in links.urls:
        assert urlsplit(url.strip()).scheme in ("http", "https", ""), url
        assert not url.strip().lower().startswith(("javascript", "&#"))
    assert not [name for name in links.attributes if name.startswith("on")]
