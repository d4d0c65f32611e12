"""Posts + store -> the static site: pages, Atom feed, sitemap and CSS, written incrementally."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jinja2
from markupsafe import Markup
from sqlite_utils import Database

from digest.classify import classify_store
from digest.draft.model import FAILED_SOURCES_NOTICE
from digest.errors import DigestError
from digest.posts import Post, Problem, digest_month, iter_months, read_posts
from digest.resources import TEMPLATES_DIR
from digest.site import feeds
from digest.site.data import Change, ReleaseInfo, SiteData, load_site_data
from digest.site.markup import Markdown, excerpt, safe_url
from digest.site.paths import Slugs, relative
from digest.site.writer import SiteWriter, WriteReport

SITE_TITLE = "Linux-HA / ClusterLabs リリース情報"
CSS_PATH = "static/site.css"
FEED_ENTRIES = 30
LATEST_RELEASES = 12
RELEASE_COMMITS = 300
OTHER_TITLE = "その他 (分類できなかった変更)"


@dataclass(frozen=True)
class SiteOptions:
    """Where to read and write, and how the site presents itself."""

    posts_dir: Path
    out_dir: Path
    base_url: str | None = None
    title: str = SITE_TITLE
    lang: str = "ja"
    per_page: int = 50
    templates: Path = TEMPLATES_DIR
    force: bool = False  # publish posts that still carry the failed-sources notice


@dataclass
class BuildReport:
    """The outcome of one build: counts, skipped posts and warnings."""

    posts: int = 0
    releases: int = 0
    components: int = 0
    unpublished: int = 0
    files: WriteReport = field(default_factory=WriteReport)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def failed(self, *, strict: bool = False) -> bool:
        """True when a post was skipped (or, with strict, when anything was warned about)."""
        return bool(self.problems) or (strict and bool(self.warnings))

    def line(self) -> str:
        """One summary line."""
        files = self.files
        total = len(files.written) + len(files.unchanged)
        return (
            f"site: {self.posts} posts, {self.releases} releases, {self.components} components; "
            f"{total} files: {len(files.written)} written, {len(files.unchanged)} unchanged, "
            f"{len(files.removed)} removed; {len(self.problems)} posts skipped, "
            f"{len(self.warnings)} warnings"
        )


def _refuse_noticed(posts: list[Post], problems: list[Problem]) -> list[Post]:
    """Posts still carrying the draft's failed-sources notice become problems (skipped)."""
    kept = []
    for post in posts:
        at = post.body.find(FAILED_SOURCES_NOTICE)
        if at < 0:
            kept.append(post)
            continue
        line = post.body_line + post.body.count("\n", 0, at)
        message = "still carries the failed-sources notice; delete it, or build with --force"
        problems.append(Problem(post.source, line, message))
    return kept


def build_site(db: Database | None, options: SiteOptions) -> BuildReport:
    """Build the whole site into options.out_dir, writing only files whose content changed."""
    if not options.posts_dir.is_dir():
        raise DigestError(f"site: posts directory {options.posts_dir} does not exist")
    posts, problems, unpublished = read_posts(options.posts_dir)
    if not options.force:
        posts = _refuse_noticed(posts, problems)
    data = SiteData({}, [])
    if db is not None:
        classify_store(db)  # only what is not classified yet: nothing after a fetch
        data = load_site_data(db, lang=options.lang)
    builder = _Builder(options, data, posts)
    builder.report.problems.extend(problems)
    builder.report.unpublished = unpublished
    builder.run()
    return builder.report


