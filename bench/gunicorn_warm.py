"""gunicorn config (``-c bench/gunicorn_warm.py``): load the 2Checkout client at worker start.

What a project does to spare its first shopper the imports, the WSDL parse and the cache
connection: call :func:`django_2co_sso.warm_up` in gunicorn's ``post_worker_init``.
"""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    import django_2co_sso

    django_2co_sso.warm_up()
