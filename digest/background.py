"""Run a function in a forked child process while the caller goes on (machines have two cores).

The child shares the caller's memory as it was at the fork (nothing is pickled on the way in,
so large in-memory histories cost nothing to hand over); only the result travels back. It must
not touch the caller's database connection, and it does not: it only computes and runs git.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from digest.errors import DigestError

T = TypeVar("T")
EXIT_GRACE = 5.0  # seconds a child that has answered may take to exit before it is stopped


@contextlib.contextmanager
def in_background(
    fn: Callable[..., T], *args: Any, inline: bool = False, niceness: int = 0
) -> Iterator[Callable[[], T]]:
    """Start fn(*args) in a child process; the block gets a function that waits for its result.

    With inline=True (too little work to be worth a process) fn runs in this process when its
    result is asked for. A positive niceness lowers the child's priority, so that it only uses
    what the caller's own work leaves of the machine. Leaving the block early stops the child.
    """
    if inline:
        yield lambda: fn(*args)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run, args=(sender, fn, args, niceness), daemon=True)
    child.start()
    sender.close()
    asked = False

    def result() -> T:
        nonlocal asked
        asked = True
        return _result(receiver, fn)

    try:
        yield result
    finally:
        receiver.close()
        child.join(timeout=EXIT_GRACE if asked else 0)
        if child.is_alive():
            child.terminate()
            child.join()


def _run(sender: Connection, fn: Callable[..., Any], args: tuple[Any, ...], niceness: int) -> None:
    if niceness:
        os.nice(niceness)
    bug = None
    try:
        outcome: tuple[bool, Any] = (True, fn(*args))
    except DigestError as exc:
        outcome = (False, exc)
    except Exception as exc:  # a bug: the caller gets one line, stderr the traceback
        bug = traceback.format_exc()
        outcome = (False, DigestError(f"{fn.__name__} failed: {type(exc).__name__}: {exc}"))
    # Answer before writing anything: a thread of the parent (a progress display) may have
    # held the stderr lock at the fork, and the parent stops a child that has answered.
    sender.send(outcome)
    sender.close()
    if bug:
        sys.stderr.write(bug)


def _result(receiver: Connection, fn: Callable[..., T]) -> T:
    try:
        ok, value = receiver.recv()
    except EOFError:
        raise DigestError(f"the background process running {fn.__name__} died") from None
    if not ok:
        raise value
    return value
