"""HTTP GET for the network sources: timeouts, retries with backoff, Retry-After, politeness.

The standard library's urllib is enough here (plain GETs of small payloads), so ingest needs no
extra HTTP dependency. Parsing never happens here: a fetch returns bytes, and each source's pure
parser turns them into records.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from ..config import NetworkConfig
from ..errors import FetchError
from ..version import __version__

__all__ = ["Fetcher", "user_agent"]

_RETRY_STATUSES = {429, 500, 502, 503, 504}


def user_agent(contact: str | None) -> str:
    """Who is asking: arXiv wants a way to reach whoever runs an automated client."""
    who = f"mailto:{contact}" if contact else "no contact set in site.yaml"
    return f"site-builder/{__version__} ({who})"


class Fetcher:
    """Fetches URLs one at a time, waiting between requests to the same host as asked."""

    def __init__(
        self,
        network: NetworkConfig,
        *,
        contact: str | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.network = network
        self.user_agent = user_agent(contact)
        self.log = log or (lambda message: None)
        self.waits: list[float] = []
        """Every wait before a retry, in seconds (what a run report can show)."""
        self.pauses: list[float] = []
        """Every pause kept between two requests to the same host, in seconds."""
        self._last_request: dict[str, float] = {}

    def get(self, url: str, *, what: str, delay: float = 0.0) -> bytes:
        """The body of `url`; `delay` is the least time between two requests to its host.

        Retries timeouts, connection errors, 429 and 5xx answers; raises `FetchError` naming
        `what` (the source) when every attempt failed or the server refused the request.
        """
        host = urlsplit(url).netloc
        attempts = self.network.retries + 1
        problem = ""
        for attempt in range(attempts):
            self._keep_distance(host, delay)
            wait: float | None = None
            try:
                request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
                with urllib.request.urlopen(request, timeout=self.network.timeout) as response:
                    body: bytes = response.read()
                    return body
            except urllib.error.HTTPError as exc:
                if exc.code not in _RETRY_STATUSES:
                    raise FetchError(
                        f"{what}: the server answered {exc.code} {exc.reason}", path=url
                    ) from None
                problem = f"the server answered {exc.code} {exc.reason}"
                wait = _retry_after(exc.headers.get("Retry-After"))
            except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
                reason = getattr(exc, "reason", None) or exc
                problem = f"no answer ({reason})"
            finally:
                self._last_request[host] = time.monotonic()
            if attempt + 1 < attempts:
                if wait is None:
                    wait = self.network.backoff * 2**attempt
                wait = min(wait, self.network.max_wait)
                self.waits.append(wait)
                self.log(f"{what}: {problem}; trying again in {wait:g} s")
                time.sleep(wait)
        tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
        hint = ""
        if " 429 " in f" {problem} ":
            hint = "; the service limits how often it may be asked: try again later"
        raise FetchError(f"{what}: unreachable: {problem} ({tries}){hint}", path=url)

    def _keep_distance(self, host: str, delay: float) -> None:
        last = self._last_request.get(host)
        if last is not None and delay > 0:
            remaining = last + delay - time.monotonic()
            if remaining > 0:
                self.pauses.append(remaining)
                time.sleep(remaining)


def _retry_after(value: str | None) -> float | None:
    """Seconds asked for by a Retry-After header: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
