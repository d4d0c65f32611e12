"""Thin click front end: parse options, call one library function, print a summary."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import click

from digest import ingest, store
from digest.config import Config, load_config
from digest.errors import DigestError

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
    """Fetch git history, releases and ChangeLogs of the configured upstreams."""
    db = ctx.open_db()
    show_progress = sys.stderr.isatty()
    summary = ingest.fetch(
        ctx.config, db, projects=list(projects), sources=list(sources), progress=show_progress
    )
    for failure in summary.failures:
        click.echo(f"warning: {failure}", err=True)
    click.echo(summary.line())
    if summary.failures:
        sys.exit(1)


@main.command()
@click.option("--project", "projects", multiple=True, help="Only this project (repeatable).")
@click.option("--since", help="Only releases on or after this date (YYYY-MM-DD).")
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
