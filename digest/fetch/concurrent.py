"""Network-bound jobs on a few threads; every store call still runs on the calling thread.

SQLite writes stay on one thread and one connection: a worker that calls `store.fn(...)`
through `STORE` hands the call to the thread that started the jobs and waits for its result.
Outside `MainThread.run`, `STORE.fn(...)` is simply `store.fn(...)`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial, wraps
from typing import Any, TypeVar

from digest import store

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
MAX_WORKERS = 4


class MainThread:
    """The thread that owns the database; workers hand it their store calls.

    Reads are served as they come; writes are served in job order (job k writes only after
    jobs 0..k-1 finished), so what is stored does not depend on which server answered first.
    """

    def __init__(self) -> None:
        self._owner = threading.get_ident()
        self._calls: queue.Queue[_Call] = queue.Queue()
        self._local = threading.local()

    def call(self, func: Callable[..., T], *args: Any, write: bool = False, **kwargs: Any) -> T:
        """Run func on the owning thread (now, if this is it) and return its result."""
        if threading.get_ident() == self._owner:
            return func(*args, **kwargs)
        done: Future[T] = Future()
        job = getattr(self._local, "job", 0)
        self._calls.put(_Call(job, write, partial(func, *args, **kwargs), done))
        return done.result()

    def run(self, jobs: list[Callable[[], T]], workers: int = MAX_WORKERS) -> list[T]:
        """Run the jobs, at most `workers` at a time, serving their store calls meanwhile."""
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(self._numbered, i, job) for i, job in enumerate(jobs)]
            self._serve(futures)
        return [f.result() for f in futures]

    def _numbered(self, index: int, job: Callable[[], T]) -> T:
        self._local.job = index
        return job()

    def _serve(self, futures: list[Future[Any]]) -> None:
        turn, parked = 0, dict[int, list[_Call]]()
        while True:
            while turn < len(futures) and futures[turn].done():
                turn += 1
            for waiting in parked.pop(turn, []):
                waiting.execute()
            if turn == len(futures):
                return
            try:
                call = self._calls.get(timeout=0.02)
            except queue.Empty:
                continue
            if call.write and call.job > turn:
                parked.setdefault(call.job, []).append(call)
            else:
                call.execute()


class _Call:
    """A store call a worker handed over, and where its result goes."""

    def __init__(self, job: int, write: bool, func: Callable[[], Any], done: Future[Any]) -> None:
        self.job, self.write, self.func, self.done = job, write, func, done

    def execute(self) -> None:
        """Run the call and hand over its result (or its exception) to the waiting worker."""
        try:
            self.done.set_result(self.func())
        except BaseException as exc:
            self.done.set_exception(exc)


_WRITES = ("save_", "set_", "link_", "relink_", "mark_")


class _Store:
    """`store` whose functions run on the owning thread while jobs run."""

    main: MainThread | None = None

    def __getattr__(self, name: str) -> Any:
        func = getattr(store, name)
        main = self.main
        if main is None or not callable(func):
            return func
        return partial(main.call, func, write=name.startswith(_WRITES))


STORE: Any = _Store()


def on_main_thread(func: F) -> F:
    """Decorate a function that uses the database directly: it runs on the owning thread."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        main = STORE.main
        return main.call(func, *args, write=True, **kwargs) if main else func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def run_concurrently(jobs: list[Callable[[], T]], workers: int = MAX_WORKERS) -> list[T]:
    """Run jobs on up to `workers` threads; their STORE calls run on this thread."""
    main = MainThread()
    STORE.main = main
    try:
        return main.run(jobs, workers)
    finally:
        STORE.main = None
