"""The monthly job: fetch, classify, translate and draft one month, under the run lock."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from digest.classify import classify_store
from digest.config import Config, translate_settings
from digest.draft.model import Digest
from digest.draft.select import build_digest, draft_settings
from digest.draft.write import DraftReport, write_draft
from digest.fetch import FetchSummary
from digest.fetch import fetch as fetch_all
from digest.lock import run_lock
from digest.translate import Pipeline, glossary_for, make_engine
from digest.update import failed_sources


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
    translator = make_engine(engine or settings.engine, settings, glossary)
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
            report.fetched = fetch_all(config, db)
            report.failures = list(report.fetched.failures)
            report.warnings = list(report.fetched.warnings)
        report.classified = classify_store(db).line()
        _, report.draft = make_draft(
            config, db, month, out_dir=out_dir, engine=engine, failures=report.failures
        )
    return report
