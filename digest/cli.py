"""Thin click front end: parse options, call one library function, print a summary."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from digest import store
from digest.config import Config, load_config
from digest.errors import DigestError
from digest.lock import run_lock
from digest.params import MONTH, SINCE, UNTIL

F = TypeVar("F", bound=Callable[..., Any])


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
    """Turn DigestError into `Error: ...` with exit status 1 (traceback only with --debug)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DigestError as exc:
            if click.get_current_context().find_object(Context).debug:
                raise
            raise click.ClickException(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


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
    """Fetch git history, releases, ChangeLogs, mailing lists and feeds of the upstreams."""
    from digest.fetch import fetch as fetch_all

    db = ctx.open_db()
    show_progress = sys.stderr.isatty()
    settings = ctx.config.settings
    with run_lock(settings.lock_path, wait=settings.lock_wait):
        summary = fetch_all(
            ctx.config, db, projects=list(projects), sources=list(sources), progress=show_progress
        )
    for problem in [*summary.warnings, *summary.failures]:
        click.echo(f"warning: {problem}", err=True)
    click.echo(summary.line())
    if summary.failures:
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
    db = ctx.open_db()
    rows = store.query_releases(db, projects=list(projects), since=since, version=version)
    if entries:
        for row in rows:
            row["changelog"] = store.changelog_entries(db, row["project"], row["version"])
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        linked = f"{row['linked']}/{row['entries']} linked" if row["entries"] else "no ChangeLog"
        rc = " (rc)" if row["is_rc"] else ""
        prev = f" after {row['previous_version']}" if row["previous_version"] else ""
        click.echo(
            f"{row['project']:<14} {row['version']:<14} {row['date'][:10]}  "
            f"{row['commit_sha'][:10]}{rc}{prev}  {linked}"
        )
        for entry in row.get("changelog", []):
            sha = (entry["commit_sha"] or "-")[:10]
            click.echo(
                f"    {entry['position']:>3} {entry['severity'] or '-':<7} {sha:<10} "
                f"{entry['match_method'] or 'unmatched':<10} {entry['text']}"
            )
    click.echo(f"{len(rows)} releases")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
@reports_errors
def stats(ctx: Context, fmt: str) -> None:
    """Per project: commits, releases, ChangeLog entries and their link rate."""
    rows = store.project_stats(ctx.open_db())
    for row in rows:
        row["link_rate"] = round(row["linked"] / row["entries"], 4) if row["entries"] else None
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'project':<14} {'commits':>8} {'dups':>6} {'releases':>8} {'entries':>8} link")
    for row in rows:
        rate = f"{row['link_rate']:.1%}" if row["link_rate"] is not None else "-"
        click.echo(
            f"{row['project']:<14} {row['commits']:>8} {row['duplicates']:>6} "
            f"{row['releases']:>8} {row['entries']:>8} {rate}"
        )


# -- translation -----------------------------------------------------------------------------


@main.command()
@click.option("--month", type=MONTH, help="Fill the TM for releases dated in this month.")
@click.option("--text", "line", help="Translate one line and print the Japanese.")
@click.option(
    "--input",
    "input_file",
    type=click.File("r", encoding="utf-8"),
    help="Translate one line per input line; print JSON lines (- for stdin).",
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
        lines = [text.rstrip("\n") for text in input_file]
        for result in pipeline.translate(lines):
            click.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        results = pipeline.translate(store.month_lines(pipeline.db, month))
        click.echo(f"translated {len(results)} lines for {month}: {pipeline.summary()}")
    _report_llm_failures(pipeline.engine)


def _report_llm_failures(engine: Any) -> None:
    for failure in getattr(engine, "failures", []):
        click.echo(f"warning: {failure} (fell back to rules)", err=True)


@main.group()
def tm() -> None:
    """Manage the translation memory (import, learn, export, stats)."""


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


@tm.command("learn")
@click.argument("draft", type=click.Path(dir_okay=False, path_type=Path))
@pass_context
@reports_errors
def tm_learn(ctx: Context, draft: Path) -> None:
    """Take an editor's corrections from an edited draft into the TM (human, approved)."""
    from digest.config import translate_settings
    from digest.translate import manage

    lang = translate_settings(ctx.config).lang
    click.echo(manage.learn_draft(ctx.open_db(), draft, lang).line(str(draft)))


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
    rows = store.translation_stats(ctx.open_db())
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['lang']:<4} {row['origin']:<7} {row['state']:<13} {row['count']:>7}")
    click.echo(f"{sum(r['count'] for r in rows)} translations")


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
    db = ctx.open_db()
    rows = store.query_messages(
        db, lists=list(lists), since=since, until=until, announcements=announcements
    )
    for row in rows:
        if row["project"]:
            row["items"] = store.announcement_items(db, row["message_id"])
    if fmt == "json":
        click.echo(json.dumps([_message_json(row) for row in rows], ensure_ascii=False, indent=2))
        return
    for row in rows:
        release = f"  [{row['project']} {row['version']}]" if row["project"] else ""
        sender = row["sender"].split(" <", 1)[0][:22]
        click.echo(f"{row['date'][:10]}  {row['list']:<12} {sender:<22} {row['subject']}{release}")
    shown = sum(1 for row in rows if row["project"])
    click.echo(f"{len(rows)} messages, {shown} announcements")