class _Builder:
    """One build: renders every page through the writer."""

    def __init__(self, options: SiteOptions, data: SiteData, posts: list[Post]) -> None:
        self.options = options
        self.data = data
        self.posts = posts
        self.base_url = safe_url(options.base_url)
        self.report = BuildReport(posts=len(posts), releases=len(data.releases))
        try:
            self.css = (options.templates / "static" / "site.css").read_bytes()
        except OSError as exc:
            raise DigestError(
                f"site: templates not found under {options.templates}: {exc}"
            ) from exc
        self.env = _environment(options.templates / "site")
        self.markdown = Markdown(self.base_url)
        self.writer = SiteWriter(options.out_dir)
        self.css_version = hashlib.sha256(self.css).hexdigest()[:10]
        self.sitemap: list[tuple[str, str | None]] = []
        self._post_slugs = Slugs()
        self._component_slugs = Slugs(reserved={"index.html"})
        self._project_slugs = Slugs(reserved={"index.html"})
        self._version_slugs: dict[str, Slugs] = {}
        self._release_index = {(r.project, r.version): r for r in data.releases}
        self._release_links: dict[tuple[str, str], dict[str, Any]] = {}

    # -- paths ------------------------------------------------------------------------------

    def post_path(self, post: Post) -> str:
        """Site path of a post's page."""
        return f"posts/{self._post_slugs(post.stem)}.html"

    def release_path(self, project: str, version: str) -> str:
        """Site path of a release's page."""
        versions = self._version_slugs.setdefault(project, Slugs())
        return f"releases/{self._project_slugs(project)}/{versions(version)}.html"

    def component_path(self, component: str, page: int = 1) -> str:
        """Site path of (one page of) a component's changes."""
        name = "index.html" if page == 1 else f"page-{page}.html"
        return f"components/{self._component_slugs(component)}/{name}"

    # -- the build --------------------------------------------------------------------------

    def run(self) -> None:
        """Render and write everything, then clean up what is no longer produced."""
        self.writer.write(CSS_PATH, self.css)
        rendered = self._post_pages()
        self._release_pages()
        self._component_pages()
        self._page("index.html", "index.html.j2", **self._index_context(rendered))
        self._feed(rendered)
        self.writer.write(feeds.SITEMAP_PATH, feeds.sitemap(self.sitemap, self.base_url))
        self.report.files = self.writer.finish()

    def _page(
        self, path: str, template: str, *, lastmod: str | None = None, **context: Any
    ) -> None:
        html = self.env.get_template(template).render(
            site_title=self.options.title,
            lang=self.options.lang,
            page_path=path,
            css=f"{relative(path, CSS_PATH)}?v={self.css_version}",
            canonical=urljoin(self.base_url, path) if self.base_url else None,
            href=lambda target: relative(path, target),
            **context,
        )
        self.writer.write(path, html)
        self.sitemap.append((path, lastmod))

    # -- posts ------------------------------------------------------------------------------

    def _post_pages(self) -> list[tuple[Post, str]]:
        rendered = [(post, self._render_post(post)) for post in self.posts]
        covered = self._releases_by_post()
        for index, (post, body) in enumerate(rendered):
            older = rendered[index - 1][0] if index > 0 else None
            newer = rendered[index + 1][0] if index + 1 < len(rendered) else None
            self._page(
                self.post_path(post),
                "post.html.j2",
                lastmod=(post.updated or post.date).date().isoformat(),
                title=post.title,
                post=post,
                body=Markup(body),
                older=older and self._post_link(older),
                newer=newer and self._post_link(newer),
                releases=[self._release_link(r) for r in covered.get(index, [])],
            )
        return rendered

    def _render_post(self, post: Post) -> str:
        result = self.markdown.render(post.body)
        for url, reason in result.dropped:
            offset = post.body.find(url)
            line = post.body_line + (post.body.count("\n", 0, offset) if offset >= 0 else 0)
            self.report.warnings.append(f"{post.source}:{line}: link '{url}' dropped ({reason})")
        return result.html

    def _releases_by_post(self) -> dict[int, list[ReleaseInfo]]:
        """Each post lists the releases of the month it digests (see digest_month)."""
        by_month: dict[str, list[ReleaseInfo]] = {}
        for release in self.data.releases:
            by_month.setdefault(release.date[:7], []).append(release)
        return {
            index: by_month[digest_month(post)]
            for index, post in enumerate(self.posts)
            if digest_month(post) in by_month
        }

    def _post_link(self, post: Post) -> dict[str, Any]:
        return {"title": post.title, "day": post.day, "path": self.post_path(post)}

    def _feed(self, rendered: list[tuple[Post, str]]) -> None:
        entries = [
            feeds.FeedEntry(
                key=f"post:{post.stem}",
                title=post.title,
                path=self.post_path(post),
                published=post.date,
                updated=post.updated or post.date,
                author=post.author,
                categories=post.categories + post.tags,
                summary=excerpt(body, 200),
                content=body,
            )
            for post, body in reversed(rendered[-FEED_ENTRIES:])
        ]
        feed = feeds.atom_feed(
            entries,
            title=self.options.title,
            lang=self.options.lang,
            base_url=self.base_url,
            index="index.html",
        )
        self.writer.write(feeds.FEED_PATH, feed)

    def _index_context(self, rendered: list[tuple[Post, str]]) -> dict[str, Any]:
        bodies = {id(post): body for post, body in rendered}
        months = [
            (month, [{**self._post_link(p), "excerpt": excerpt(bodies[id(p)])} for p in posts])
            for month, posts in iter_months(self.posts)
        ]
        latest = [self._release_link(r) for r in self.data.releases[:LATEST_RELEASES]]
        return {"title": self.options.title, "months": months, "latest": latest}

    # -- releases ---------------------------------------------------------------------------

    def _release_pages(self) -> None:
        for release in self.data.releases:
            previous = None
            if release.previous and (release.project, release.previous) in self._release_index:
                previous = self.release_path(release.project, release.previous)
            shown = release.changes
            if release.source == "commits":
                shown = shown[:RELEASE_COMMITS]
            self._page(
                self.release_path(release.project, release.version),
                "release.html.j2",
                lastmod=release.date[:10],
                title=f"{release.name} {release.version}",
                release=release,
                previous=previous,
                groups=self._groups(shown),
                shown=len(shown),
                translated=self._release_link(release)["translated"],
            )
        self._page("releases/index.html", "releases.html.j2", **self._releases_context())

    def _groups(self, changes: Iterable[Change]) -> list[dict[str, Any]]:
        by_component: dict[str, list[dict[str, Any]]] = {}
        for change in changes:
            by_component.setdefault(change.component, []).append(self._change(change))
        return [
            {**self._component_link(name), "changes": by_component[name]}
            for name in self.data.component_order(by_component)
        ]

    def _change(self, change: Change, *, with_release: bool = False) -> dict[str, Any]:
        item = {
            "change": change,
            "components": [self._component_link(c) for c in change.components],
        }
        if with_release:
            release = self._release_index[(change.project, change.version)]
            item["release"] = self._release_link(release)
        return item

    def _release_link(self, release: ReleaseInfo) -> dict[str, Any]:
        key = (release.project, release.version)
        if key not in self._release_links:
            self._release_links[key] = {
                "name": release.name,
                "version": release.version,
                "day": release.date[:10],
                "is_rc": release.is_rc,
                "count": len(release.changes),
                "translated": sum(1 for c in release.changes if c.japanese),
                "path": self.release_path(release.project, release.version),
            }
        return self._release_links[key]

    def _releases_context(self) -> dict[str, Any]:
        by_project: dict[str, list[dict[str, Any]]] = {}
        for release in self.data.releases:
            by_project.setdefault(release.project, []).append(self._release_link(release))
        order = list(self.data.projects) + sorted(set(by_project) - set(self.data.projects))
        projects = [
            {
                "id": project,
                "name": self.data.projects.get(project, {}).get("name") or project,
                "web": safe_url(self.data.projects.get(project, {}).get("web")),
                "releases": by_project[project],
            }
            for project in order
            if project in by_project
        ]
        return {"title": "リリース一覧", "projects": projects}

    # -- components -------------------------------------------------------------------------

    def _component_link(self, name: str) -> dict[str, Any]:
        title = OTHER_TITLE if name == "other" else self.data.titles.get(name, name)
        slug = self._component_slugs(name)
        return {
            "id": name,
            "title": title,
            "path": self.component_path(name),
            "anchor": f"c-{slug}",
        }

    def _component_pages(self) -> None:
        changes: dict[str, list[Change]] = {}
        for release in self.data.releases:
            for change in release.changes:
                if not change.duplicate:
                    for name in change.components or ("other",):
                        changes.setdefault(name, []).append(change)
        names = self.data.component_order(changes)
        self.report.components = len(names)
        for name in names:
            self._component_paged(name, changes[name])
        listing = [{**self._component_link(n), "count": len(changes[n])} for n in names]
        self._page(
            "components/index.html", "components.html.j2", title="コンポーネント", items=listing
        )

    def _component_paged(self, name: str, changes: list[Change]) -> None:
        size = max(1, self.options.per_page)
        pages = max(1, -(-len(changes) // size))
        link = self._component_link(name)
        for number in range(1, pages + 1):
            chunk = changes[(number - 1) * size : number * size]
            self._page(
                self.component_path(name, number),
                "component.html.j2",
                title=f"{name}: {link['title']}" if name != "other" else link["title"],
                component=link,
                changes=[self._change(c, with_release=True) for c in chunk],
                total=len(changes),
                page=number,
                pages=[self.component_path(name, n) for n in range(1, pages + 1)],
            )


def _environment(directory: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
