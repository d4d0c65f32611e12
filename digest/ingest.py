"""`digest fetch`: git mirrors -> commits, releases and linked ChangeLog entries; then news."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from git import Repo
from sqlite_utils import Database

from digest import store
from digest.config import Config, Feed, GitSource, MailingList
from digest.errors import DigestError
from digest.linking import Candidate, SubjectIndex, commit_range, link_entries
from digest.models import ChangelogSection, Commit, Release
from digest.news import fetch_news, relink_announcements
from digest.releases import (
    first_releases,
    merge_releases,
    predecessors,
    releases_from_commits,
    releases_from_refs,
    version_key,
)
from digest.sources import changelog, git

Reporter = Callable[[str], None]


@dataclass
class FetchSummary:
    """What one `digest fetch` did, for the summary line and the exit status."""

    sources: int = 0
    commits: int = 0
    releases: int = 0
    entries: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One summary line."""
        parts = [
            f"{self.commits} new commits",
            f"{self.releases} new releases",
            f"{self.entries} ChangeLog entries",
        ]
        parts += [f"{count} {name}" for name, count in self.extra.items()]
        failed = f"{len(self.failures)} failed"
        return f"fetched {self.sources} sources: {', '.join(parts)}; {failed}"


def select_sources(
    config: Config, projects: list[str] | None = None, sources: list[str] | None = None
) -> tuple[list[GitSource], list[str], list[str]]:
    """Git sources, list ids and feed ids chosen by --project/--source (all when neither)."""
    for project_id in projects or []:
        config.project(project_id)
    known = {s.id for s in config.git_sources()} | {x.id for x in config.lists + config.feeds}
    unknown = [s for s in sources or [] if s not in known]
    if unknown:
        raise DigestError(f"{config.path.name}: no source with id '{unknown[0]}'")
    git_sources = [
        s
        for s in config.git_sources()
        if (not projects or s.project in projects) and (not sources or s.id in sources)
    ]
    lists = [x.id for x in config.lists if _news_wanted(x, projects, sources)]
    feeds = [x.id for x in config.feeds if _news_wanted(x, projects, sources)]
    return git_sources, lists, feeds


def _news_wanted(
    source: MailingList | Feed, projects: list[str] | None, sources: list[str] | None
) -> bool:
    if sources:
        return source.id in sources
    return not projects or bool(set(projects) & set(source.projects or ()))


def fetch(
    config: Config,
    db: Database,
    *,
    projects: list[str] | None = None,
    sources: list[str] | None = None,
    progress: bool = False,
) -> FetchSummary:
    """Fetch every selected source (git, then lists and feeds); failures are reported."""
    summary = FetchSummary()
    for project in config.projects:
        store.save_project(db, project.id, project.name, project.web, project.commit_url)
    git_sources, lists, feeds = select_sources(config, projects, sources)
    with _progress(progress) as report:
        for source in git_sources:
            summary.sources += 1
            try:
                fetch_git(config, db, source, summary, report)
            except DigestError as exc:
                summary.failures.append(str(exc))
                store.set_state(db, source.id, error=str(exc))
        if lists or feeds:
            report("fetching mailing lists and feeds")
            _fetch_news(config, db, lists, feeds, summary)
        if summary.commits:
            relink_announcements(db)
    if summary.commits:
        store.mark_duplicates(db, [p.id for p in config.projects])
    return summary


def _fetch_news(
    config: Config, db: Database, lists: list[str], feeds: list[str], summary: FetchSummary
) -> None:
    news = fetch_news(config, db, lists=lists, feeds=feeds)
    summary.sources += len(lists) + len(feeds)
    summary.extra["new messages"] = news.messages_new
    summary.extra["new feed entries"] = news.entries_new
    summary.extra["announcements"] = news.announcements
    summary.warnings.extend(news.warnings)
    summary.failures.extend(news.failures)


def fetch_git(
    config: Config, db: Database, source: GitSource, summary: FetchSummary, report: Reporter
) -> None:
    """Mirror one repository, store its new commits, releases and ChangeLog entries."""
    report(f"{source.id}: syncing mirror")
    repo, warnings = git.sync_mirror(source, config.settings.cache_dir)
    summary.warnings.extend(warnings)
    refs = git.read_refs(repo, source)
    tips = {ref.name: ref.commit for ref in refs}
    old_tips = store.get_state(db, source.id).get("cursor", {}).get("tips", {})
    exclude = git.existing_commits(repo, set(old_tips.values()))
    include = sorted(set(tips.values()) - set(exclude))
    commits = git.read_commits(repo, source, include, exclude)
    new = store.save_commits(db, source.project, _counting(commits, report, source.id))
    summary.commits += new
    releases = _releases(db, source, refs)
    stored = {(r["version"], r["commit_sha"]) for r in store.releases_of(db, source.project)}
    changed = {(r.version, r.commit) for r in releases} - stored
    graph = None
    if new or changed:
        prev = predecessors(releases)
        store.save_releases(db, [(r, prev[r.version]) for r in releases])
        graph = store.commit_parents(db, source.project)
        store.set_commit_releases(db, source.project, first_releases(graph, releases))
    summary.releases += len(changed)
    summary.entries += _link_changelogs(db, repo, source, releases, graph, summary.warnings)
    store.set_state(db, source.id, cursor={"tips": tips})


