"""Lists and feeds run four at a time; the store is written from one thread, in source order."""

from __future__ import annotations

import threading
import time

from digest import store
from digest.fetch.concurrent import STORE, on_main_thread, run_concurrently


def test_jobs_run_at_most_four_at_a_time_and_store_calls_run_on_the_caller(tmp_path):
    db = store.open_db(tmp_path / "digest.db")
    owner = threading.get_ident()
    running, peak, lock = [0], [0], threading.Lock()
    threads: list[int] = []

    @on_main_thread
    def record(n: int) -> None:
        threads.append(threading.get_ident())
        STORE.set_state(db, f"feed:{n}", cursor={"n": n})

    def job(n: int):
        def run() -> int:
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05)  # a request in flight
            with lock:
                running[0] -= 1
            record(n)
            return n

        return run

    assert run_concurrently([job(n) for n in range(10)]) == list(range(10))
    assert peak[0] == 4
    assert set(threads) == {owner}
    assert [store.get_state(db, f"feed:{n}")["cursor"] for n in range(10)] == [
        {"n": n} for n in range(10)
    ]


def test_writes_happen_in_job_order_whatever_finishes_first(tmp_path):
    db = store.open_db(tmp_path / "digest.db")
    order: list[int] = []

    def job(n: int):
        def run() -> None:
            time.sleep(0.02 * (5 - n))  # the last job's answer arrives first
            STORE.save_project(db, f"p{n}", f"P{n}", "https://example.org", "x/{sha}")
            order.append(n)

        return run

    run_concurrently([job(n) for n in range(5)])
    assert order == [0, 1, 2, 3, 4]
    assert [r[0] for r in db.execute("SELECT id FROM projects ORDER BY rowid")] == [
        "p0",
        "p1",
        "p2",
        "p3",
        "p4",
    ]


def test_an_exception_in_a_store_call_reaches_its_job():
    def job() -> str:
        try:
            STORE.get_state(None, "x")
        except AttributeError:
            return "raised in the job"
        return "no error"

    assert run_concurrently([job]) == ["raised in the job"]
