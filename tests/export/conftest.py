"""A cluster-glue store (shadow repository, one mbox list, one translated month) for exports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from digest import store
from tests.helpers import FIXTURES_DIR, run_cli, shipped_config

MBOX = FIXTURES_DIR / "mail" / "linux-ha-dev-2011-11.mbox"


@dataclass(frozen=True)
class Glue:
    """Where the prepared store lives and what went into it."""

    config: Path
    db_path: Path
    repo: Path
    translated_month: str
    untranslated_month: str


@pytest.fixture(scope="session")
def glue(shadow_repos, tmp_path_factory) -> Glue:
    """cluster-glue fetched and classified, its newest release month translated (rules)."""
    repo = shadow_repos("cluster-glue")
    base = tmp_path_factory.mktemp("export")
    config = shipped_config(base, {"cluster-glue": repo})
    doc = yaml.safe_load(config.read_text(encoding="utf-8"))
    doc["lists"] = [{"id": "linux-ha-dev", "kind": "mbox", "url": str(MBOX)}]
    config.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    for args in (["fetch"], ["classify"]):
        result = run_cli(config, *args)
        assert result.exit_code == 0, result.output
    db = store.open_db(base / "digest.db")
    months = [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT substr(r.date, 1, 7) FROM releases r WHERE EXISTS (SELECT 1 FROM "
            "changelog_entries e WHERE e.project = r.project AND e.version = r.version) "
            "ORDER BY 1"
        )
    ]
    db.close()
    result = run_cli(config, "translate", "--month", months[-1])
    assert result.exit_code == 0, result.output
    return Glue(config, base / "digest.db", repo, months[-1], months[0])
