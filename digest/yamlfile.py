"""Reading the project's YAML files (sources.yaml and data/*.yaml) with errors that name them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from digest.errors import ConfigError


def read_yaml(file: Path, *, what: str = "") -> Any:
    """Parse a YAML file; a read or syntax error names the file (and line)."""
    label = f"cannot read {what}".rstrip()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: {label}: {exc.strerror or exc}") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{file}{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc


def read_mapping(file: Path) -> dict[str, Any]:
    """A YAML file whose top level must be a mapping."""
    data = read_yaml(file)
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: must be a mapping")
    return data
