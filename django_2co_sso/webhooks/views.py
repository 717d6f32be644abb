"""The IPN and LCN listeners.

Both views:

* need no login, session or CSRF token (2Checkout is the client), and are exempt from
  Django's ``LoginRequiredMiddleware``;
* answer ``GET`` and ``HEAD`` with 200 (2Checkout checks a URL with a GET when it is
  registered), ``POST`` as below, anything else 405;
* refuse, before anything is stored, a body that is not form-encoded (415), too large
  (413, unread), empty or garbled (400), unsigned (400) or wrongly signed (403): one
  WARNING line with the sender's address and the reason, no read receipt;
* store a verified notification, process it (:mod:`.processing`), and answer 200 with
  the read receipt in the body, in the algorithm family the notification was verified
  with; a repeat delivery of a processed notification is acknowledged the same way;
* answer 503 without a receipt when processing failed or the database refused the row,
  so that 2Checkout delivers the notification again;
* hide the notification's fields (signatures, the customer's data) from Django's error
  reports, should anything still fail with a 500 (``sensitive_variables``,
  ``sensitive_post_parameters``).

Requests run outside ``ATOMIC_REQUESTS``: the views manage their own transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from .. import validation
from ..conf import get_config
from ..exceptions import ConfigurationError, InvalidInputError, InvalidNotificationError
from ..models import WebhookNotification
from ..services import _import_callable
from . import processing
from .accounts import webhook_accounts
from .parsing import parse_fields, read_body
from .signature import Verified, ipn_receipt, lcn_receipt, receipt_date, verify

__all__ = ["ipn", "lcn"]

logger = logging.getLogger("django_2co_sso.webhooks")

Receipt = Callable[[Sequence[tuple[str, str]], Verified, str], str]

#: Retry-After (seconds) when a notification could not be processed or stored.
RETRY_AFTER = 60


def _plain(text: str, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    if status >= 400:
        # Logged once here already: keep django.request from logging it again.
        response._has_been_logged = True  # type: ignore[attr-defined]
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER)
    return response


def _remote_addr(request: HttpRequest) -> str:
    """The sender's IP as ``CLIENT_IP_FUNCTION`` sees it, or ``""``.

    The address only labels log lines and the stored row, so a function that fails in any
    way gives ``""`` (one WARNING naming the exception's class) instead of losing the
    notification to a 500.
    """
    try:
        function = _import_callable(get_config().client_ip_function, "CLIENT_IP_FUNCTION")
        return validation.validate_ip(function(request))
    except (ConfigurationError, InvalidInputError):
        return ""
    except Exception as error:  # a user's function: see the docstring
        logger.warning(
            "2checkout notification: CLIENT_IP_FUNCTION raised %s; sender address unknown",
            type(error).__name__,
        )
        return ""


@sensitive_variables()  # an error report must not show the fields, signatures included
def _receive(request: HttpRequest, kind: str, receipt: Receipt) -> HttpResponse:
    label = kind.upper()
    remote = _remote_addr(request)
    try:
        config = get_config()
        body = read_body(request, config.webhook_max_body_size)
        fields = parse_fields(body)
        verified = verify(
            fields,
            webhook_accounts(request, config),
            weakest=config.webhook_weakest_algorithm,
        )
    except InvalidNotificationError as error:
        logger.warning(
            "2checkout %s notification refused from %s: %s (%s)",
            label,
            remote or "unknown address",
            error.message,
            error.code,
        )
        return _plain(f"Refused: {error.message}.", status=error.status)
    except ConfigurationError as error:
        logger.error("2checkout %s listener is misconfigured: %s", label, error.message)
        return _plain("The listener is not configured.", status=503)
    try:
        notification = processing.receive(kind, fields, verified, remote or None)
    except DatabaseError as error:
        logger.error(
            "2checkout %s notification from %s could not be stored (%s); 2Checkout will retry",
            label,
            remote or "unknown address",
            type(error).__name__,
        )
        return _plain("Could not store the notification; send it again later.", status=503)
    if notification.outcome == WebhookNotification.Outcome.ERROR:
        return _plain("Could not process the notification; send it again later.", status=503)
    return _plain(receipt(fields, verified, receipt_date()))


def _listener(kind: str, receipt: Receipt) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return _plain("OK")
        return _receive(request, kind, receipt)

    view.__name__ = view.__qualname__ = str(kind)
    view.__doc__ = f"The {kind.upper()} listener (see the module docstring)."
    decorated = require_http_methods(["GET", "HEAD", "POST"])(
        never_cache(sensitive_post_parameters()(view))
    )
    return csrf_exempt(login_not_required(transaction.non_atomic_requests(decorated)))


ipn = _listener(WebhookNotification.Kind.IPN, ipn_receipt)
lcn = _listener(WebhookNotification.Kind.LCN, lcn_receipt)
