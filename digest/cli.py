"""Thin click front end: parse options, call one library function, print a summary."""

from __future__ import annotations

import calendar
import json
import re
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from digest import store
from digest.config import Config, load_config
from digest.errors import DigestError
from digest.query import Report, UnknownNameError
from digest.runtime import run_lock

F = TypeVar("F", bound=Callable[..., Any])


# -- the one date grammar of every command, as click parameter types (bad values exit 2) -----
# `YYYY-MM-DD` is a day; where a range is asked for, `YYYY-MM` is the whole month: `--since
# 2011-11` starts on November 1st and `--until 2011-11` ends on November 30th. `--month` takes
# `YYYY-MM` only. Anything else is a usage error.

_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
FIRST_YEAR, LAST_YEAR = 1, 9998  # a month's issue date (the month after) must exist


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of `YYYY-MM`; ValueError with the reason otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if not match:
        raise ValueError(f"'{text}' is not a month (YYYY-MM)")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"'{text}': month must be 01-12")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"'{text}': year must be {FIRST_YEAR:04d}-{LAST_YEAR}")
    return year, month


def parse_day(text: str, *, end: bool = False) -> str:
    """`YYYY-MM-DD` as is (validated); `YYYY-MM` as its first day, or its last when `end`."""
    value = text.strip()
    match = _DAY.fullmatch(value)
    if match:
        try:
            date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError as exc:
            raise ValueError(f"'{text}' is not a valid date: {exc}") from None
        return value
    try:
        year, month = parse_month(value)
    except ValueError:
        raise ValueError(f"'{text}' is not a date (YYYY-MM-DD, or YYYY-MM for a month)") from None
    day = calendar.monthrange(year, month)[1] if end else 1
    return f"{year:04d}-{month:02d}-{day:02d}"


class DayParam(click.ParamType):
    """A date option: YYYY-MM-DD, or YYYY-MM for the first (since) or last (until) day."""

    name = "date"

    def __init__(self, *, end: bool = False) -> None:
        self.end = end

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The date as YYYY-MM-DD, or a usage error."""
        try:
            return parse_day(str(value), end=self.end)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class MonthParam(click.ParamType):
    """A month option: YYYY-MM."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """The month as YYYY-MM, or a usage error."""
        try:
            year, month = parse_month(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        return f"{year:04d}-{month:02d}"


SINCE = DayParam()
UNTIL = DayParam(end=True)
MONTH = MonthParam()


@dataclass
class Context:
    """What every command receives: the config location and the debug switch."""

    config_path: str | None
    debug: bool
    _config: Config | None = None

    @property
    def config(self) -> Config:
        """The loaded sources.yaml (loaded once, on first use)."""
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def open_db(self) -> Any:
        """Open the configured database."""
        return store.open_db(self.config.settings.database)


def reports_errors(func: F) -> F:
    """Turn errors into `Error: ...` (exit 1), unknown names into usage errors (exit 2).

    OS and SQLite errors (a full disk, a read-only directory) become one line too; --debug
    shows the traceback instead.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UnknownNameError as exc:
            raise click.BadParameter(str(exc), param_hint=f"'{exc.option}'") from exc
        except (DigestError, OSError, sqlite3.Error) as exc:
            context = click.get_current_context().find_object(Context)
            if context.debug:
                raise
            config = context._config
            where = config.settings.database if config else None
            raise click.ClickException(describe_error(exc, where)) from exc

    return wrapper  # type: ignore[return-value]


def describe_error(exc: BaseException, database: Path | None = None) -> str:
    """One readable line for an error, naming the file (or the database) it concerns."""
    if isinstance(exc, OSError) and not isinstance(exc, DigestError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, sqlite3.Error):
        hint = " (disk full or read-only?)" if _WRITE_FAILED.search(str(exc)) else ""
        return f"database{f' {database}' if database else ''}: {exc}{hint}"
    return str(exc)


_WRITE_FAILED = re.compile(r"disk I/O error|disk is full|readonly|read-only|unable to open")


def emit(report: Report, fmt: str) -> None:
    """Print a report: the table and its summary, or JSON with the summary on stderr."""
    text = report.text(fmt)
    if text:
        click.echo(text)
    click.echo(report.summary, err=fmt != "table")


