"""Shipped resources: where data/ and templates/ are; YAML read with errors naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from digest.errors import ConfigError

_PACKAGE = Path(__file__).resolve().parent
# libyaml's loader when PyYAML was built with it (ten times faster on the taxonomy)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def resource_dir(name: str) -> Path:
    """digest/<name> when installed from a wheel, else <checkout>/<name> (editable install)."""
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


DATA_DIR = resource_dir("data")
TEMPLATES_DIR = resource_dir("templates")


def read_yaml(file: Path, *, what: str = "") -> Any:
    """Parse a YAML file; a read or syntax error names the file (and line)."""
    label = f"cannot read {what}".rstrip()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: {label}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{file}: {label}: not UTF-8 (byte {exc.start}: {exc.reason})") from exc
    try:
        return yaml.load(text, Loader=_LOADER)
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
