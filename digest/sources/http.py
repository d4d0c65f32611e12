"""The HTTP layer of every network fetcher: one httpx client per run, with retries and caps."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx

from digest.errors import FetchError

DEFAULT_TIMEOUT = 30.0  # seconds per connect/read
DEFAULT_DEADLINE = 300.0  # seconds for a whole request: retries, waits and every byte
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 1.0
MAX_RETRY_WAIT = 60.0
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# A refused connection or an unknown host will not heal in seconds: one more try, soon.
CONNECT_ATTEMPTS = 2
CONNECT_DELAY = 0.5


class HttpError(FetchError):
    """An HTTP request failed; `status` is the final status code (None for transport errors)."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


@dataclass(frozen=True)
class Validators:
    """What a server said about a resource, to ask for it conditionally next time."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        """If-None-Match / If-Modified-Since headers for a conditional GET."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class Response:
    """A fetched body (status 200) or a 304 that says the stored copy is current."""

    url: str
    status: int
    content: bytes
    validators: Validators

    @property
    def not_modified(self) -> bool:
        """True when the server answered 304 Not Modified."""
        return self.status == 304


@dataclass
class Traffic:
    """Counters of what a client did, for summaries and for tests."""

    requests: int = 0
    conditional: int = 0
    not_modified: int = 0
    retries: int = 0
    bytes: int = 0


class RedirectRefused(HttpError):
    """A redirect the caller did not allow (another host, or not http(s))."""


class HttpClient:
    """One httpx client for a whole run: timeouts, User-Agent, retries, size cap, validators.

    Every `get` has an overall deadline (retries, waits and every byte included): a watchdog
    shuts the client's sockets down when it passes, so a server that trickles or stalls
    cannot hold a fetch. Waits a server asks for (Retry-After) are capped and noted in
    `notes` for the summary. Lists and feeds share one client from several threads: each
    thread's request keeps its own redirect rule, deadline and sockets.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        max_retry_wait: float = MAX_RETRY_WAIT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        deadline: float = DEFAULT_DEADLINE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.deadline = deadline
        self.traffic = Traffic()
        self.notes: list[str] = []  # capped Retry-After waits, for the fetch summary
        self._sleep = sleep
        self._local = threading.local()  # the request in flight on each thread
        self._client = httpx.Client(
            headers={"User-Agent": user_agent},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            event_hooks={"response": [self._check_redirect]},
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def get(
        self,
        url: str,
        *,
        label: str,
        validators: Validators | None = None,
        params: dict[str, str] | None = None,
        redirect_hosts: Collection[str] | None = None,
    ) -> Response:
        """GET a URL, conditionally when validators are given; `label` names the source.

        With `redirect_hosts`, a redirect may only lead to the URL's own host or one of those.
        """
        headers = validators.headers() if validators else {}
        request = _InFlight(url, label, redirect_hosts)
        self._local.request = request
        watchdog = threading.Timer(self.deadline, self._cut_off, args=(request,))
        watchdog.daemon = True
        watchdog.start()
        try:
            return self._get(url, label, headers, params, time.monotonic() + self.deadline)
        finally:
            watchdog.cancel()

    def _get(
        self,
        url: str,
        label: str,
        headers: dict[str, str],
        params: dict[str, str] | None,
        end: float,
    ) -> Response:
        attempt = 0
        while True:
            try:
                return self._attempt(url, label, headers, params, end)
            except _Retry as retry:
                limit = min(self.retries, CONNECT_ATTEMPTS - 1) if retry.connect else self.retries
                if attempt >= limit:
                    raise retry.error from None
                wait = self._wait(attempt, retry.after)
                if retry.connect:
                    wait = min(CONNECT_DELAY, wait)
                if time.monotonic() + wait >= end:
                    asked = f"; Retry-After {retry.after:g} s" if retry.after is not None else ""
                    detail = f" (a retry would wait {wait:g} s{asked})"
                    raise self._late(label, url, detail) from None
                if retry.after is not None and wait < retry.after:
                    self.notes.append(_retry_note(label, url, retry.after, wait))
                self._sleep(wait)
                self.traffic.retries += 1
                attempt += 1

    def _attempt(
        self,
        url: str,
        label: str,
        headers: dict[str, str],
        params: dict[str, str] | None,
        end: float,
    ) -> Response:
        remaining = end - time.monotonic()
        if remaining <= 0 or self._local.request.cut.is_set():
            raise self._late(label, url)
        self.traffic.requests += 1
        if headers:
            self.traffic.conditional += 1
        try:
            with self._client.stream(
                "GET",
                url,
                headers=headers,
                params=params,
                timeout=httpx.Timeout(min(self.timeout, remaining)),
                extensions={"trace": self._trace},
            ) as response:
                return self._read(response, url, label, end)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            if self._local.request.cut.is_set() or time.monotonic() >= end:
                raise self._late(label, url) from exc
            raise _translate(exc, url, label) from exc

    def _read(self, response: httpx.Response, url: str, label: str, end: float) -> Response:
        status = response.status_code
        if status == 304:
            self.traffic.not_modified += 1
            return Response(url, 304, b"", _validators(response))
        if status >= 400:
            error = HttpError(
                f"{label}: {status} {response.reason_phrase} for {url}", url=url, status=status
            )
            if status in RETRY_STATUSES:
                raise _Retry(error, _retry_after(response.headers.get("Retry-After")))
            raise error
        content = self._body(response, url, label, end)
        return Response(url, status, content, _validators(response))

    def _body(self, response: httpx.Response, url: str, label: str, end: float) -> bytes:
        limit = self.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise HttpError(
                f"{label}: refused {url}: {declared} bytes is over the {limit}-byte limit", url=url
            )
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            if time.monotonic() >= end:
                raise self._late(label, url, f" ({size} bytes read)")
            size += len(chunk)
            self.traffic.bytes += len(chunk)
            if size > limit:
                raise HttpError(
                    f"{label}: refused {url}: response exceeds the {limit}-byte limit", url=url
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_retry_wait)
        return min(self.backoff * (2**attempt), self.max_retry_wait)

    def _late(self, label: str, url: str, detail: str = "") -> HttpError:
        return HttpError(
            f"{label}: gave up on {url}: over the {self.deadline:g}-second deadline{detail}",
            url=url,
        )

    @staticmethod
    def _cut_off(request: _InFlight) -> None:
        """The deadline passed: shut the request's sockets down so a blocked read returns."""
        request.cut.set()
        for sock in request.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        request.sockets = []

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        """Remember each socket this client opens (httpcore's trace extension)."""
        if event != "connection.connect_tcp.complete" or info.get("return_value") is None:
            return
        sock = info["return_value"].get_extra_info("socket")
        if isinstance(sock, socket.socket):
            request = self._local.request
            request.sockets = [s for s in request.sockets if s.fileno() != -1] + [sock]

    def _check_redirect(self, response: httpx.Response) -> None:
        """Refuse a redirect to a scheme other than http(s) or to a host not allowed."""
        location = response.headers.get("Location")
        if not response.is_redirect or location is None:
            return
        request = self._local.request
        url, label, hosts = request.url, request.label, request.redirect_hosts
        try:
            target = response.url.join(location)
        except httpx.InvalidURL:
            return  # httpx reports it
        if target.scheme not in ("http", "https"):
            raise RedirectRefused(f"{label}: {url} redirects to {target}: not http(s)", url=url)
        if hosts is None:
            return
        allowed = {httpx.URL(url).host, response.url.host, *hosts}
        if target.host not in allowed:
            raise RedirectRefused(
                f"{label}: refused redirect of {url} to another host ({target})", url=url
            )


