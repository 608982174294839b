"""`newsletter init DIR`: a new newsletter folder with working sample content."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from newsletter.cli.context import CliContext, handle_errors, pass_cli
from newsletter.errors import InputError

SKELETON = Path(__file__).resolve().parent.parent / "skeleton"


def create_folder(target: Path) -> list[Path]:
    """Copy the sample newsletter into `target` (new or empty); returns the files made."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target} already exists and is not empty; pick a new folder name")
    made = []
    for source in sorted(SKELETON.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        dest = target / source.relative_to(SKELETON)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)  # fresh timestamps: undated articles belong to today
        made.append(dest)
    (target / ".gitignore").write_text(".newsletter/\n.subscribers.yaml.lock\nsink/\n")
    return made


@click.command()
@click.argument("directory", type=click.Path(file_okay=True, path_type=Path))
@pass_cli
@handle_errors
def init(cli: CliContext, directory: Path) -> None:
    """Create a new newsletter folder with working sample content.

    \b
    Example:
        newsletter init my-letter
        cd my-letter && newsletter preview --format text
    """
    made = create_folder(directory)
    for path in made:
        click.echo(str(path))
    cli.say(
        f"Created {directory}/. Next: edit newsletter.yaml (name, sender, site_url), "
        f"then `cd {directory} && newsletter preview --format text`."
    )
