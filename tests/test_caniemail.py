"""The rendered issue checked against caniemail.com's data (@jsx-email/doiuse-email) for
Gmail, Outlook, Yahoo, Apple Mail and Samsung Mail. Every feature it reports as
unsupported must be one the issue uses as progressive enhancement only, each with its
reason below; anything else fails.

Setup (CI does it): npm ci --prefix tests/caniemail
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from newsletter.folder import locate
from newsletter.preview import make_preview
from newsletter.previewing.strict import strict_client
from tests.conftest import REQUIRE_TOOLS, need_tool

CHECKER = Path(__file__).parent / "caniemail"
CLIENTS = ["gmail.*", "outlook.*", "yahoo.*", "apple-mail.*", "samsung-email.*"]

# What clients may drop without harm, and why.
PROGRESSIVE = {
    # The kept <style> block: dark mode and small-screen rules. Everything a reader needs
    # is inlined, so a client that drops the block shows the light, fluid layout.
    "Attribute selector": "[data-ogsc]/[data-ogsb] dark-mode rules for Outlook.com only",
    "Class selector": "rules of the kept <style> block; the same styles are inlined",
    "Descendant combinator": "rules of the kept <style> block; the same styles are inlined",
    "Type selector": "rules of the kept <style> block; the same styles are inlined",
    "@media": "small-screen padding and dark mode: the inlined layout is fluid without it",
    # The preheader is hidden by several means at once; each client honours one of them.
    "display:none": "one of the preheader's hiding layers (mso-hide, font-size 0 … cover the rest)",
    "visibility": "one of the preheader's hiding layers",
    "opacity": "one of the preheader's hiding layers",
    "overflow": "one of the preheader's hiding layers (max-height 0 and font-size 0 remain)",
    # Cosmetic or structural hints.
    "border-radius": "buttons show square corners in Outlook for Windows",
    "table-layout": "Outlook for Windows lays out the fixed 600 px [if mso] table instead",
    "role attribute": "role=presentation is an accessibility hint; a client that drops it loses nothing visible",
    "<body> element": "the body carries no style the issue needs: colours and fonts are on the cells",
}


def check(html: str) -> dict[str, list[str]]:
    node = need_tool("node", "nodejs")
    if not (CHECKER / "node_modules" / "@jsx-email" / "doiuse-email").is_dir():
        message = "caniemail checker not installed: npm ci --prefix tests/caniemail"
        if REQUIRE_TOOLS:
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run(
        [node, str(CHECKER / "check.mjs"), *CLIENTS],
        input=html.encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def features(messages: list[str]) -> set[str]:
    return {m.group(1) for text in messages if (m := re.match(r"`([^`]+)`", text))}


def test_only_progressive_features_are_unsupported(folder: Path) -> None:
    """caniemail finds no feature the issue relies on missing in a major client: each one
    it flags is on the reasoned list of progressive enhancements."""
    html = make_preview(locate(folder), None, "ada@example.com").html()
    flagged = features(check(html)["errors"])
    assert flagged, "the checker flagged nothing: is it checking at all?"
    unexplained = flagged - PROGRESSIVE.keys()
    assert unexplained == set(), f"unsupported in a major client: {sorted(unexplained)}"


def test_the_checker_catches_what_clients_lack(folder: Path) -> None:
    """A feature the issue must not rely on (here `position`, `float`) is flagged, so the
    list above is a real filter."""
    html = make_preview(locate(folder), None, "ada@example.com").html()
    bad = html.replace(
        '<td class="intro"', '<td style="position:absolute;float:left" class="intro"', 1
    )
    unexplained = features(check(bad)["errors"]) - PROGRESSIVE.keys()
    assert unexplained >= {"position"} or unexplained >= {"float"}, unexplained


def test_the_strict_view_keeps_no_style_block_feature(folder: Path) -> None:
    """In the strict view no selector or @media remains: what is left is inline and every
    flagged feature is a preheader layer or a cosmetic hint."""
    html = strict_client(make_preview(locate(folder), None, "ada@example.com").html())
    flagged = features(check(html)["errors"])
    assert not flagged & {"Class selector", "@media", "Attribute selector"}
    assert flagged <= PROGRESSIVE.keys()
