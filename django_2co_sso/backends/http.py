"""What the HTTP-based backends share: a pooled ``requests`` session and error mapping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from .. import __version__
from ..exceptions import APIConnectionError, APITimeoutError, BadResponseError
from ..redaction import install_url_log_filters

USER_AGENT = f"django-2co-sso/{__version__}"


def new_session(pool_size: int = 10) -> requests.Session:
    """A keep-alive session with a connection pool, sending JSON by default.

    Also makes sure urllib3's DEBUG lines (request URLs) have their tokens masked.
    """
    install_url_log_filters()
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
    return session


@contextmanager
def mapped_transport_errors(what: str) -> Iterator[None]:
    """Turn ``requests`` failures into :class:`APITimeoutError` / :class:`APIConnectionError`.

    ``what`` names the call in the message; no URL, header or body is included.
    """
    try:
        yield
    except requests.Timeout as error:
        kind = "connecting" if isinstance(error, requests.ConnectTimeout) else "waiting for"
        raise APITimeoutError(f"Timed out {kind} 2Checkout ({what}).") from None
    except requests.ConnectionError:
        raise APIConnectionError(f"Could not reach 2Checkout ({what}).") from None
    except requests.RequestException as error:
        raise APIConnectionError(
            f"HTTP request to 2Checkout failed ({what}): {type(error).__name__}."
        ) from None


def json_body(response: requests.Response, what: str) -> Any:
    """The decoded JSON body, or :class:`BadResponseError` naming the HTTP status."""
    try:
        return response.json()
    except ValueError:
        raise BadResponseError(
            f"2Checkout answered {what} with HTTP {response.status_code} and a body that is "
            "not JSON.",
            status=response.status_code,
        ) from None
