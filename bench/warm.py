"""Loading the 2Checkout client before the first shopper comes (a proposed fix, shown here).

:func:`warm_up` builds the backend, imports and connects the cache client and, for SOAP,
loads the WSDL (from ``WSDL_CACHE_PATH`` when set) and parses it. ``bench/gunicorn_warm.py``
calls it in gunicorn's ``post_worker_init`` hook, so figure 4 can show the first redirect of a
worker that did this at start.
"""

from __future__ import annotations


def warm_up() -> None:
    from django_2co_sso import get_backend

    backend = get_backend()
    backend.circuit.is_open()  # imports the cache client, opens its connection
    service = getattr(backend, "service", None)  # SOAP: WSDL download (or cache) and parse
    del service
