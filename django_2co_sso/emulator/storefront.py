"""HTML of the emulator's shopper-facing pages: one stylesheet, one layout, escaping here.

Every page carries a banner saying it is the local emulator, not 2Checkout; user-supplied
text is always escaped. Page functions return :class:`~.messages.Response` values.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

from .messages import Response

_CSS = """
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif;background:#f4f6f9;color:#1d2733}a{color:#0b62c4}
.emu{background:#ffe9a8;color:#5a4300;text-align:center;padding:.4rem;font-size:13px;
border-bottom:1px solid #e6c65c}
header{background:#16324f;color:#fff;padding:.9rem 1.5rem;display:flex;align-items:center;
gap:1rem;flex-wrap:wrap}header .brand{font-weight:700;font-size:18px}header nav a{color:#cfe3ff;
margin-right:1rem;text-decoration:none}header nav a:hover{text-decoration:underline}
header .who{margin-left:auto;font-size:13px;color:#cfe3ff}
main{max-width:880px;margin:1.5rem auto;padding:0 1rem}
.card{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:1.2rem 1.4rem;
margin-bottom:1rem;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h1{font-size:22px;margin:.2rem 0 1rem}h2{font-size:17px;margin:0 0 .6rem}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:.45rem .5rem;
border-bottom:1px solid #edf0f4;vertical-align:top}th{font-size:13px;color:#5b6b7c}
.status{display:inline-block;padding:.05rem .5rem;border-radius:10px;font-size:12px;
font-weight:600;background:#e8edf3}.status.ACTIVE,.status.TRIAL{background:#dff5e3;color:#17692c}
.status.CANCELED,.status.DISABLED,.status.EXPIRED{background:#fde2e1;color:#8b1c17}
form.inline{display:inline}button,.button{display:inline-block;border:0;border-radius:6px;
padding:.5rem .9rem;font:inherit;font-weight:600;cursor:pointer;background:#0b62c4;color:#fff;
text-decoration:none;margin:.15rem .3rem .15rem 0}button.secondary,.button.secondary{
background:#e8edf3;color:#1d2733}button.danger{background:#c62d22}
label{display:block;font-size:13px;color:#5b6b7c;margin-top:.6rem}input{width:100%;
padding:.5rem;border:1px solid #c9d2dc;border-radius:6px;font:inherit}
.row{display:flex;gap:1rem}.row>div{flex:1}.muted{color:#5b6b7c;font-size:13px}
.total{font-size:20px;font-weight:700}.notice{border-left:4px solid #0b62c4}
.refused{border-left:4px solid #c62d22}dl{display:grid;grid-template-columns:max-content 1fr;
gap:.3rem 1rem;margin:0}dt{color:#5b6b7c}dd{margin:0}
"""

BANNER = (
    "Local 2Checkout emulator: a stand-in for testing and demos. No real payment, no real account."
)


def esc(value: object) -> str:
    """``value`` as escaped HTML text (None is empty)."""
    return "" if value is None else html.escape(str(value))


def page(
    title: str,
    body: str,
    *,
    status: int = 200,
    brand: str = "2Checkout",
    nav: Iterable[tuple[str, str]] = (),
    who: str = "",
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A full HTML page: banner, header (brand, ``nav`` links, ``who``), ``body`` (HTML)."""
    links = "".join(f'<a href="{esc(href)}">{esc(label)}</a>' for label, href in nav)
    document = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>"
        f'<div class="emu" role="note">{esc(BANNER)}</div>'
        f'<header><span class="brand">{esc(brand)}</span><nav>{links}</nav>'
        f'<span class="who">{esc(who)}</span></header>'
        f"<main>{body}</main></body></html>"
    )
    return Response(
        status, document.encode("utf-8"), "text/html; charset=utf-8", dict(headers or {})
    )


def card(inner: str, css_class: str = "") -> str:
    """A white box around ``inner`` HTML."""
    return f'<section class="card {esc(css_class)}">{inner}</section>'


def status_badge(status: str) -> str:
    """A coloured status label."""
    return f'<span class="status {esc(status)}">{esc(status)}</span>'


def button_form(action: str, fields: Mapping[str, str], label: str, css: str = "") -> str:
    """A one-button POST form with hidden ``fields``."""
    hidden = "".join(
        f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in fields.items()
    )
    return (
        f'<form class="inline" method="post" action="{esc(action)}">{hidden}'
        f'<button type="submit" class="{esc(css)}">{esc(label)}</button></form>'
    )


def redirect(location: str, headers: Mapping[str, str] | None = None) -> Response:
    """A 303 See Other to ``location``."""
    return Response(
        303, b"", "text/plain; charset=utf-8", {"Location": location, **(headers or {})}
    )
