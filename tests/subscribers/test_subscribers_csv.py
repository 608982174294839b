"""`subscribers import` and `export --csv`: what a CSV adds, updates, skips and refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, Invoke

from newsletter.model import Status
from newsletter.subscribers import load
from newsletter.subscribers.csvio import CsvError, read_rows
from newsletter.subscribers.imports import import_csv

GOLDEN = FIXTURES / "golden"


@pytest.fixture
def golden(subscribers_file: Path) -> Path:
    shutil.copyfile(GOLDEN / "subscribers.yaml", subscribers_file)
    return subscribers_file


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_reports_each_kind(golden: Path, invoke: Invoke) -> None:
    """Import counts added, updated and skipped rows, and never reactivates an unsubscribe."""
    result = invoke("import", str(GOLDEN / "import.csv"))
    assert result.exit_code == 0, result.stderr
    assert "zoe@example.com (unsubscribed): kept as it is" in result.stderr
    assert "Imported: 1 added, 1 updated, 2 skipped, 0 invalid." in result.stderr
    by_email = {s.email: s for s in load(golden)}
    assert by_email["grace@example.org"].name == "Grace Brewster Hopper"
    assert by_email["zoe@example.com"].status is Status.UNSUBSCRIBED
    assert by_email["new@example.com"].fields == {"city": "Oslo"}


def test_invalid_rows_block_the_import(golden: Path, invoke: Invoke, tmp_path: Path) -> None:
    """With an invalid row nothing is imported: each bad row is named by its CSV line, exit 2."""
    source = write_csv(
        tmp_path,
        "email,name,status\n"
        "ok@example.com,Ok,\n"
        "not-an-address,X,\n"
        '"multi@example.com","Two\nLines",\n'
        "bad-status@example.com,,gone\n",
    )
    before = golden.read_bytes()
    result = invoke("import", str(source))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{source}:3: 'not-an-address' is not a valid email address")
    assert lines[1].startswith(f"{source}:4: multi@example.com: the name holds a line break")
    assert lines[2].startswith(f"{source}:6: status 'gone' is not active")
    assert lines[-1].startswith("Error: 3 invalid row(s)")
    assert golden.read_bytes() == before


def test_skip_invalid_imports_the_rest(golden: Path, invoke: Invoke, tmp_path: Path) -> None:
    """`--skip-invalid` imports the good rows and still lists the bad ones."""
    source = write_csv(tmp_path, "email\nok@example.com\nnope\n")
    result = invoke("import", str(source), "--skip-invalid")
    assert result.exit_code == 0
    assert f"{source}:3:" in result.stderr
    assert "1 added, 0 updated, 0 skipped, 1 invalid" in result.stderr
    assert load(golden)[-1].email == "ok@example.com"


def test_dry_run_writes_nothing(golden: Path, invoke: Invoke) -> None:
    """`--dry-run` reports the same counts and leaves the file alone."""
    before = golden.read_bytes()
    result = invoke("import", str(GOLDEN / "import.csv"), "--dry-run")
    assert result.exit_code == 0
    assert "Would import: 1 added, 1 updated, 2 skipped, 0 invalid." in result.stderr
    assert golden.read_bytes() == before


def test_export_then_import_changes_nothing(golden: Path, invoke: Invoke, tmp_path: Path) -> None:
    """A CSV exported from the file imports back as all skipped, byte for byte unchanged."""
    source = write_csv(tmp_path, invoke("export", "--csv").stdout)
    before = golden.read_bytes()
    report = import_csv(golden, source)
    assert (len(report.added), len(report.updated), len(report.skipped)) == (0, 0, 5)
    assert golden.read_bytes() == before


def test_export_csv_into_a_new_file(golden: Path, invoke: Invoke, tmp_path: Path) -> None:
    """A CSV export imported into an empty file gives the same subscribers."""
    source = write_csv(tmp_path, invoke("export", "--csv").stdout)
    fresh = tmp_path / "fresh.yaml"
    report = import_csv(fresh, source)
    assert len(report.added) == 5
    fresh_subscribers = load(fresh)
    # custom values arrive as text from a CSV: compare them as text
    assert [(s.email, s.status, s.name, s.topics) for s in fresh_subscribers] == [
        (s.email, s.status, s.name, s.topics) for s in load(golden)
    ]


def test_repeated_address_in_csv_is_skipped(subscribers_file: Path, tmp_path: Path) -> None:
    """The same address twice in one CSV is added once; the repeat is reported skipped."""
    source = write_csv(tmp_path, "email,name\na@example.com,A\nA@EXAMPLE.com,B\n")
    report = import_csv(subscribers_file, source)
    assert [s.name for s in report.added] == ["A"]
    assert report.skipped == ["A@example.com (again at line 3)"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty file"),
        ("name\nA\n", "no `email` column"),
        ("email,staus\n", "unknown column(s) 'staus'"),
        ("email,email\n", "named twice"),
    ],
)
def test_bad_header_is_refused(text: str, words: str, tmp_path: Path) -> None:
    """A CSV whose header is unusable is refused as a whole, before any row."""
    with pytest.raises(CsvError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_rows(write_csv(tmp_path, text))


def test_spreadsheet_csv_with_bom_and_crlf(tmp_path: Path) -> None:
    """A UTF-8 CSV from a spreadsheet (byte-order mark, CRLF, capitalized header) reads fine."""
    path = tmp_path / "in.csv"
    path.write_bytes("\ufeffEmail,Name,Topics\r\na@example.com,Zoë,tech;science\r\n".encode())
    [row] = read_rows(path)
    assert row.values == {
        "email": "a@example.com",
        "name": "Zoë",
        "topics": frozenset({"tech", "science"}),
    }
    assert row.line == 2


def test_update_sets_status_and_fields_in_place(golden: Path, tmp_path: Path) -> None:
    """A row may unsubscribe an active reader and change one custom field: each value is
    replaced where it stands, other fields and the rest of the file stay."""
    source = write_csv(
        tmp_path,
        "email,status,fields.city,fields.team,fields.no\n"
        "grace@example.org,unsubscribed,Washington,,\n"
        "linus@example.net,,,kernel,\n",
    )
    before = golden.read_text(encoding="utf-8")
    report = import_csv(golden, source)
    assert [s.email for s in report.updated] == ["grace@example.org", "linus@example.net"]
    after = golden.read_text(encoding="utf-8")
    assert after == before.replace(
        "      status:  active     # keep!", "      status:  unsubscribed     # keep!"
    ).replace('        city: "Arlington"', '        city: "Washington"').replace(
        "  - {email: linus@example.net, name: 'Linus', topics: [tech]}",
        "  - {email: linus@example.net, name: 'Linus', topics: [tech], fields: {team: kernel}}",
    )
    grace = next(s for s in load(golden) if s.email == "grace@example.org")
    assert grace.status is Status.UNSUBSCRIBED
    assert dict(grace.fields) == {"city": "Washington", "vip": True}


def test_custom_field_named_like_a_yaml_boolean(golden: Path, tmp_path: Path) -> None:
    """A custom field called `no` or `on` is written quoted, so it stays a name, not false."""
    source = write_csv(
        tmp_path, "email,fields.no,fields.on\ngrace@example.org,x,y\nn@example.com,1,2\n"
    )
    import_csv(golden, source)
    by_email = {s.email: s for s in load(golden)}
    assert dict(by_email["grace@example.org"].fields) == {
        "city": "Arlington", "vip": True, "no": "x", "on": "y",
    }  # fmt: skip
    assert dict(by_email["n@example.com"].fields) == {"no": "1", "on": "2"}
