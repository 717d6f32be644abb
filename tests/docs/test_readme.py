"""The README renders as intended in any CommonMark renderer (GitHub, PyPI, editors).

Parsed with markdown-it-py, a CommonMark-conformant parser: a stray code fence once turned
Security, Performance and Development (tables included) into one code block.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py (the test group)")

README = Path(__file__).resolve().parents[2] / "README.md"

#: The README's sections, in order (level-2 headings).
SECTIONS = [
    "Try it",
    "What you get",
    "Quickstart",
    "Backends",
    "The emulator",
    "Security",
    "Performance",
    "Development",
]


def _tokens() -> list[object]:
    return list(markdown_it.MarkdownIt("commonmark").enable("table").parse(README.read_text()))


def _headings(level: str) -> list[str]:
    tokens = _tokens()
    return [
        tokens[index + 1].content  # type: ignore[attr-defined]
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.tag == level  # type: ignore[attr-defined]
    ]


def test_every_section_is_a_heading() -> None:
    found = _headings("h2")
    assert [title for title in found if title in SECTIONS] == SECTIONS


def test_every_code_block_names_its_language() -> None:
    """A stray fence opens a block with no language and swallows what follows it."""
    fences = [token for token in _tokens() if token.type == "fence"]  # type: ignore[attr-defined]
    assert fences
    for fence in fences:
        assert fence.info.strip(), f"a code block without a language:\n{fence.content[:200]}"  # type: ignore[attr-defined]
        assert "\n## " not in fence.content, "a code block swallowed a section heading"  # type: ignore[attr-defined]


def test_the_tables_render_as_tables() -> None:
    tables = [token for token in _tokens() if token.type == "table_open"]  # type: ignore[attr-defined]
    assert len(tables) >= 3  # backends, performance, development


def test_the_seed_customers_table_matches_the_packaged_seed() -> None:
    """The "Try it against the emulator" table lists the emulator's seed as it is."""
    seed_path = README.parent / "django_2co_sso" / "emulator" / "seed" / "default.json"
    seed = json.loads(seed_path.read_text())
    rows = re.findall(
        r"^\| ([A-Z][a-z]+ [A-Z][a-z]+) \| (.+?) \| `(\d+)` \| (.+) \|$", README.read_text(), re.M
    )
    assert len(rows) == len(seed["Customers"])
    for (name, external, reference, subscriptions), customer in zip(
        rows, seed["Customers"], strict=True
    ):
        assert name == f"{customer['FirstName']} {customer['LastName']}"
        assert reference == customer["CustomerReference"]
        expected_external = customer["ExternalCustomerReference"]
        assert external == (f"`{expected_external}`" if expected_external else "none")
        own = [s for s in seed["Subscriptions"] if s["CustomerReference"] == reference]
        assert re.findall(r"`(\w+)`", subscriptions) == [s["SubscriptionReference"] for s in own]
        for subscription in own:
            assert subscription["ProductName"] in subscriptions
            assert subscription["Status"].lower().replace("_", " ") in subscriptions