def _message_json(row: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape of one message: ids, where and when, and for announcements the release."""
    data = {
        "message_id": row["message_id"],
        "list": row["list"],
        "date": row["date"],
        "sender": row["sender"],
        "subject": row["subject"],
        "url": row["url"],
        "thread": row["thread"],
    }
    if row["project"]:
        data.update(project=row["project"], version=row["version"], items=row["items"])
    return data


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
    for project in projects:
        ctx.config.project(project)
    db = ctx.open_db()
    if subject is not None:
        _explain(ctx, db, subject, projects[0] if projects else None)
        return
    from digest import classify as classifier

    settings = ctx.config.settings
    with run_lock(settings.lock_path, wait=settings.lock_wait):
        summary = classifier.classify_store(db, list(projects), full=full)
    click.echo(summary.line())


def _explain(ctx: Context, db: Any, subject: str, project: str | None) -> None:
    """Print the classification of a stored commit, or of a text given on the command line."""
    matches = store.find_commits(db, subject, project) if _SHA.fullmatch(subject) else []
    if len(matches) > 1:
        names = ", ".join(f"{m['project']}:{m['sha'][:12]}" for m in matches)
        raise DigestError(f"commit '{subject}' is ambiguous: {names}")
    if matches:
        row = matches[0]
        text = f"{row['subject']}\n\n{row['body']}" if row["body"] else row["subject"]
        project, date, paths = row["project"], row["author_date"], row["paths"]
        click.echo(f"commit {project}:{row['sha']} ({date[:10]})  {row['subject']}")
    else:
        project = project or ctx.config.projects[0].id
        text, date, paths = subject, None, []
        if _SHA.fullmatch(subject):
            click.echo(f"no stored commit starts with {subject}; reading it as text", err=True)
        click.echo(f"text ({project}): {subject}")
    from digest import classify as classifier

    repo = classifier.repo_url_from_commit_url(ctx.config.project(project).commit_url)
    for line in classifier.explain(project, text, paths, date=date, repo_url=repo):
        click.echo(line)


_SHA = re.compile(r"[0-9a-fA-F]{7,40}")


@main.command()
@click.option("--project", help="Count only this project's changes.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@pass_context
@reports_errors
def components(ctx: Context, project: str | None, fmt: str) -> None:
    """List the component taxonomy with how many stored changes carry each component."""
    if project:
        ctx.config.project(project)
    from digest import classify as classifier

    counts = store.component_counts(ctx.open_db(), project)
    rows = classifier.taxonomy_rows(counts)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'component':<16} {'core':<4} {'commits':>8} {'entries':>8}  title")
    for row in rows:
        core = "*" if row["core"] else ""
        click.echo(
            f"{row['name']:<16} {core:<4} {row['commits']:>8} {row['entries']:>8}  {row['title']}"
        )
    tagged = sum(row["commits_first"] for row in rows if row["name"] != "other")
    click.echo(f"{len(rows) - 1} components; {tagged} commits tagged, {rows[-1]['commits']} other")


def _month_option(required: bool) -> Callable[[F], F]:
    help_text = "Month covered, YYYY-MM" + ("." if required else " (default: the previous month).")
    return click.option("--month", type=MONTH, required=required, help=help_text)


@main.command()
@_month_option(required=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path))
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
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path))
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
) -> None:
    """Render posts, release and component pages, feed and sitemap; rewrite only changes.

    A post with broken front matter is reported (file:line) and skipped; the rest is built and
    the exit status is 1.
    """
    from digest.site import SiteOptions, build_site

    db = store.open_db(db_path) if db_path else ctx.open_db()
    options = SiteOptions(posts_dir, out_dir, base_url=base_url, per_page=per_page)
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
    from digest.query import plain_table, render_rows, resolve_components, run_query

    fmt = opts.pop("fmt")
    wanted = store.ChangeFilter(
        projects=projects, components=resolve_components(list(components)), **opts
    )
    rows = run_query(ctx.open_db(), wanted)
    if fmt != "table":
        click.echo(render_rows(rows, fmt))
    elif sys.stdout.isatty():
        _rich_table(rows)
    else:
        click.echo(plain_table(rows))


def _rich_table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for name in ("date", "project", "release", "components", "sev", "change"):
        table.add_column(name)
    for row in rows:
        change = row["english"] + (f"\n{row['japanese']}" if row["japanese"] else "")
        table.add_row(
            row["date"],
            row["project"],
            row["release"] or "-",
            ",".join(row["components"] or []),
            row["severity"] or "-",
            change,
        )
    Console().print(table)
