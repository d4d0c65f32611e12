"""in_background: real forked children, their results, their failures and their priority."""

from __future__ import annotations

import os
import signal
import time

import pytest

from digest.errors import DigestError, FetchError
from digest.fetch.workers import Answering, in_background


def child_pid(big: list[int]) -> tuple[int, int]:
    """The child's pid and the size of what it inherited."""
    return os.getpid(), len(big)


def raise_fetch_error() -> None:
    """Fail the way a source fails."""
    raise FetchError("source 'x': git log failed")


def raise_bug() -> None:
    """Fail the way a bug fails."""
    raise KeyError("missing")


def die() -> None:
    """Vanish without a word (as a killed process does)."""
    os.kill(os.getpid(), signal.SIGKILL)


def own_niceness() -> int:
    """This process's niceness."""
    return os.nice(0)


def test_result_comes_from_a_child_that_shares_memory() -> None:
    big = list(range(1_000_000))
    with in_background(child_pid, big) as result:
        pid, size = result()
    assert pid != os.getpid()
    assert size == 1_000_000


def test_inline_runs_here() -> None:
    with in_background(child_pid, [1], inline=True) as result:
        assert result() == (os.getpid(), 1)


def test_digest_errors_reach_the_caller_unchanged() -> None:
    with in_background(raise_fetch_error) as result, pytest.raises(FetchError, match="git log"):
        result()


def test_a_bug_in_the_child_is_one_readable_error(capfd: pytest.CaptureFixture[str]) -> None:
    with in_background(raise_bug) as result, pytest.raises(DigestError) as caught:
        result()
    assert str(caught.value) == "raise_bug failed: KeyError: 'missing'"
    assert "Traceback" in capfd.readouterr().err


def test_a_dead_child_is_reported() -> None:
    with in_background(die) as result, pytest.raises(DigestError, match="die died"):
        result()


def test_niceness_lowers_only_the_child() -> None:
    mine = os.nice(0)
    with in_background(own_niceness, niceness=5) as result:
        assert result() == min(mine + 5, 19)
    assert os.nice(0) == mine


def test_leaving_early_stops_the_child() -> None:
    start = time.monotonic()
    with pytest.raises(RuntimeError), in_background(time.sleep, 60):
        raise RuntimeError("the caller failed")
    assert time.monotonic() - start < 10


# -- Answering: a child answering a stream of requests ----------------------------------------

_SEEN: list[str] = []


def remember(word: str) -> tuple[int, int]:
    """The child's pid and how many requests it has answered so far (its memory lasts)."""
    _SEEN.append(word)
    return os.getpid(), len(_SEEN)


def fail_on(word: str) -> str:
    """Fail on 'bug' and 'error' the two ways a function fails; else echo a large answer."""
    if word == "bug":
        raise KeyError(word)
    if word == "error":
        raise FetchError("source 'x': unreadable")
    return word * 3


def test_answers_come_in_order_from_one_child_that_keeps_its_memory() -> None:
    with Answering(remember) as child:
        for word in ("a", "b", "c"):
            child.ask(word)
        answers = [child.answer() for _ in range(3)]
    assert [n for _, n in answers] == [1, 2, 3]
    assert {pid for pid, _ in answers} != {os.getpid()} and len({p for p, _ in answers}) == 1
    assert _SEEN == []  # the parent's memory is untouched


def test_large_requests_and_answers_never_block_either_side() -> None:
    words = [letter * 300_000 for letter in "xyzw"]  # each larger than a pipe's buffer
    with Answering(fail_on) as child:
        for word in words:  # all asked before any answer is read
            child.ask(word)
        assert [child.answer() for _ in words] == [word * 3 for word in words]


def test_failures_in_the_answering_child_reach_the_caller(capfd: pytest.CaptureFixture[str]):
    with Answering(fail_on) as child:
        child.ask("error")
        child.ask("bug")
        with pytest.raises(FetchError, match="unreadable"):
            child.answer()
        with pytest.raises(DigestError, match="fail_on failed: KeyError: 'bug'"):
            child.answer()
    assert "Traceback" in capfd.readouterr().err


def test_a_dead_answering_child_is_reported() -> None:
    with Answering(die) as child, pytest.raises(DigestError, match="die died"):
        child.ask()
        child.answer()


def test_leaving_early_stops_the_answering_child() -> None:
    start = time.monotonic()
    with pytest.raises(RuntimeError), Answering(time.sleep) as child:
        child.ask(60)
        raise RuntimeError("the caller failed")
    assert time.monotonic() - start < 10
