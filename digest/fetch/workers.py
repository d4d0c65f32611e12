"""Work in forked child processes while the caller goes on (machines have two cores).

The child shares the caller's memory as it was at the fork (nothing is pickled on the way in,
so large in-memory histories cost nothing to hand over); only the result travels back. It must
not touch the caller's database connection, and it does not: it only computes and runs git.

Four shapes: `in_background` (one call), `Requests` (a child that takes requests while the
parent works, and stops if the parent dies), `Answering` (a child that answers each request in
turn while the parent goes on) and `in_two` (a list of work split in halves).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from digest.errors import DigestError

T = TypeVar("T")
R = TypeVar("R")
Q = TypeVar("Q")
EXIT_GRACE = 5.0  # seconds a child that has answered may take to exit before it is stopped
PARENT_CHECK = 0.2  # seconds between a waiting child's looks at whether its parent is alive


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
    outcome, bug = _outcome(fn, args)
    # Answer before writing anything: a thread of the parent (a progress display) may have
    # held the stderr lock at the fork, and the parent stops a child that has answered.
    sender.send(outcome)
    sender.close()
    if bug:
        sys.stderr.write(bug)


def _outcome(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[tuple[bool, Any], str]:
    """(True, fn(*args)) or (False, the error); and the traceback of a bug, to write after."""
    try:
        return (True, fn(*args)), ""
    except DigestError as exc:
        return (False, exc), ""
    except Exception as exc:  # a bug: the caller gets one line, stderr the traceback
        error = DigestError(f"{fn.__name__} failed: {type(exc).__name__}: {exc}")
        return (False, error), traceback.format_exc()


def _result(receiver: Connection, fn: Callable[..., T]) -> T:
    try:
        ok, value = receiver.recv()
    except EOFError:
        raise DigestError(f"the background process running {fn.__name__} died") from None
    if not ok:
        raise value
    return value


class Requests(Generic[Q]):
    """The child's side of a request channel: batches of requests until the parent is done.

    While waiting, the child looks every PARENT_CHECK seconds whether its parent is still there;
    if it was killed, the child stops instead of waiting forever.
    """

    def __init__(self, receiver: Connection, parent: int) -> None:
        self._receiver = receiver
        self._parent = parent  # the pid the child's parent must keep

    def __iter__(self) -> Iterator[list[Q]]:
        while True:
            batch = self._next_batch()
            done = None in batch
            yield [request for request in batch if request is not None]
            if done:
                return

    def _next_batch(self) -> list[Q | None]:
        """The next request (waiting for it, but not for a dead parent), then all others sent."""
        while not self._receiver.poll(PARENT_CHECK):
            if os.getppid() != self._parent:  # killed: stop, and let go of what the fork holds
                raise DigestError("the process that sent the requests is gone")
        batch = [self._receiver.recv()]
        while batch[-1] is not None and self._receiver.poll():
            batch.append(self._receiver.recv())
        return batch


class Serving(Generic[Q, R]):
    """A child running fn(*args, requests) at low priority; the parent sends, then asks."""

    def __init__(self, fn: Callable[..., R], *args: Any, inline: bool = False) -> None:
        self._fn, self._args, self._inline = fn, args, inline
        self._stack = contextlib.ExitStack()
        self._sender: Connection | None = None
        self._result: Callable[[], R] | None = None

    def __enter__(self) -> Serving[Q, R]:
        receiver, self._sender = multiprocessing.Pipe(duplex=False)
        self._stack.enter_context(receiver)
        self._stack.enter_context(self._sender)
        parent = os.getppid() if self._inline else os.getpid()
        requests = Requests(receiver, parent)
        started = in_background(self._fn, *self._args, requests, inline=self._inline, niceness=19)
        self._result = self._stack.enter_context(started)
        return self

    def send(self, request: Q) -> None:
        """Queue one request for the child."""
        assert self._sender is not None
        self._sender.send(request)

    def result(self) -> R:
        """Tell the child no more requests come, and wait for its result."""
        assert self._sender is not None and self._result is not None
        self._sender.send(None)
        return self._result()

    def __exit__(self, *exc: object) -> None:
        self._stack.close()


class Answering(Generic[R]):
    """A child answering each request with fn(*request), in the order asked, for a whole block.

    The child is forked when the block starts (while this process is still small) and keeps
    what it learns (caches) from one request to the next. A thread of the child takes every
    request as it comes, so asking never waits for the child's work and neither side can block
    the other. A child that fails or dies is an error here; a child whose parent dies stops.
    """

    def __init__(self, fn: Callable[..., R]) -> None:
        self._fn = fn

    def __enter__(self) -> Answering[R]:
        context = multiprocessing.get_context("fork")
        requests, self._asking = context.Pipe(duplex=False)
        self._answers, answering = context.Pipe(duplex=False)
        mine = (self._asking, self._answers)
        self._child = context.Process(
            target=_answer, args=(self._fn, requests, answering, mine), daemon=True
        )
        self._child.start()
        requests.close()
        answering.close()
        return self

    def ask(self, *request: Any) -> None:
        """Send one request."""
        self._asking.send(request)

    def ready(self) -> bool:
        """Whether the next answer is arriving."""
        return self._answers.poll()

    def answer(self) -> R:
        """The answer to the oldest request not answered yet (waiting for it)."""
        while not self._answers.poll(PARENT_CHECK):
            if not self._child.is_alive():
                break
        try:
            ok, value = self._answers.recv()
        except EOFError:
            raise DigestError(f"the background process running {self._fn.__name__} died") from None
        if not ok:
            raise value
        return value

    def __exit__(self, *exc: object) -> None:
        self._answers.close()  # a child still answering gets an error rather than waiting
        with contextlib.suppress(OSError):
            self._asking.send(None)
        self._asking.close()
        self._child.join(timeout=EXIT_GRACE)
        if self._child.is_alive():
            self._child.terminate()
            self._child.join()


def _answer(
    fn: Callable[..., Any],
    requests: Connection,
    answers: Connection,
    parents: tuple[Connection, ...],
) -> None:
    for end in parents:  # the parent's ends came with the fork: only the parent may hold them
        end.close()
    waiting: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
    threading.Thread(target=_take_requests, args=(requests, waiting), daemon=True).start()
    while (request := waiting.get()) is not None:
        outcome, bug = _outcome(fn, request)
        try:
            answers.send(outcome)
        except OSError:  # the parent stopped listening
            return
        if bug:
            sys.stderr.write(bug)


def _take_requests(requests: Connection, waiting: queue.SimpleQueue[Any]) -> None:
    """Move each request into `waiting` as it arrives; None when the parent is done or gone."""
    while True:
        try:
            request = requests.recv()
        except (EOFError, OSError):
            request = None
        waiting.put(request)
        if request is None:
            return


@contextlib.contextmanager
def in_two(fn: Callable[[list[T]], R], items: list[T]) -> Iterator[Iterator[R]]:
    """fn over alternate halves of items, one half in a forked child, the other here.

    The block iterates the results: this process's half first (computed when asked for, while
    the child works on the other), then the child's. Alternate items keep both halves alike.
    """
    mine, theirs = items[::2], items[1::2]
    with in_background(fn, theirs, inline=not theirs) as child:
        yield _call_each((lambda: fn(mine), child))


def _call_each(calls: tuple[Callable[[], R], ...]) -> Iterator[R]:
    for call in calls:
        yield call()