@dataclass
class _InFlight:
    """One `get` on one thread: what its redirect check and its deadline watchdog need."""

    url: str
    label: str
    redirect_hosts: Collection[str] | None
    cut: threading.Event = field(default_factory=threading.Event)
    sockets: list[socket.socket] = field(default_factory=list)


class _Retry(Exception):
    """A failure worth another attempt; carries the error to raise when attempts run out."""

    def __init__(
        self, error: HttpError, after: float | None = None, *, connect: bool = False
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.after = after
        self.connect = connect  # refused / unresolvable: retried once, after a short delay


def _translate(exc: Exception, url: str, label: str) -> Exception:
    """An httpx error as ours: timeouts and transport problems are worth a retry."""
    if isinstance(exc, httpx.UnsupportedProtocol):
        target = _request_url(exc) or url
        via = f" (redirected from {url})" if target != url else ""
        return HttpError(f"{label}: unsupported URL {target}{via}", url=url)
    if isinstance(exc, httpx.TimeoutException):
        return _Retry(HttpError(f"{label}: timed out fetching {url}", url=url))
    if isinstance(exc, httpx.ConnectError):
        return _Retry(HttpError(f"{label}: {_describe(exc)} for {url}", url=url), connect=True)
    if isinstance(exc, httpx.TransportError):
        return _Retry(HttpError(f"{label}: {_describe(exc)} for {url}", url=url))
    return HttpError(f"{label}: {exc} for {url}", url=url)


def _retry_note(label: str, url: str, asked: float, waited: float) -> str:
    return f"{label}: {url} answered Retry-After {asked:g} s, capped at {waited:g} s"


def _validators(response: httpx.Response) -> Validators:
    return Validators(
        etag=response.headers.get("ETag"), last_modified=response.headers.get("Last-Modified")
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _request_url(exc: httpx.HTTPError) -> str | None:
    """The URL of the request that failed (a redirect target, not the URL first asked for)."""
    try:
        return str(exc.request.url)
    except RuntimeError:
        return None


def _describe(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    return f"connection failed ({text})"
