"""Which 2Checkout accounts' keys a notification may be signed with.

``WEBHOOK_ACCOUNTS_FUNCTION`` (a callable(request) -> {name: secret key}) when set, else
``WEBHOOK_ACCOUNTS``, else one account named ``"default"`` with ``SECRET_KEY``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest

from ..conf import WEBHOOK_ACCOUNT_NAME_LENGTH, SSOConfig
from ..exceptions import ConfigurationError
from ..services import _import_callable

__all__ = ["DEFAULT_ACCOUNT", "webhook_accounts"]

#: The account name used when the keys come from ``SECRET_KEY``.
DEFAULT_ACCOUNT = "default"


def webhook_accounts(request: HttpRequest | None, config: SSOConfig) -> Mapping[str, str]:
    """``{account name: secret key}`` to verify a notification with; never empty.

    Raises :class:`~django_2co_sso.exceptions.ConfigurationError` when no key is
    configured, the function raises (its exception's class is named, nothing else of it),
    or it returns something else than a dict of non-empty strings
    with names of at most :data:`~django_2co_sso.conf.WEBHOOK_ACCOUNT_NAME_LENGTH`
    characters (a longer name could never be stored: on PostgreSQL every delivery would be
    refused by the database and retried for ever).
    """
    if config.webhook_accounts_function:
        function = _import_callable(config.webhook_accounts_function, "WEBHOOK_ACCOUNTS_FUNCTION")
        try:
            accounts = function(request)
        except Exception as error:
            # Not raised on: its frames hold the keys it was reading, and an error report
            # (a 500's, with frame locals) would show them. The listener answers 503 and
            # 2Checkout delivers again, as for any key store that is down.
            raise ConfigurationError(
                "TWOCHECKOUT_SSO['WEBHOOK_ACCOUNTS_FUNCTION'] raised "
                f"{type(error).__name__}; no notification can be verified."
            ) from None
        if (
            not isinstance(accounts, Mapping)
            or not accounts
            or not all(
                isinstance(name, str)
                and 0 < len(name) <= WEBHOOK_ACCOUNT_NAME_LENGTH
                and isinstance(key, str)
                and key
                for name, key in accounts.items()
            )
        ):
            raise ConfigurationError(
                "TWOCHECKOUT_SSO['WEBHOOK_ACCOUNTS_FUNCTION'] must return a non-empty dict of "
                f"account names (1 to {WEBHOOK_ACCOUNT_NAME_LENGTH} characters) to secret keys."
            )
        return accounts
    if config.webhook_accounts:
        return config.webhook_accounts
    if config.secret_key:
        return {DEFAULT_ACCOUNT: config.secret_key}
    raise ConfigurationError(
        "The notification listeners need TWOCHECKOUT_SSO['SECRET_KEY'] or WEBHOOK_ACCOUNTS."
    )
