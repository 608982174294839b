"""An issue whose HTML would be clipped by Gmail is flagged before it is sent."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_oversized_html_is_warned_about(folder: Path) -> None:
    """Past about 100 KB of HTML, preview warns that Gmail clips the footer and says what to change."""
    config = folder / "newsletter.yaml"
    config.write_text(
        config.read_text()
        .replace("max_items: 10", "max_items: 200")
        .replace("max_per_section: 4", "max_per_section: 200")
    )
    for n in range(120):
        words = " ".join(f"word{n}x{i}" for i in range(160))
        (folder / "articles" / f"story-{n}.md").write_text(
            f"---\ntitle: Story number {n} about the council\nsummary: {words}.\n---\nBody {n}.\n"
        )
    result = run_cli("-C", str(folder), "preview", "--format", "html")
    assert result.returncode == 0, result.stderr.decode()
    assert len(result.stdout) > 100_000
    assert b"Gmail clips" in result.stderr and b"digest.max_items" in result.stderr


def test_normal_issue_has_no_size_warning(folder: Path) -> None:
    """The sample issue is far below the clipping size and previews without a warning."""
    result = run_cli("-C", str(folder), "preview", "--format", "html")
    assert result.returncode == 0
    assert b"Gmail clips" not in result.stderr