@click.group()
@click.option(
    "--config",
    "config_path",
    envvar="DIGEST_CONFIG",
    type=click.Path(dir_okay=False),
    help="sources.yaml to use (default: ./sources.yaml, or $DIGEST_CONFIG).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="digest")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, debug: bool) -> None:
    """digest: release notes of the Linux-HA / ClusterLabs stack, explained in Japanese."""
    ctx.obj = Context(config_path=config_path, debug=debug)


pass_context = click.make_pass_decorator(Context)


@main.command()
@click.option("--project", "projects", multiple=True, help="Only this project (repeatable).")
@click.option("--source", "sources", multiple=True, help="Only this source id (repeatable).")
@pass_context
@reports_errors
def fetch(ctx: Context, projects: tuple[str, ...], sources: tuple[str, ...]) -> None:
    """Fetch git history, releases, ChangeLogs, mailing lists and feeds; classify what is new."""
    from digest.monthly import update_store

    db = ctx.open_db()
    settings = ctx.config.settings
    with run_lock(settings.lock_path, wait=settings.lock_wait):
        report = update_store(
            ctx.config, db, projects=projects, sources=sources, show_progress=sys.stderr.isatty()
        )
    for problem in [*report.fetched.warnings, *report.fetched.failures]:
        click.echo(f"warning: {problem}", err=True)
    click.echo(report.line())
    if report.fetched.failures:
        sys.exit(1)


@main.command()
@click.option("--project", "projects", multiple=True, help="Only this project (repeatable).")
@click.option("--since", type=SINCE, help="Only releases on or after this date (YYYY-MM[-DD]).")
@click.option("--version", "version", help="Only this version.")
@click.option("--entries", is_flag=True, help="Include each release's ChangeLog entries.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
@reports_errors
def releases(
    ctx: Context,
    projects: tuple[str, ...],
    since: str | None,
    version: str | None,
    entries: bool,
    fmt: str,
) -> None:
    """List releases found from tags and release commits."""
    from digest.query import releases_report

    report = releases_report(
        ctx.config, ctx.open_db(), projects=projects, since=since, version=version, entries=entries
    )
    emit(report, fmt)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
@reports_errors
def stats(ctx: Context, fmt: str) -> None:
    """Per project: commits, releases, ChangeLog entries and their link rate."""
    from digest.query import stats_report

    emit(stats_report(ctx.open_db()), fmt)


# -- translation -----------------------------------------------------------------------------


@main.command()
@click.option("--month", type=MONTH, help="Fill the TM for releases dated in this month.")
@click.option("--text", "line", help="Translate one line and print the Japanese.")
@click.option(
    "--input",
    "input_file",
    type=click.File("rb"),
    help="Translate one line per input line (UTF-8); print JSON lines (- for stdin).",
)
@click.option("--engine", type=click.Choice(["rules", "llm"]), help="Override translate.engine.")
@click.option("--refresh", is_flag=True, help="Re-translate lines the TM holds as machine text.")
@pass_context
@reports_errors
def translate(
    ctx: Context,
    month: str | None,
    line: str | None,
    input_file: Any,
    engine: str | None,
    refresh: bool,
) -> None:
    """Translate changelog lines into Japanese: TM first, then the rules or llm engine."""
    chosen = [name for name, value in (("--month", month), ("--text", line)) if value]
    chosen += ["--input"] if input_file else []
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --month, --text or --input")
    from digest.monthly import translation_pipeline

    pipeline = translation_pipeline(
        ctx.config, ctx.open_db(), engine=engine, save=bool(month), refresh=refresh
    )
    if line is not None:
        click.echo(pipeline.translate([line])[0].text if line.strip() else "")
    elif input_file is not None:
        lines = _utf8_lines(input_file.read(), getattr(input_file, "name", "-"))
        for result in pipeline.translate(lines):
            click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        click.echo(f"translated {len(lines)} lines: {pipeline.summary()}", err=True)
    else:
        results = pipeline.translate_month(month)
        click.echo(f"translated {len(results)} lines for {month}: {pipeline.summary()}")
    _report_llm_failures(pipeline.engine)


def _utf8_lines(data: bytes, name: str) -> list[str]:
    """The lines of an input file, which must be UTF-8 (the error names the line)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DigestError(f"{name}: line {line}: not UTF-8 ({exc.reason})") from exc
    return text.splitlines()


def _report_llm_failures(engine: Any) -> None:
    for failure in getattr(engine, "failures", []):
        click.echo(f"warning: {failure} (fell back to rules)", err=True)


@main.group()
def tm() -> None:
    """Manage the translation memory (import, learn, terms, export, stats)."""


@tm.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_context
@reports_errors
def tm_import(ctx: Context, files: tuple[Path, ...]) -> None:
    """Learn from published digest posts (.md), or load a TM table (.tsv / .jsonl)."""
    from digest.config import translate_settings
    from digest.translate import manage

    lang = translate_settings(ctx.config).lang
    db = ctx.open_db()
    for path in files:
        if manage.is_table(path):
            click.echo(f"{path}: {manage.import_table(db, path, lang)} rows changed")
        else:
            click.echo(manage.import_post(db, path, lang).line(str(path)))
    click.echo(manage.align_terms(db, lang))


@tm.command("learn")
@click.argument("draft", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
@reports_errors
def tm_learn(ctx: Context, draft: Path) -> None:
    """Take an editor's corrections from an edited draft into the TM (human, approved)."""
    from digest.config import translate_settings
    from digest.translate import manage

    lang = translate_settings(ctx.config).lang
    db = ctx.open_db()
    click.echo(manage.learn_draft(db, draft, lang).line(str(draft)))
    click.echo(manage.align_terms(db, lang))


@tm.command("terms")
@click.option("--approve", multiple=True, metavar="TERM", help="Approve TERM (repeatable).")
@click.option("--min-count", type=int, default=1, show_default=True, help="Hide rarer ones.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
@reports_errors
def tm_terms(ctx: Context, approve: tuple[str, ...], min_count: int, fmt: str) -> None:
    """List term translations aligned from the TM; approved ones feed the rules engine."""
    from digest.config import translate_settings
    from digest.translate.terms import terms_report

    lang = translate_settings(ctx.config).lang
    click.echo(terms_report(ctx.open_db(), lang, approve, fmt, min_count))


@tm.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", help="Only this language.")
@pass_context
@reports_errors
def tm_export(ctx: Context, file: Path, lang: str | None) -> None:
    """Write the TM to FILE as TSV or JSON lines (by extension) for review in other tools."""
    from digest.translate import manage

    click.echo(f"exported {manage.export_table(ctx.open_db(), file, lang)} rows to {file}")


@tm.command("stats")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
@reports_errors
def tm_stats(ctx: Context, fmt: str) -> None:
    """Count TM rows per language, origin and state."""
    from digest.query import tm_stats_report

    emit(tm_stats_report(ctx.open_db()), fmt)


# -- mail and feeds --------------------------------------------------------------------------


@main.command()
@click.option("--list", "lists", multiple=True, help="Only this list id (repeatable).")
@click.option("--since", type=SINCE, help="Only messages on or after this date (YYYY-MM[-DD]).")
@click.option("--until", type=UNTIL, help="Only messages up to this date (YYYY-MM[-DD]).")
@click.option("--announcements", is_flag=True, help="Only release announcements.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
@reports_errors
def messages(
    ctx: Context,
    lists: tuple[str, ...],
    since: str | None,
    until: str | None,
    announcements: bool,
    fmt: str,
) -> None:
    """List stored mailing-list messages (announcements with their project and version)."""
    from digest.query import messages_report

    report = messages_report(
        ctx.config,
        ctx.open_db(),
        lists=lists,
        since=since,
        until=until,
        announcements=announcements,
    )
    emit(report, fmt)


# -- classification --------------------------------------------------------------------------


@main.command("classify")
@click.option("--project", "projects", multiple=True, help="Only this project (repeatable).")
@click.option("--all", "full", is_flag=True, help="Reclassify everything, not only new changes.")
@click.option(
    "--explain",
    "subject",
    metavar="SHA_OR_TEXT",
    help="Show how one stored commit (sha or unique prefix) or a line of text is classified, "
    "and by which rule; stores nothing.",
)
@pass_context
@reports_errors
def classify_command(
    ctx: Context, projects: tuple[str, ...], full: bool, subject: str | None
) -> None:
    """Tag stored commits and ChangeLog entries with components, severity, kind and links.

    Only changes not classified yet are done, unless data/components.yaml or data/links.yaml
    changed since the last run (or --all is given); running it twice changes nothing.
    """
    from digest.query import check_projects

    check_projects(ctx.config, projects)
    db = ctx.open_db()
    if subject is not None:
        _explain(ctx, db, subject, projects[0] if projects else None)
        return
    from digest import classify as classifier
    from digest.runtime import progress

    settings = ctx.config.settings
    with run_lock(settings.lock_path, wait=settings.lock_wait), progress() as report:
        summary = classifier.classify_store(db, list(projects), full=full, report=report)
    click.echo(summary.line())


def _explain(ctx: Context, db: Any, subject: str, project: str | None) -> None:
    """Print how a stored commit, or a text given on the command line, is classified."""
    from digest.classify.lookup import explain_subject

    explanation = explain_subject(ctx.config, db, subject, project)
    for note in explanation.notes:
        click.echo(note, err=True)
    click.echo(explanation.heading)
    for line in explanation.lines:
        click.echo(line)


@main.command()
@click.option("--project", help="Count only this project's changes.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
@reports_errors
def components(ctx: Context, project: str | None, fmt: str) -> None:
    """List the component taxonomy with how many stored changes carry each component."""
    from digest.query import components_report

    emit(components_report(ctx.config, ctx.open_db(), project), fmt)


def _directory(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """An output directory: absent (it is created) or a directory, not a file or a device."""
    if value is not None and value.exists() and not value.is_dir():
        raise click.BadParameter(f"'{value}' is not a directory")
    if value is not None and not value.exists() and value.suffix.lower() in _POST_SUFFIXES:
        raise click.BadParameter(
            f"'{value}' looks like a file name; --out takes the directory of the posts"
            " (the draft is named YYYY-MM-DD-slug.md inside it)"
        )
    return value


_POST_SUFFIXES = {".md", ".markdown"}
_OUT_HELP = "Directory of the posts (default: draft.out_dir of sources.yaml)."


def _month_option(required: bool) -> Callable[[F], F]:
    help_text = "Month covered, YYYY-MM" + ("." if required else " (default: the previous month).")
    return click.option("--month", type=MONTH, required=required, help=help_text)


@main.command()
@_month_option(required=True)
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), callback=_directory, help=_OUT_HELP
)
@click.option("--engine", type=click.Choice(["rules", "llm"]), help="Override translate.engine.")
@pass_context
@reports_errors
def draft(ctx: Context, month: str, out_dir: Path | None, engine: str | None) -> None:
    """Write (or update, keeping the editor's edits) the monthly digest draft."""
    from digest.monthly import make_draft

    _, report = make_draft(ctx.config, ctx.open_db(), month, out_dir=out_dir, engine=engine)
    click.echo(report.path)
    click.echo(report.line(), err=True)


@main.command()
@_month_option(required=False)
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), callback=_directory, help=_OUT_HELP
)
@click.option("--engine", type=click.Choice(["rules", "llm"]), help="Override translate.engine.")
@click.option("--no-fetch", is_flag=True, help="Use what is stored; do not touch the network.")
@pass_context
@reports_errors
def monthly(
    ctx: Context, month: str | None, out_dir: Path | None, engine: str | None, no_fetch: bool
) -> None:
    """The cron job: fetch, classify, translate and draft the month (quiet unless needed)."""
    from digest.monthly import previous_month, run_monthly

    month = month or previous_month()
    report = run_monthly(
        ctx.config, ctx.open_db(), month, out_dir=out_dir, engine=engine, fetch=not no_fetch
    )
    for problem in [*report.warnings, *report.failures]:
        click.echo(f"warning: {problem}", err=True)
    if report.failures or sys.stdout.isatty():
        for line in report.lines():
            click.echo(line)
    if report.failures:
        raise SystemExit(1)


# -- static site -----------------------------------------------------------------------------


@main.group()
def site() -> None:
    """Publish the digests as a static site (HTML, Atom feed, sitemap)."""


@site.command("build")
@click.option(
    "--posts",
    "posts_dir",
    default="_posts",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of approved posts (Jekyll Markdown with front matter).",
)
@click.option(
    "--out",
    "out_dir",
    default="var/site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the site into.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database to read (default: the one sources.yaml names).",
)
@click.option(
    "--base-url",
    envvar="DIGEST_SITE_URL",
    help="Public URL of the site: absolute feed/sitemap links, and where post-relative "
    "links like /wp/archives/1 point ($DIGEST_SITE_URL).",
)
@click.option("--per-page", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings (e.g. dropped links) too.")
@click.option("--force", is_flag=True, help="Publish posts still carrying the ⚠ fetch notice.")
@pass_context
@reports_errors
def site_build(
    ctx: Context,
    posts_dir: Path,
    out_dir: Path,
    db_path: Path | None,
    base_url: str | None,
    per_page: int,
    strict: bool,
    force: bool,
) -> None:
    """Render posts, release and component pages, feed and sitemap; rewrite only changes.

    A post with broken front matter is reported (file:line) and skipped; the rest is built and
    the exit status is 1.
    """
    from digest.site import SiteOptions, build_site

    db = store.open_db(db_path) if db_path else ctx.open_db()
    if db_path is None:  # headings use the names sources.yaml gives now
        store.save_projects(db, ctx.config.projects)
    options = SiteOptions(posts_dir, out_dir, base_url=base_url, per_page=per_page, force=force)
    report = build_site(db, options)
    for problem in report.problems:
        click.echo(f"skipped: {problem}", err=True)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.line())
    if report.failed(strict=strict):
        raise SystemExit(1)


@site.command("serve")
@click.option(
    "--dir",
    "directory",
    default="var/site",
    show_default=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Built site to serve.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@pass_context
@reports_errors
def site_serve(ctx: Context, directory: Path, port: int) -> None:
    """Preview a built site on http://127.0.0.1:PORT/ (port 0 picks a free one); Ctrl-C stops."""
    from digest.site import make_server, url_of

    server = make_server(directory, port, verbose=True)
    click.echo(f"serving {directory} at {url_of(server)} (Ctrl-C to stop)")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()


@main.command()
@click.option("--project", "projects", multiple=True, help="Only this project (repeatable).")
@click.option("--component", "components", multiple=True, help="Component, any alias.")
@click.option("--severity", type=click.Choice(["High", "Medium", "Low"]))
@click.option("--kind", help="fix, feature, api, refactor, build, doc, test, log, ...")
@click.option("--release", help="Changes first released in this version.")
@click.option("--since-release", help="Changes released after this version (or unreleased).")
@click.option("--since", type=SINCE, help="Changes authored on or after this date (YYYY-MM[-DD]).")
@click.option("--until", type=UNTIL, help="Changes authored up to this date (YYYY-MM[-DD]).")
@click.option("--text", help="Full-text search in English and Japanese.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv", "markdown"]), default="table"
)
@pass_context
@reports_errors
def query(
    ctx: Context, projects: tuple[str, ...], components: tuple[str, ...], **opts: Any
) -> None:
    """Query changes by project, component, severity, kind, release, date and text."""
    from digest.query import plain_table, query_report, render_rows, rich_table

    fmt = opts.pop("fmt")
    wanted = store.ChangeFilter(projects=projects, **opts)
    report = query_report(ctx.config, ctx.open_db(), components, wanted)
    if fmt != "table":
        click.echo(render_rows(report.rows, fmt))
        click.echo(report.summary, err=True)
        return
    if report.rows and sys.stdout.isatty():
        from rich.console import Console

        Console().print(rich_table(report.rows))
    elif report.rows:
        click.echo(plain_table(report.rows))
    click.echo(report.summary)


@main.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write (default: metadata.yml beside the database).",
)
@pass_context
@reports_errors
def datasette(ctx: Context, out: Path | None) -> None:
    """Write datasette metadata for the store (views, facets, search, canned queries)."""
    from digest.export.datasette import prepare_datasette

    database = ctx.config.settings.database
    target, indexed = prepare_datasette(ctx.open_db(), database, out)
    click.echo(f"wrote {target} ({indexed} rows indexed); run: datasette {database} -m {target}")


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["perceval", "opensearch-bulk"]), required=True)
@click.option(
    "--category",
    type=click.Choice(["commit", "message", "release", "entry"]),
    default="commit",
    show_default=True,
)
@click.option("--project", "projects", multiple=True, help="Only this project (repeatable).")
@click.option("--list", "lists", multiple=True, help="Only this mailing list (messages).")
@click.option("--since", help="Only items dated on or after this ISO date (incremental).")
@click.option("--index", help="OpenSearch index name (opensearch-bulk).")
@click.argument("out", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@pass_context
@reports_errors
def export_command(
    ctx: Context,
    fmt: str,
    projects: tuple[str, ...],
    lists: tuple[str, ...],
    out: Path,
    **opts: Any,
) -> None:
    """Export items in Perceval's format (JSON lines) or as OpenSearch bulk NDJSON."""
    from digest.export import ExportRequest, export_to_file, write_export

    request = ExportRequest(fmt=fmt, projects=projects, lists=lists, **opts)
    db = ctx.open_db()
    if str(out) == "-":
        count = write_export(db, ctx.config, request, sys.stdout)
        click.echo(f"exported {count} {request.category} items", err=True)
        return
    count = export_to_file(db, ctx.config, request, out)
    click.echo(f"exported {count} {request.category} items to {out}")
