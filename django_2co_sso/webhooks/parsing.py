"""Reading a notification body: bounded, UTF-8, every field kept in the order received.

2Checkout signs the fields in the order it sends them, arrays expanded element by element
(``IPN_PID[]=1&IPN_PID[]=2``), so the body is parsed here rather than through
``request.POST`` (a ``QueryDict`` groups repeated names and forgets the order between them).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.http import HttpRequest

from ..exceptions import InvalidNotificationError

__all__ = ["MAX_FIELDS", "parse_fields", "read_body"]

#: The most fields one notification may carry (an IPN lists a few per product).
MAX_FIELDS = 2000

_FORM_TYPE = "application/x-www-form-urlencoded"


def read_body(request: HttpRequest, max_size: int) -> bytes:
    """The request body, refused unread when it is (or declares to be) over ``max_size``.

    Raises :class:`~django_2co_sso.exceptions.InvalidNotificationError`: status 413 for a
    body that is too large, 400 for an empty one, 415 for one that is not form-encoded.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = -1
    if declared < 0 or declared > max_size:
        raise InvalidNotificationError(
            f"the declared body size is not between 0 and {max_size} bytes",
            code="NOTIFICATION_TOO_LARGE",
            status=413,
        )
    if declared == 0:
        raise InvalidNotificationError("the body is empty", code="NOTIFICATION_MALFORMED")
    if (request.content_type or "").lower() != _FORM_TYPE:
        raise InvalidNotificationError(
            "the body is not application/x-www-form-urlencoded",
            code="NOTIFICATION_MALFORMED",
            status=415,
        )
    body = request.read(max_size + 1)
    if len(body) > max_size:
        raise InvalidNotificationError(
            f"the body is larger than {max_size} bytes",
            code="NOTIFICATION_TOO_LARGE",
            status=413,
        )
    if not body.strip():
        raise InvalidNotificationError("the body is empty", code="NOTIFICATION_MALFORMED")
    return body


def parse_fields(body: bytes) -> list[tuple[str, str]]:
    """Every ``(name, value)`` pair of a form-encoded body, in order, repeats included.

    Names and values are percent-decoded as UTF-8; ``+`` is a space. A body that is not
    valid form encoding, not UTF-8, carries a NUL byte or more than :data:`MAX_FIELDS`
    fields raises :class:`~django_2co_sso.exceptions.InvalidNotificationError` (400).
    """
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidNotificationError(
            "the body is not valid UTF-8 form encoding", code="NOTIFICATION_MALFORMED"
        ) from None
    if any(not name or "\x00" in name or "\x00" in value for name, value in pairs):
        raise InvalidNotificationError(
            "the body has an unnamed field or a NUL byte", code="NOTIFICATION_MALFORMED"
        )
    return pairs
