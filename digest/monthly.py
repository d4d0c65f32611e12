"""The pipeline's runs, above the stages: `update_store` (digest fetch: fetch, then classify
what arrived, so no query meets an unclassified store) and `run_monthly` (the cron job: fetch,
classify, translate and draft one month, under the run lock). Each source's last fetch result
is kept in `fetch_state`; the draft reads it to say which sources failed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from digest import store
from digest.classify import ClassifySummary, classify_store, commit_classes, mark_classified
from digest.config import Config, draft_settings, translate_settings
from digest.draft.model import Digest
from digest.draft.select import build_digest
from digest.draft.write import DraftReport, write_draft
from digest.fetch import FetchSummary
from digest.fetch import fetch as fetch_all
from digest.query import check_projects, check_sources
from digest.runtime import progress, run_lock
from digest.translate import Pipeline, glossary_for, make_engine


@dataclass
class MonthlyReport:
    """What the monthly run did, for its summary and exit status."""

    month: str
    fetched: FetchSummary | None = None
    classified: str = ""
    draft: DraftReport | None = None
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary: one line per stage."""
        out = [self.fetched.line()] if self.fetched else []
        out += [self.classified] if self.classified else []
        out += [self.draft.line()] if self.draft else []
        return out


def previous_month(today: date | None = None) -> str:
    """The month a run on `today` covers: the one before."""
    today = today or date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def translation_pipeline(
    config: Config,
    db: Database,
    *,
    engine: str | None = None,
    save: bool = True,
    refresh: bool = False,
) -> Pipeline:
    """The TM-first translation pipeline configured in sources.yaml."""
    settings = translate_settings(config)
    glossary = glossary_for(settings)
    translator = make_engine(engine or settings.engine, settings, glossary, db)
    return Pipeline(
        db,
        translator,
        glossary,
        lang=settings.lang,
        threshold=settings.fuzzy_threshold,
        refresh=refresh,
        save=save,
    )


def make_draft(
    config: Config,
    db: Database,
    month: str,
    *,
    out_dir: Path | None = None,
    engine: str | None = None,
    failures: list[str] | None = None,
) -> tuple[Digest, DraftReport]:
    """Build the month's digest (translating what it shows) and write or update the draft."""
    pipeline = translation_pipeline(config, db, engine=engine)
    failed = failed_sources(config, db)  # each source's last fetch, also when run alone
    messages = list(dict.fromkeys([*(failures or []), *(error for _, error in failed)]))
    digest = build_digest(config, db, month, translate=pipeline.translate, failures=messages)
    digest = replace(digest, failed_sources=tuple(source for source, _ in failed))
    target = out_dir or config.path.resolve().parent / draft_settings(config)["out_dir"]
    return digest, write_draft(digest, target)


def run_monthly(
    config: Config,
    db: Database,
    month: str,
    *,
    out_dir: Path | None = None,
    engine: str | None = None,
    fetch: bool = True,
) -> MonthlyReport:
    """fetch -> classify -> translate -> draft for one month; one failing source doesn't stop it."""
    report = MonthlyReport(month)
    settings = config.settings
    with run_lock(settings.lock_path, wait=settings.lock_wait):
        if fetch:
            report.fetched = _fetch_classifying(config, db)
            report.failures = list(report.fetched.failures)
            report.warnings = list(report.fetched.warnings)
        arrived = report.fetched.commits if report.fetched else 0
        report.classified = classify_store(db).counting(arrived).line()
        _, report.draft = make_draft(
            config, db, month, out_dir=out_dir, engine=engine, failures=report.failures
        )
    return report


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
    fetched = _fetch_classifying(
        config, db, projects=list(projects), sources=list(sources), progress=bool(show_progress)
    )
    stored = store.classify_projects(db)
    wanted = set(projects or [p.id for p in config.projects])
    chosen = [p.id for p in config.projects if p.id in stored and p.id in wanted]
    if not chosen:
        return UpdateReport(fetched, None)
    with progress(show_progress) as report:
        classified = classify_store(db, chosen, report=report).counting(fetched.commits)
        return UpdateReport(fetched, classified)


def _fetch_classifying(config: Config, db: Database, **options: Any) -> FetchSummary:
    """Fetch, storing new commits classified; a project fetched first counts as classified."""
    fresh = [p.id for p in config.projects if not store.has_commits(db, p.id)]
    fetched = fetch_all(config, db, classify=commit_classes, **options)
    mark_classified(db, [p for p in fresh if store.has_commits(db, p)])
    return fetched


def source_keys(config: Config) -> list[tuple[str, str]]:
    """(source id, fetch_state key) of every configured source, in file order."""
    keys = [(s.id, s.id) for s in config.git_sources()]
    keys += [(x.id, f"list:{x.id}") for x in config.lists]
    return keys + [(f.id, f"feed:{f.id}") for f in config.feeds]


def failed_sources(config: Config, db: Database) -> list[tuple[str, str]]:
    """(source id, error) of each configured source whose last fetch failed."""
    ids = dict((key, source) for source, key in source_keys(config))
    return [(ids[key], error) for key, error in store.failed_sources(db, list(ids))]
