"""gunicorn config (``-c bench/gunicorn_warm.py``): load the 2Checkout client at worker start.

What a project does to spare its first shopper the imports, the WSDL parse, the cache
connection and the TCP and TLS handshakes: call :func:`django_2co_sso.warm_up` in gunicorn's
``post_worker_init``. ``BENCH_WARM_WITHOUT_CONNECTION=1`` makes the warm-up leave the
connection unopened, as it did before it opened one (the before-and-after of figure 3).
"""

from __future__ import annotations

import os
from typing import Any


def post_worker_init(worker: Any) -> None:
    import django_2co_sso

    if os.environ.get("BENCH_WARM_WITHOUT_CONNECTION") == "1":
        import importlib
        import pkgutil

        import django_2co_sso.backends as backends

        # every backend module that calls preconnect, wherever the transports live
        for info in pkgutil.iter_modules(backends.__path__, backends.__name__ + "."):
            module = importlib.import_module(info.name)
            if hasattr(module, "preconnect"):
                module.preconnect = lambda *args, **kwargs: False  # type: ignore[attr-defined]
    django_2co_sso.warm_up()
