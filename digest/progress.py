"""A status line on a terminal (stderr), silence otherwise: cron mails nothing."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

Reporter = Callable[[str], None]


@contextlib.contextmanager
def progress(enabled: bool | None = None) -> Iterator[Reporter]:
    """Yield a reporter that updates one status line; a no-op when stderr is not a terminal."""
    if not (sys.stderr.isatty() if enabled is None else enabled):
        yield lambda message: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("working") as status:
        yield lambda message: status.update(message)
