"""Removing secrets from text before it reaches a log, an exception or a repr."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "[redacted]"

# logintoken=..., ssotoken=..., hash="...", sessionID in JSON/XML bodies, and whole URLs
# that carry a token: patterns for secrets whose value the caller may not know.
_PATTERNS = (
    re.compile(r"(?i)(logintoken|ssotoken|singlesignontoken|token)=([^&\s\"'<>]+)"),
    re.compile(r'(?i)(hash)="([^"]*)"'),
    re.compile(r'(?i)("(?:hash|sessionid|session_id|result)"\s*:\s*)"([^"]*)"'),
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every known secret value and every token-like pattern masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _PATTERNS[1].sub(lambda m: f'{m.group(1)}="{MASK}"', text)
    return _PATTERNS[2].sub(lambda m: f'{m.group(1)}"{MASK}"', text)
