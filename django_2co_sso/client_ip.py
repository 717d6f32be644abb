"""Finding the shopper's IP address, sent to 2Checkout as ``validationIp``.

2Checkout binds an SSO link to the IP it is given, so the IP must be the one the
shopper's browser will open the link from. Pick the function with
``TWOCHECKOUT_SSO["CLIENT_IP_FUNCTION"]`` (a dotted path to ``callable(request) -> str``):

``django_2co_sso.client_ip.remote_addr`` (default)
    ``REMOTE_ADDR``: right when Django faces the Internet directly (or the proxy in front
    rewrites ``REMOTE_ADDR``, as gunicorn's ``--forwarded-allow-ips`` with uvicorn, or
    nginx's ``real_ip`` module with uWSGI do).
``django_2co_sso.client_ip.x_forwarded_for``
    The address one trusted reverse proxy appended to ``X-Forwarded-For``.
:func:`forwarded_for` ``(trusted_proxies=N)``
    Builds the same for N proxies in a chain (a CDN in front of a load balancer: 2). Put
    ``client_ip = forwarded_for(2)`` in a module of yours and name it in the setting.

Never trust the *leftmost* ``X-Forwarded-For`` entry: the client writes it. Each proxy
appends the address it received the request from, so with N trusted proxies the client is
the N-th entry from the right.

What the view does with the result: an empty string sends no IP. A value that is not a
valid IP address (usually a proxy misconfiguration) is logged as a warning and no IP is
sent, so shoppers are not locked out by a setup error; the link is then not bound to an IP
but still expires after ``DEFAULT_VALIDITY_TIME`` seconds. Turn IPs off entirely with
``SEND_CLIENT_IP = False`` (for instance when shoppers' IPs change between requests).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

__all__ = ["forwarded_for", "remote_addr", "x_forwarded_for"]


def remote_addr(request: HttpRequest) -> str:
    """``request.META["REMOTE_ADDR"]``, or ``""`` when absent."""
    return str(request.META.get("REMOTE_ADDR", "") or "")


def forwarded_for(trusted_proxies: int = 1) -> Callable[[HttpRequest], str]:
    """A client-IP function for ``trusted_proxies`` reverse proxies appending X-Forwarded-For.

    The function returns the ``trusted_proxies``-th address from the right of
    ``X-Forwarded-For``; ``""`` when the header has fewer entries (the request did not
    come through all the proxies, so no address can be trusted).
    """
    if trusted_proxies < 1:
        raise ValueError("trusted_proxies must be at least 1.")

    def client_ip(request: HttpRequest) -> str:
        header = str(request.META.get("HTTP_X_FORWARDED_FOR", "") or "")
        entries = [entry.strip() for entry in header.split(",") if entry.strip()]
        if len(entries) < trusted_proxies:
            return ""
        return entries[-trusted_proxies]

    client_ip.__doc__ = f"The client IP as seen by the last {trusted_proxies} proxy(ies)."
    return client_ip


#: The client IP behind exactly one trusted reverse proxy (nginx, a load balancer).
x_forwarded_for = forwarded_for(1)
