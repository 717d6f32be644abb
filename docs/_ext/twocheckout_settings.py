"""Sphinx extension: the settings reference, generated from ``DEFAULTS`` in ``conf.py``.

``.. twocheckout-settings::`` renders every key of the ``DEFAULTS`` dict as a ``confval`` (its
default and the comment above it), grouped by the ``# -- title --`` comment lines.
A comment applies to every key that follows it until the next comment. :func:`settings_rows`
is also used by ``tests/docs`` to check that every key is documented.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import re
import tokenize
from typing import Any

_SECTION_RE = re.compile(r"^--\s*(.*?)\s*-*$")


@dataclasses.dataclass
class SettingRow:
    """One key of ``TWOCHECKOUT_SSO``."""

    key: str
    default: Any
    meaning: str
    section: str


def _defaults_source() -> tuple[str, int]:
    from django_2co_sso import conf

    source = inspect.getsource(conf)
    tree = ast.parse(source)
    for node in tree.body:
        if (
            isinstance(node, ast.AnnAssign | ast.Assign)
            and isinstance(getattr(node, "target", None) or node.targets[0], ast.Name)
            and (getattr(node, "target", None) or node.targets[0]).id == "DEFAULTS"
        ):
            return source, node.lineno
    raise LookupError("DEFAULTS not found in django_2co_sso/conf.py")


def settings_rows() -> list[SettingRow]:
    """Every key of ``DEFAULTS`` in order, with its default and the comment that explains it."""
    from django_2co_sso.conf import DEFAULTS

    source, first_line = _defaults_source()
    tree = ast.parse(source)
    dict_node = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.AnnAssign | ast.Assign) and node.lineno == first_line
    )
    assert isinstance(dict_node, ast.Dict)
    key_lines = {
        key.lineno: key.value
        for key in dict_node.keys
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        start = token.start[0]
        if token.type == tokenize.COMMENT and dict_node.lineno < start < dict_node.end_lineno:
            comments[start] = token.string.lstrip("#").strip()

    rows: list[SettingRow] = []
    section = ""
    block: list[str] = []
    last_comment_line = -2
    for line in range(dict_node.lineno + 1, dict_node.end_lineno):
        if line in comments:
            text = comments[line]
            heading = _SECTION_RE.match(text)
            if heading:
                section = heading.group(1)
                block = []
            else:
                if line != last_comment_line + 1:
                    block = []  # a new comment block replaces the previous one
                block.append(text)
            last_comment_line = line
        if line in key_lines:
            key = key_lines[line]
            rows.append(SettingRow(key, DEFAULTS[key], " ".join(block), section))
    missing = set(DEFAULTS) - {row.key for row in rows}
    if missing:
        raise LookupError(f"keys not found in the DEFAULTS source: {sorted(missing)}")
    return rows


def _default_text(value: Any) -> str:
    if isinstance(value, tuple):
        return (
            "(" + ", ".join(repr(item) for item in value) + ("," if len(value) == 1 else "") + ")"
        )
    return repr(value)


def _rst_escape(text: str) -> str:
    # Comments are plain text: keep *, `, | and trailing _ literal in reStructuredText.
    return re.sub(r"([\\*`|_])", r"\\\1", text)


def settings_rst() -> list[str]:
    """The reStructuredText of the reference: one ``confval`` per key, under its section."""
    lines: list[str] = []
    sections: dict[str, list[SettingRow]] = {}
    for row in settings_rows():
        sections.setdefault(row.section, []).append(row)
    for section, rows in sections.items():
        if section:
            title = section[:1].upper() + section[1:]
            lines += [title, "~" * len(title), ""]
        for row in rows:
            if not row.meaning:
                raise ValueError(f"TWOCHECKOUT_SSO[{row.key!r}] has no comment in DEFAULTS.")
            lines += [
                f".. confval:: {row.key}",
                f"   :default: ``{_default_text(row.default)}``",
                "",
                f"   {_rst_escape(row.meaning)}",
                "",
            ]
    return lines


def setup(app: Any) -> dict[str, Any]:
    """Register ``.. twocheckout-settings::`` (docutils and Sphinx are imported only here, so
    that the tests can use :func:`settings_rows` without Sphinx installed)."""
    from docutils import nodes
    from docutils.parsers.rst import Directive
    from docutils.statemachine import StringList
    from sphinx.util.nodes import nested_parse_with_titles

    class SettingsDirective(Directive):
        """``.. twocheckout-settings::``: the generated tables."""

        has_content = False

        def run(self) -> list[nodes.Node]:
            container = nodes.section()
            container.document = self.state.document
            nested_parse_with_titles(
                self.state, StringList(settings_rst(), source="django_2co_sso/conf.py"), container
            )
            return list(container.children)

    app.add_directive("twocheckout-settings", SettingsDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
