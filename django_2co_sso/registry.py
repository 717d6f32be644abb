"""Building and reusing backends from the ``TWOCHECKOUT_SSO`` setting.

:func:`get_backend` reads the setting at every call (cheap) and returns a backend built
for exactly that configuration, creating it the first time it is seen. A changed
setting or different overrides therefore give a new backend, and ``override_settings``
works without any cache clearing.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from .conf import build_config, merged_settings
from .exceptions import ConfigurationError

if TYPE_CHECKING:
    from .backends.base import BaseBackend

_backends: dict[tuple[Any, ...], BaseBackend] = {}
_lock = threading.Lock()
_MAX_BACKENDS = 32


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(item)) for k, item in value.items()))
    return value


def load_backend_class(path: str) -> type[BaseBackend]:
    """The backend class at dotted ``path``, or :class:`ConfigurationError`."""
    from .backends.base import BaseBackend

    try:
        backend_class = import_string(path)
    except ImportError as error:
        raise ConfigurationError(
            f"TWOCHECKOUT_SSO['BACKEND'] {path!r} cannot be imported: {error}"
        ) from None
    if not (isinstance(backend_class, type) and issubclass(backend_class, BaseBackend)):
        raise ConfigurationError(
            f"TWOCHECKOUT_SSO['BACKEND'] {path!r} is not a django_2co_sso backend class."
        )
    return backend_class


def get_backend(**overrides: Any) -> BaseBackend:
    """See :func:`django_2co_sso.get_backend`."""
    values = merged_settings(overrides)
    key = _freeze(values)
    backend = _backends.get(key)
    if backend is not None:
        return backend
    with _lock:
        backend = _backends.get(key)
        if backend is None:
            config = build_config(values)
            backend = load_backend_class(config.backend)(config)
            if len(_backends) >= _MAX_BACKENDS:
                _backends.clear()
            _backends[key] = backend
    return backend


def clear_backends() -> None:
    """Forget every built backend (the next call builds anew)."""
    with _lock:
        _backends.clear()


@receiver(setting_changed)
def _settings_changed(setting: str, **kwargs: Any) -> None:
    """``override_settings`` of the setting or the caches gives fresh backends.

    Backends remember the sessionID and the circuit state for a few seconds in the
    process; a test that swaps the setting or clears the cache must not inherit them.
    """
    if setting in ("TWOCHECKOUT_SSO", "CACHES"):
        clear_backends()
