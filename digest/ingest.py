"""`digest fetch`: git mirrors -> commits, releases and linked ChangeLog entries; then news."""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from git import Repo
from sqlite_utils import Database

from digest import store
from digest.announcement_links import relink_announcements
from digest.background import in_background
from digest.changelogs import Sections, link_releases, read_ahead, wanted_sections
from digest.config import Config, Feed, GitSource, MailingList
from digest.errors import DigestError
from digest.history import History, load_history
from digest.models import Commit, Release
from digest.reach import Reach
from digest.releases import (
    first_releases,
    merge_releases,
    predecessors,
    releases_from_commits,
    releases_from_refs,
)
from digest.sources import git

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
    from digest.news import fetch_news  # HTTP clients and parsers: imported only when needed

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
    """Mirror one repository, store its new commits, releases and ChangeLog entries.

    Two processes share the work: while this one stores the commits, a child reads the
    ChangeLog of each tagged release; then this one stores the releases and links the entries
    of half of them while a child links the other half.
    """
    report(f"{source.id}: syncing mirror")
    repo, warnings = git.sync_mirror(source, config.settings.cache_dir)
    summary.warnings.extend(warnings)
    refs = git.read_refs(repo, source)
    history, (read, at_edits), new = _store_commits(db, repo, source, refs, summary, report)
    releases = _releases(source, refs, history)
    todo = wanted_sections(db, source, releases)
    mine, theirs = todo[::2], todo[1::2]  # alternate releases: both halves cost about the same
    git_dir = Path(repo.git_dir)
    args = (git_dir, source, releases, theirs, history, read, at_edits)
    with in_background(link_releases, *args, inline=not theirs) as linking, store.checkpointing(db):
        summary.releases += _save_releases(db, source, releases, history, new)
        ours = link_releases(git_dir, source, releases, mine, history, read, at_edits)
        _save_linked(db, source, summary, *ours)  # while the child still links its half
        _save_linked(db, source, summary, *linking())
    store.set_state(db, source.id, cursor={"tips": {ref.name: ref.commit for ref in refs}})


def _save_linked(
    db: Database,
    source: GitSource,
    summary: FetchSummary,
    linked: list[store.ReleaseEntries],
    warnings: list[str],
) -> None:
    """Store the linked ChangeLog entries of some releases and count them."""
    summary.warnings.extend(warnings)
    store.save_changelogs(db, source.project, linked)
    summary.entries += sum(len(entries) for _, _, entries in linked)


def _store_commits(
    db: Database,
    repo: Repo,
    source: GitSource,
    refs: list[git.Ref],
    summary: FetchSummary,
    report: Reporter,
) -> tuple[History, tuple[Sections, Sections], bool]:
    """Store the commits not read before while a child reads the tagged releases' ChangeLogs.

    Returns the project's history, the sections read (at tags, at edits) and whether there
    were commits to read.
    """
    old_tips = store.get_state(db, source.id).get("cursor", {}).get("tips", {})
    exclude = git.existing_commits(repo, set(old_tips.values()))
    include = sorted({ref.commit for ref in refs} - set(exclude))
    tag_releases = _releases(source, refs)
    tagged = [(r.version, r.commit) for r in wanted_sections(db, source, tag_releases)]
    reach = _reach(source, tag_releases, fresh=not store.has_commits(db, source.project))
    history = History(frozenset(source.changelogs), reach=reach)
    # Reading ahead must not slow down git log, the longest task of all: it runs niced. It
    # reads the ChangeLogs at the tags, then at the newest edits of releases found meanwhile.
    requests, ask = multiprocessing.Pipe(duplex=False)
    git_dir = Path(repo.git_dir)
    reading_ahead = in_background(
        read_ahead, git_dir, source, tagged, requests, inline=not tagged, niceness=19
    )
    with requests, ask, reading_ahead as reading:
        if tagged and reach is not None:
            history.on_newest_edit = lambda version, sha: ask.send((version, sha))
        # The reach needs every commit after its children.
        commits = git.read_commits(repo, source, include, exclude, topo=reach is not None)
        commits = _counting(history.recording(commits), report, source.id)
        first = reach.first if reach is not None else None
        summary.commits += store.save_commits(db, source.project, commits, first)
        ask.send(None)
        read, at_edits, warnings = reading()
    summary.warnings.extend(warnings)
    if old_tips and (include or tagged):
        history = load_history(db, source.project, source.changelogs)
    return history, (read, at_edits), bool(include)


def _reach(source: GitSource, tagged: list[Release], fresh: bool) -> Reach | None:
    """Release containment to work out while streaming: for a project with no stored commits.

    Other fetches read only some commits (or rows they meet keep their release), and release
    commits are only known once read: those assign releases from the whole history afterwards.
    """
    if not fresh or source.release_commits is not None or not tagged:
        return None
    return Reach(tagged)


def _save_releases(
    db: Database, source: GitSource, releases: list[Release], history: History, new: bool
) -> int:
    """Store new or moved releases and each commit's first release; returns how many changed."""
    stored = {(r["version"], r["commit_sha"]) for r in store.releases_of(db, source.project)}
    changed = {(r.version, r.commit) for r in releases} - stored
    if new or changed:
        prev = predecessors(releases)
        store.save_releases(db, [(r, prev[r.version]) for r in releases])
        if history.reach is None:  # else each commit was stored with its first release
            first = first_releases(history.parents, releases)
            store.set_commit_releases(db, source.project, first)
    return len(changed)


def _releases(
    source: GitSource, refs: list[git.Ref], history: History | None = None
) -> list[Release]:
    """Releases from tags and, once the history is known, from release commits."""
    tagged = releases_from_refs(source, refs)
    marked = []
    if source.release_commits is not None and history is not None:
        commits = ((sha, s, history.dates[sha]) for sha, s in history.subjects.items())
        marked = releases_from_commits(source, commits)
    return merge_releases(tagged, marked)


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