def _releases(db: Database, source: GitSource, refs: list[git.Ref]) -> list[Release]:
    tagged = releases_from_refs(source, refs)
    marked = []
    if source.release_commits is not None:
        marked = releases_from_commits(source, store.commit_subjects_dates(db, source.project))
    return merge_releases(tagged, marked)


def _link_changelogs(
    db: Database,
    repo: Repo,
    source: GitSource,
    releases: list[Release],
    graph: dict[str, list[str]] | None,
    warnings: list[str],
) -> int:
    """Parse the ChangeLog of each release not yet done and link its entries to commits.

    A ChangeLog that cannot be parsed is a warning naming the source, release, file and line;
    that release is then recorded without entries.
    """
    if not source.changelogs:
        return 0
    done = store.releases_with_changelog(db, source.project)
    todo = [r for r in releases if r.version not in done]
    if not todo:
        return 0
    specs = [f"{r.commit}:{path}" for r in todo for path in source.changelogs]
    blobs = git.read_blobs(repo, specs)
    graph = graph if graph is not None else store.commit_parents(db, source.project)
    subjects = store.commit_subjects(db, source.project)
    touching = store.commits_touching(db, source.project, list(source.changelogs))
    in_project = SubjectIndex(Candidate(sha, subject) for sha, subject in subjects.items())
    done_now = []
    for release, in_range in _ranges(graph, releases, {r.version for r in todo}):
        found = _section(release.commit, release.version, source, blobs, warnings)
        if found is None:
            found = _section_at_last_edit(repo, release, source, in_range, touching)
        if found is None:
            done_now.append((release.version, "", []))
            continue
        path, section = found
        index = SubjectIndex(Candidate(sha, subjects[sha]) for sha in in_range if sha in subjects)
        done_now.append(
            (release.version, path, list(link_entries(section.entries, index, in_project)))
        )
    store.save_changelogs(db, source.project, done_now)
    return sum(len(entries) for _, _, entries in done_now)


def _section(
    commit: str,
    version: str,
    source: GitSource,
    blobs: dict[str, bytes],
    warnings: list[str] | None = None,
) -> tuple[str, ChangelogSection] | None:
    """The first configured ChangeLog file at a commit that has a section for the version."""
    for path in source.changelogs:
        data = blobs.get(f"{commit}:{path}")
        if data is None:
            continue
        try:
            section = changelog.section_for(git.decode(data), version, path)
        except DigestError as exc:
            if warnings is not None:
                warnings.append(f"source '{source.id}': release {version}: {exc}")
            continue
        if section is not None:
            return path, section
    return None


def _section_at_last_edit(
    repo: Repo,
    release: Release,
    source: GitSource,
    in_range: set[str],
    touching: dict[str, str],
) -> tuple[str, ChangelogSection] | None:
    """Retry at the newest non-merge commit of the release that edited a ChangeLog.

    A release tagged on a merge may carry a tree without that edit (history rewritten by
    tools, or shadow repositories); the edit itself has the text that was released.
    """
    edits = [(touching[sha], sha) for sha in in_range if sha in touching]
    if not edits:
        return None
    _, sha = max(edits)
    if sha == release.commit:
        return None
    blobs = git.read_blobs(repo, [f"{sha}:{path}" for path in source.changelogs])
    return _section(sha, release.version, source, blobs)


def _ranges(
    graph: dict[str, list[str]], releases: list[Release], wanted: set[str]
) -> Iterator[tuple[Release, set[str]]]:
    """(release, commits in its range) for the wanted releases, reusing ancestries in order."""
    prev = predecessors(releases)
    by_version = {r.version: r for r in releases}
    needed: dict[str, int] = {}
    for version in prev.values():
        if version:
            needed[version] = needed.get(version, 0) + 1
    ancestry: dict[str, set[str]] = {}
    for release in sorted(releases, key=lambda r: version_key(r.version)):
        before = prev[release.version]
        stop = ancestry.get(before, set()) if before else set()
        in_range, hit = commit_range(graph, release.commit, stop)
        if release.version in wanted:
            yield release, in_range
        if needed.get(release.version):
            is_descendant = before is not None and by_version[before].commit in hit
            if is_descendant or not before:
                ancestry[release.version] = stop | in_range
            else:
                ancestry[release.version] = commit_range(graph, release.commit, set())[0]
        if before and before in needed:
            needed[before] -= 1
            if not needed[before]:
                ancestry.pop(before, None)


def _counting(commits: Iterator[Commit], report: Reporter, source_id: str) -> Iterator[Commit]:
    for i, commit in enumerate(commits, 1):
        if i % 1000 == 0:
            report(f"{source_id}: {i} commits")
        yield commit


@contextlib.contextmanager
def _progress(enabled: bool) -> Iterator[Reporter]:
    """A status line on a terminal; silence otherwise (cron)."""
    if not enabled:
        yield lambda message: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("fetching") as status:
        yield lambda message: status.update(message)
