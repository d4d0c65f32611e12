"""Class 2: every link in a draft is http(s) and Markdown-safe, whatever the feed or mail said."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import yaml
from markdown_it import MarkdownIt

from digest.draft.links import markdown_link, safe_url
from tests.fixture_server import FixtureServer
from tests.helpers import Upstream, run_cli, write_config

HOSTILE = {
    "javascript": "javascript:alert(3)",
    "data": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "close": "https://example.org/a)<img src=x onerror=alert(1)>",
    "spaces": 'https://example.org/a b<c>d"e',
    "liquid": "https://example.org/{{site.secret_token}}",
    "vbscript": " VBScript:msgbox(1)",
}


def _atom(entries: list[tuple[str, str, str]]) -> bytes:
    """An Atom feed of (title, link, day-of-March-2011) entries."""
    items = "".join(
        f"<entry><title>{title}</title><link href={_quoted(link)}/><id>urn:e{n}</id>"
        f"<published>2011-03-{day}T10:00:00Z</published>"
        f"<updated>2011-03-{day}T10:00:00Z</updated></entry>"
        for n, (title, link, day) in enumerate(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>news</title><id>urn:feed</id><updated>2011-03-20T00:00:00Z</updated>{items}</feed>"
    ).encode()


def _quoted(link: str) -> str:
    escaped = link.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return '"' + escaped.replace('"', "&quot;") + '"'


class _Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The draft of 2011-03 (a release announced by a javascript: link) and its HTML."""
    base = tmp_path_factory.mktemp("links")
    repo = Upstream(base / "upstream")
    repo.commit("High: PE: first fix", {"ChangeLog": "* Tue Mar 15 2011 A <a@x> - 1.0\n- x\n"})
    repo.tag("v1.0)<img/src=x/onerror=alert(1)>")  # a legal tag name: ChangeLog URL, version
    entries = [(f"[ANNOUNCE] {name}", link, "15") for name, link in HOSTILE.items()]
    entries += [("Demo 1.0 released", "javascript:alert(4)", "16")]
    entries += [("[ANNOUNCE] fine", "https://example.org/ok", "17")]
    with FixtureServer() as server:
        server.add("/feed.xml", _atom(entries), content_type="application/atom+xml")
        config = write_config(
            base, str(repo.path), release_tags="^v(?P<version>.+)$", changelogs=["ChangeLog"]
        )
        doc = yaml.safe_load(config.read_text())
        doc["projects"][0]["changelog_url"] = "https://example.org/demo/blob/{ref}/{path}"
        doc["feeds"] = [{"id": "news", "url": server.url("/feed.xml"), "projects": ["demo"]}]
        config.write_text(yaml.safe_dump(doc))
        out = base / "out"
        for args in (("fetch",), ("draft", "--month", "2011-03", "--out", str(out))):
            result = run_cli(config, *args)
            assert result.exit_code == 0, result.output
    (post,) = out.glob("*.md")
    text = post.read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    return text, MarkdownIt("commonmark").render(body)


def test_the_draft_links_only_http_urls_and_no_html_comes_alive(rendered: tuple[str, str]) -> None:
    text, html = rendered
    assert "[ANNOUNCE] fine" in text.replace("\\", "")  # the hostile feed was read
    assert "/blob/v1.0%29%3Cimg/src=x/onerror=alert%281%29%3E/ChangeLog" in text
    parser = _Tags()
    parser.feed(html)
    hrefs = [attrs.get("href") or "" for tag, attrs in parser.tags if tag == "a"]
    assert "https://example.org/ok" in hrefs
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert all(" " not in h and "<" not in h and "{" not in h for h in hrefs), hrefs
    assert not [t for t, _ in parser.tags if t in ("img", "script", "iframe")]
    assert not [k for _, attrs in parser.tags for k in attrs if k.startswith("on")]
    assert "<img" not in html and "javascript:" not in html and "data:text" not in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://example.org/a)<img src=x onerror=alert(1)>",
            "https://example.org/a%29%3Cimg%20src=x%20onerror=alert%281%29%3E",
        ),
        ("https://example.org/a b", "https://example.org/a%20b"),
        ("https://example.org/x(1)", "https://example.org/x%281%29"),
        ("https://example.org/%7E/%zz", "https://example.org/%7E/%25zz"),
        ("HTTPS://Example.org/ü?q=<x>#f", "https://example.org/%C3%BC?q=%3Cx%3E#f"),
        ("javascript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("data:text/html,x", None),
        ("//example.org/x", None),
        ("https:///nohost", None),
        ("https://exa mple.org/", None),
        ("https://user@example.org/", None),
    ],
)
def test_the_link_writer_keeps_http_and_encodes_what_markdown_or_liquid_would_read(
    url: str, expected: str | None
) -> None:
    assert safe_url(url) == expected


def test_a_dropped_link_is_plain_text() -> None:
    assert markdown_link("title", "javascript:alert(1)") == "title"
    assert markdown_link("title", "https://example.org/x y") == "[title](https://example.org/x%20y)"
