"""`digest fetch`: fetch the sources, then classify what they brought, in the same command.

fetch/ and classify/ are two stages; an earlier stage never imports a later one, so this
module (above both, like monthly.py) runs them in order. No query can then meet an
unclassified store. Each source's last fetch result is kept in `fetch_state`; the draft reads
it to say which sources failed, also when it is made later by `digest draft` alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from digest import store
from digest.classify import ClassifySummary, classify_store
from digest.config import Config
from digest.fetch import FetchSummary
from digest.fetch import fetch as fetch_all
from digest.progress import progress
from digest.query import check_projects, check_sources


@dataclass
class UpdateReport:
    """What one `digest fetch` stored and classified."""

    fetched: FetchSummary
    classified: ClassifySummary | None

    def line(self) -> str:
        """One summary line: the fetch, then the classification of what it brought."""
        done = self.classified
        if done is None:
            return self.fetched.line()
        return f"{self.fetched.line()}; classified {done.commits} commits, {done.entries} entries"


def update_store(
    config: Config,
    db: Database,
    *,
    projects: tuple[str, ...] | list[str] = (),
    sources: tuple[str, ...] | list[str] = (),
    show_progress: bool | None = None,
) -> UpdateReport:
    """Fetch the chosen sources (all by default), then classify the new changes."""
    check_projects(config, projects)
    check_sources(config, sources)
    fetched = fetch_all(
        config, db, projects=list(projects), sources=list(sources), progress=bool(show_progress)
    )
    stored = store.classify_projects(db)
    wanted = set(projects or [p.id for p in config.projects])
    chosen = [p.id for p in config.projects if p.id in stored and p.id in wanted]
    if not chosen:
        return UpdateReport(fetched, None)
    with progress(show_progress) as report:
        return UpdateReport(fetched, classify_store(db, chosen, report=report))


def source_keys(config: Config) -> list[tuple[str, str]]:
    """(source id, fetch_state key) of every configured source, in file order."""
    keys = [(s.id, s.id) for s in config.git_sources()]
    keys += [(x.id, f"list:{x.id}") for x in config.lists]
    return keys + [(f.id, f"feed:{f.id}") for f in config.feeds]


def failed_sources(config: Config, db: Database) -> list[tuple[str, str]]:
    """(source id, error) of each configured source whose last fetch failed."""
    ids = dict((key, source) for source, key in source_keys(config))
    return [(ids[key], error) for key, error in store.failed_sources(db, list(ids))]
