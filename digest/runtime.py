"""How one run behaves: a lock so two runs (e.g. overlapping cron jobs) never work on the same
state, and a status line on a terminal (stderr) but silence otherwise, so cron mails nothing."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from digest.errors import LockError

POLL = 0.1
Reporter = Callable[[str], None]


@contextlib.contextmanager
def run_lock(path: Path, *, wait: float = 5.0) -> Iterator[None]:
    """Hold an exclusive lock on path; wait up to `wait` seconds, then raise LockError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise LockError(
                        f"another digest run ({holder}) holds {path}; try again when it ends"
                    ) from None
                time.sleep(POLL)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


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
