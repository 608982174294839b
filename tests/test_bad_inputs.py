"""The bad-input corpus: every malformed input gets a clear message and loses nothing.

Each case is one YAML file in `tests/bad_inputs/`:

```yaml
what: An empty newsletter.yaml             # the behaviour, in one line
files:                                     # laid over a fresh sample folder (`newsletter init`)
  newsletter.yaml: ""                      #   text to write; null deletes the file
  templates/email.html.j2: {base64: "//4="}  #   or bytes, base64-encoded
replace:                                   # optional: (file, old, new) edits of sample files
  - [newsletter.yaml, "name: The Morning Sample", "name: [unclosed"]
args: [send, --smtp-url, "{smtp}"]         # after `-C FOLDER`; {smtp} is a live SMTP server,
                                           # {folder} the newsletter folder
env: {NEWSLETTER_SMTP_URL: "smtp://x"}     # optional environment for the command
exit: 2                                    # the expected exit code
words: [newsletter.yaml, "empty"]          # each must appear in stderr (case-insensitive)
names_file: newsletter.yaml                # optional: the file the message must name
                                           # (default: the first key of `files`, if any)
```

Every case is run through the command line's own entry point (`newsletter.cli.cli`, in this
process through click's CliRunner, as `python -m newsletter` runs it: a subprocess per case
would cost seconds of start-up for nothing) in the newsletter folder as current directory.
It must raise no exception past the command (the real command would print a traceback);
nothing reaches the SMTP server unless `exit` is 0 or 1; with exit 2 every file of the
folder is byte for byte as it was, and no file was added or removed.
"""

from __future__ import annotations

import base64
import hashlib
import os
import traceback
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from newsletter.cli import cli
from tests.conftest import SmtpServer

CASES = Path(__file__).parent / "bad_inputs"


def _cases() -> list[Any]:
    return [
        pytest.param(yaml.safe_load(path.read_text(encoding="utf-8")), id=path.stem)
        for path in sorted(CASES.glob("*.yaml"))
    ]


def _snapshot(root: Path) -> dict[str, str]:
    """Every file below `root` with the hash of its bytes (and its mode, for chmod cases)."""
    seen: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() or path.is_symlink():
            rel = path.relative_to(root).as_posix()
            data = path.read_bytes() if path.is_file() else os.readlink(path).encode()
            seen[rel] = f"{hashlib.sha256(data).hexdigest()}:{path.lstat().st_mode:o}"
        elif path.is_dir():
            seen[path.relative_to(root).as_posix() + "/"] = "dir"
    return seen


def _lay(folder: Path, case: dict[str, Any]) -> None:
    for rel, content in (case.get("files") or {}).items():
        target = folder / rel
        if content is None:
            if target.is_dir():
                import shutil

                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            target.write_bytes(base64.b64decode(content["base64"]))
        else:
            target.write_text(content, encoding="utf-8")
    for rel, old, new in case.get("replace") or []:
        target = folder / rel
        text = target.read_text(encoding="utf-8")
        assert old in text, f"{rel} has no {old!r} to replace"
        target.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_corpus_is_large_enough() -> None:
    """The corpus holds at least sixty malformed inputs, each with its expected words."""
    cases = [c.values[0] for c in _cases()]
    assert len(cases) >= 60
    assert all(c.get("words") and "exit" in c for c in cases)


def _run(folder: Path, args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """`newsletter -C FOLDER ARGS` in the folder: its exit code and stderr. An exception
    escaping the command fails the case with its traceback, as the terminal would show it."""
    result = CliRunner().invoke(cli, ["-C", str(folder), *args], env=env, prog_name="newsletter")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        shown = "".join(traceback.format_exception(*result.exc_info))
        pytest.fail(f"Traceback instead of a message:\n{shown}\n{result.stderr}")
    return result.exit_code, result.stderr


@pytest.mark.parametrize("case", _cases())
def test_bad_input(
    case: dict[str, Any], folder: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A malformed input: its exit code, its words, no traceback, and nothing lost."""
    _lay(folder, case)
    before = _snapshot(folder.parent)
    fill = {"{smtp}": smtp_server.url, "{folder}": str(folder)}
    args = [str(a) for a in case["args"]]
    for key, value in fill.items():
        args = [a.replace(key, value) for a in args]
    env = {k: str(v) for k, v in (case.get("env") or {}).items()}
    monkeypatch.chdir(folder)
    code, err = _run(folder, args, env)
    assert "Traceback" not in err, err
    assert code == case["exit"], err
    for word in case["words"]:
        assert word.lower() in err.lower(), f"{word!r} not in: {err}"
    named = case.get("names_file") or next(iter(case.get("files") or {}), None)
    if named:
        assert Path(named).name in err, f"{named} not named in: {err}"
    if case["exit"] == 2:
        assert smtp_server.messages == []
        assert _snapshot(folder.parent) == before, "an exit-2 run changed a file"
