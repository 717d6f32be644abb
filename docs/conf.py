"""Sphinx configuration for the django-2co-sso documentation (``make docs``)."""

from __future__ import annotations

import os
import posixpath
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]

# autodoc imports models, views and admin: Django must be configured first.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
import django  # noqa: E402

django.setup()

import django_2co_sso  # noqa: E402

project = "django-2co-sso"
author = "django-2co-sso developers"
copyright = "2026, django-2co-sso developers"
release = django_2co_sso.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "myst_parser",
    "twocheckout_settings",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated"]
templates_path: list[str] = []

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_preserve_defaults = True
# String annotations (``from __future__ import annotations``) name classes unqualified; two
# modules have a ``SessionStore`` (the client's and the emulator's), which makes such a
# reference ambiguous. Sphinx then links the first one: not worth failing the build for.
suppress_warnings = ["ref.python"]

myst_heading_anchors = 3

html_theme = "furo"
html_title = f"django-2co-sso {release}"
html_static_path: list[str] = []

# Pages that include files from outside docs/ (the changelog, the benchmark results) get
# them copied into _generated/ here, so that their presence or absence never breaks -W.
# Links relative to the repository (``[run.py](run.py)``) have no page in the docs: they
# become the link text and the repository path.
GENERATED = DOCS / "_generated"
GENERATED.mkdir(exist_ok=True)
_RELATIVE_LINK = re.compile(r"\[([^\]]+)\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]+)\)", re.I)


_HEADING = re.compile(r"^(#{1,6})\s+(.*)$", re.M)


def _headings_as_bold(text: str) -> str:
    """Drop the H1 and turn other headings into bold lines.

    Included into a section of its own page, a generated file's heading levels would skip
    levels (H1 to H3), which Sphinx reports as a warning: an error with ``-W``.
    """

    def bold(match: re.Match[str]) -> str:
        return "" if len(match[1]) == 1 else f"**{match[2].strip()}**"

    return _HEADING.sub(bold, text)


def _copy_markdown(source: Path, target: Path, *, flatten_headings: bool = False) -> None:
    def repo_path(match: re.Match[str]) -> str:
        path = posixpath.normpath(
            posixpath.join(source.parent.relative_to(ROOT).as_posix(), match[2])
        )
        return f"{match[1]} (``{path}``)"

    text = _RELATIVE_LINK.sub(repo_path, source.read_text(encoding="utf-8"))
    target.write_text(_headings_as_bold(text) if flatten_headings else text)


_BENCH = ROOT / "bench" / "results.md"
if _BENCH.exists():
    _copy_markdown(_BENCH, GENERATED / "bench_results.md", flatten_headings=True)
else:
    (GENERATED / "bench_results.md").write_text(
        "_No benchmark results yet: run `make bench` to write `bench/results.md`._\n"
    )
_copy_markdown(ROOT / "CHANGELOG.md", GENERATED / "CHANGELOG.md")
