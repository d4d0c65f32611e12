"""Where data/ and templates/ are: inside the installed package, or at the top of a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """digest/<name> when installed from a wheel, else <checkout>/<name> (editable install)."""
    installed = _PACKAGE / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


DATA_DIR = resource_dir("data")
TEMPLATES_DIR = resource_dir("templates")
