"""gunicorn config (``-c bench/gunicorn_warm.py``): load the 2Checkout client at worker start.

Shows what figure 4 would be if the library (or the project) warmed the client before the
first shopper came: imports, WSDL parse, cache connection, all in ``post_worker_init``.
"""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    from bench.warm import warm_up

    warm_up()
