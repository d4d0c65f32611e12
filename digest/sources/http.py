"""The HTTP layer of every network fetcher: one httpx client per run, with retries and caps."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType

import httpx

from digest.errors import FetchError

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 1.0
MAX_RETRY_WAIT = 120.0
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


class HttpClient:
    """One httpx client for a whole run: timeouts, User-Agent, retries, size cap, validators."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        max_retry_wait: float = MAX_RETRY_WAIT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self.max_retry_wait = max_retry_wait
        self.max_bytes = max_bytes
        self.traffic = Traffic()
        self._sleep = sleep
        self._client = httpx.Client(
            headers={"User-Agent": user_agent},
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
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
    ) -> Response:
        """GET a URL, conditionally when validators are given; `label` names the source."""
        headers = validators.headers() if validators else {}
        attempt = 0
        while True:
            try:
                return self._attempt(url, label, headers, params)
            except _Retry as retry:
                limit = min(self.retries, CONNECT_ATTEMPTS - 1) if retry.connect else self.retries
                if attempt >= limit:
                    raise retry.error from None
                wait = self._wait(attempt, retry.after)
                self._sleep(min(CONNECT_DELAY, wait) if retry.connect else wait)
                self.traffic.retries += 1
                attempt += 1

    def _attempt(
        self, url: str, label: str, headers: dict[str, str], params: dict[str, str] | None
    ) -> Response:
        self.traffic.requests += 1
        if headers:
            self.traffic.conditional += 1
        try:
            with self._client.stream("GET", url, headers=headers, params=params) as response:
                return self._read(response, url, label)
        except httpx.UnsupportedProtocol as exc:
            target = _request_url(exc) or url
            via = f" (redirected from {url})" if target != url else ""
            raise HttpError(f"{label}: unsupported URL {target}{via}", url=url) from exc
        except httpx.TimeoutException as exc:
            raise _Retry(HttpError(f"{label}: timed out fetching {url}", url=url)) from exc
        except httpx.ConnectError as exc:
            message = f"{label}: {_describe(exc)} for {url}"
            raise _Retry(HttpError(message, url=url), connect=True) from exc
        except httpx.TransportError as exc:
            message = f"{label}: {_describe(exc)} for {url}"
            raise _Retry(HttpError(message, url=url)) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise HttpError(f"{label}: {exc} for {url}", url=url) from exc

    def _read(self, response: httpx.Response, url: str, label: str) -> Response:
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
        content = self._body(response, url, label)
        return Response(url, status, content, _validators(response))

    def _body(self, response: httpx.Response, url: str, label: str) -> bytes:
        limit = self.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise HttpError(
                f"{label}: refused {url}: {declared} bytes is over the {limit}-byte limit", url=url
            )
        chunks, size = [], 0
        for chunk in response.iter_bytes():
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


class _Retry(Exception):
    """A failure worth another attempt; carries the error to raise when attempts run out."""

    def __init__(
        self, error: HttpError, after: float | None = None, *, connect: bool = False
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.after = after
        self.connect = connect  # refused / unresolvable: retried once, after a short delay


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
