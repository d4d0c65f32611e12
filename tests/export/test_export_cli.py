"""`digest export --format opensearch-bulk` and the export command's errors."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from digest.export.opensearch import MAPPING
from tests.helpers import run_cli


def bulk(glue, tmp_path: Path, *args: str) -> list[dict[str, Any]]:
    out = tmp_path / "bulk.ndjson"
    result = run_cli(glue.config, "export", "--format", "opensearch-bulk", *args, str(out))
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _leaves(mapping: dict[str, Any], prefix: str = "") -> dict[str, dict[str, Any]]:
    """Dotted path -> field mapping for every leaf field of an index mapping."""
    found: dict[str, dict[str, Any]] = {}
    for name, field in mapping["properties"].items():
        path = f"{prefix}{name}"
        if "properties" in field:
            found |= _leaves(field, f"{path}.")
        else:
            found[path] = field
    return found


def _values(doc: Any, path: list[str]) -> list[Any]:
    """Every value at a dotted path (lists of objects are walked)."""
    if isinstance(doc, list):
        return [v for item in doc for v in _values(item, path)]
    if not path:
        return doc if isinstance(doc, list) else [doc]
    if not isinstance(doc, dict) or path[0] not in doc:
        return []
    return _values(doc[path[0]], path[1:])


def _fits(value: Any, field: dict[str, Any]) -> bool:
    if value is None:
        return True
    kind, fmt = field["type"], field.get("format")
    if kind == "date" and fmt == "epoch_second":
        return isinstance(value, int | float)
    if kind == "date":
        return isinstance(value, str) and bool(datetime.fromisoformat(value))
    if kind == "boolean":
        return isinstance(value, bool)
    return isinstance(value, str)


@pytest.mark.parametrize("category", ["commit", "message", "release", "entry"])
def test_bulk_actions_pair_each_item_with_its_uuid(glue, tmp_path, category):
    lines = bulk(glue, tmp_path, "--index", "digest-raw", "--category", category)
    actions, docs = lines[0::2], lines[1::2]
    assert len(actions) == len(docs) > 0
    assert all(
        a == {"index": {"_index": "digest-raw", "_id": d["uuid"]}}
        for a, d in zip(actions, docs, strict=True)
    )
    assert len({d["uuid"] for d in docs}) == len(docs)
    assert {d["category"] for d in docs} == {category}


def test_documents_fit_the_documented_mapping(glue, tmp_path):
    docs = [
        doc
        for category in ("commit", "message", "release", "entry")
        for doc in bulk(glue, tmp_path, "--index", "x", "--category", category)[1::2]
    ]
    misfits = [
        (path, value)
        for path, field in _leaves(MAPPING).items()
        for doc in docs
        for value in _values(doc, path.split("."))
        if not _fits(value, field)
    ]
    assert misfits == []
    used = {path for path in _leaves(MAPPING) if any(_values(d, path.split(".")) for d in docs)}
    assert {"updated_on", "data.AuthorDate", "data.digest.commit_date", "data.digest.date"} <= used


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "perceval", "--since", "last tuesday"], "--since 'last tuesday'"),
        (["--format", "opensearch-bulk"], "needs --index"),
        (["--format", "perceval", "--project", "nope"], "no project 'nope'"),
        (["--format", "perceval", "--category", "message", "--project", "x"], "--list"),
    ],
)
def test_bad_requests_are_one_error_line_and_write_nothing(glue, tmp_path, args, message):
    out = tmp_path / "out.jsonl"
    result = run_cli(glue.config, "export", *args, str(out))
    assert result.exit_code == 1
    assert result.output.startswith("Error: export: ") and message in result.output
    assert result.output.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_export_to_stdout_streams_json_lines(glue):
    result = run_cli(glue.config, "export", "--format", "perceval", "--category", "release", "-")
    assert result.exit_code == 0, result.output
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert items and all(i["category"] == "release" for i in items)
    assert f"exported {len(items)} release items" in result.stderr


def test_unwritable_outputs_are_one_error_line(glue, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    result = run_cli(glue.config, "export", "--format", "perceval", str(blocker / "out.jsonl"))
    assert result.exit_code == 1 and result.output.startswith("Error: export: ")
    assert result.output.count("\n") == 1
    result = run_cli(glue.config, "datasette", "--out", str(blocker / "metadata.yml"))
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    assert result.output.count("\n") == 1
    assert list(tmp_path.iterdir()) == [blocker]


def test_datasette_metadata_is_plain_yaml_beside_the_database(glue):
    result = run_cli(glue.config, "datasette")
    assert result.exit_code == 0, result.output
    meta = glue.db_path.parent / "metadata.yml"
    text = meta.read_text(encoding="utf-8")
    assert "&id" not in text and "*id" not in text  # no YAML anchors: easy to edit by hand
    tables = yaml.safe_load(text)["databases"][glue.db_path.stem]["tables"]
    assert tables["changes"]["facets"] == tables["changelog"]["facets"]
    assert f"datasette {glue.db_path} -m {meta}" in result.output
