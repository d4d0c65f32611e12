"""`digest fetch`: git mirrors -> commits, releases and linked ChangeLog entries; then news."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from sqlite_utils import Database

from digest import runtime, store
from digest.config import Config, Feed, GitSource, MailingList
from digest.errors import DigestError
from digest.fetch.announcements import relink_announcements
from digest.fetch.classifying import Classes, ClassifyCommits
from digest.fetch.git import GitFetch, fetch_git
from digest.fetch.workers import Answering
from digest.runtime import Reporter


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

    def add_git(self, done: GitFetch) -> None:
        """Count what one git source stored."""
        self.commits += done.commits
        self.releases += done.releases
        self.entries += done.entries
        self.warnings.extend(done.warnings)


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
    classify: ClassifyCommits | None = None,
) -> FetchSummary:
    """Fetch every selected source (git, then lists and feeds); failures are reported.

    With `classify`, a child process classifies the new commits as they stream in, and they
    are stored with their classes.
    """
    summary = FetchSummary()
    store.save_projects(db, config.projects)
    git_sources, lists, feeds = select_sources(config, projects, sources)
    with runtime.progress(progress) as report, _classifier(classify, git_sources) as classifier:
        for source in git_sources:
            summary.sources += 1
            try:
                summary.add_git(fetch_git(config, db, source, report, classifier))
            except DigestError as exc:
                summary.failures.append(str(exc))
                store.set_state(db, source.id, error=str(exc))
        if lists or feeds:
            report("fetching mailing lists and feeds")
            _fetch_news(config, db, lists, feeds, summary, report)
        if summary.commits:
            relink_announcements(db)
    if summary.commits:
        store.mark_duplicates(db, [p.id for p in config.projects])
    return summary


def _classifier(
    classify: ClassifyCommits | None, git_sources: list[GitSource]
) -> contextlib.AbstractContextManager[Answering[list[Classes]] | None]:
    """The child classifying commits for the whole fetch, if asked for and there is git work."""
    if classify is None or not git_sources:
        return contextlib.nullcontext()
    return Answering(classify)


def _fetch_news(
    config: Config,
    db: Database,
    lists: list[str],
    feeds: list[str],
    summary: FetchSummary,
    report: Reporter,
) -> None:
    from digest.fetch.news import fetch_news  # HTTP clients and parsers: imported when needed

    news = fetch_news(config, db, lists=lists, feeds=feeds, report=report)
    summary.sources += len(lists) + len(feeds)
    summary.extra["new messages"] = news.messages_new
    summary.extra["new feed entries"] = news.entries_new
    summary.extra["announcements"] = news.announcements
    summary.warnings.extend(news.warnings)
    summary.failures.extend(news.failures)
