"""`subscribers import` reads other services' exports as they are, keeping consent and standing."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Invoke

from newsletter.model import Status, Subscriber
from newsletter.subscribers import load

EXPORTS = Path(__file__).parent / "exports"


def _imported(invoke: Invoke, folder: Path, *names: str) -> dict[str, Subscriber]:
    for name in names:
        result = invoke("import", str(EXPORTS / name))
        assert result.exit_code == 0, result.output
    return {s.email: s for s in load(folder / "subscribers.yaml")}


def test_mailchimp_exports_keep_names_consent_and_standing(invoke: Invoke, folder: Path) -> None:
    """Mailchimp's three exports: names joined, CONFIRM_TIME (else OPTIN_TIME) kept as the
    consent record, the unsubscribed file's rows unsubscribed and the cleaned file's bounced."""
    got = _imported(
        invoke,
        folder,
        "mailchimp_subscribed.csv",
        "mailchimp_unsubscribed.csv",
        "mailchimp_cleaned.csv",
    )
    mira = got["mira@example.org"]
    assert (mira.name, mira.status) == ("Mira Okafor", Status.ACTIVE)
    assert mira.fields["consent_at"] == "2022-03-01T08:05:10Z"
    assert mira.fields["consent_how"] == "imported from Mailchimp"
    assert str(mira.joined) == "2022-03-01"
    assert mira.fields["tags"] == "Weekly"
    assert got["tom@example.org"].fields["consent_at"] == "2021-11-20T19:30:00Z"
    assert got["tom@example.org"].name == "Tom"
    assert got["lea@example.org"].status is Status.UNSUBSCRIBED
    assert got["lea@example.org"].name == "Léa Martin"
    assert got["gone@example.org"].status is Status.BOUNCED


@pytest.mark.parametrize(
    ("export", "service", "standing"),
    [
        (
            "substack.csv",
            "Substack",
            {
                "sam@example.org": Status.ACTIVE,
                "pay@example.org": Status.ACTIVE,
                "quiet@example.org": Status.UNSUBSCRIBED,
            },
        ),
        (
            "buttondown.csv",
            "Buttondown",
            {
                "bo@example.org": Status.ACTIVE,
                "left@example.org": Status.UNSUBSCRIBED,
                "never@example.org": Status.UNSUBSCRIBED,
                "dead@example.org": Status.BOUNCED,
            },
        ),
        (
            "listmonk.csv",
            "listmonk",
            {"kim@example.org": Status.ACTIVE, "spam@example.org": Status.UNSUBSCRIBED},
        ),
        (
            "ghost.csv",
            "Ghost",
            {"gia@example.org": Status.ACTIVE, "off@example.org": Status.UNSUBSCRIBED},
        ),
    ],
)
def test_each_service_export_is_recognized_by_its_header(
    invoke: Invoke, folder: Path, export: str, service: str, standing: dict[str, Status]
) -> None:
    """Substack, Buttondown, listmonk and Ghost exports import as they are: each row's
    standing from the service's own words (never active when it was not), and its signup
    time as the consent record naming the service."""
    got = _imported(invoke, folder, export)
    for email, status in standing.items():
        assert got[email].status is status, email
        assert got[email].fields["consent_how"] == f"imported from {service}"
        assert got[email].fields["consent_at"].endswith("Z")


def test_service_columns_land_in_name_joined_and_fields(invoke: Invoke, folder: Path) -> None:
    """Names, signup dates (any zone written, read as UTC), notes and labels come across."""
    got = _imported(invoke, folder, "ghost.csv", "listmonk.csv", "buttondown.csv")
    assert got["gia@example.org"].name == "Gia Rossi"
    assert got["gia@example.org"].fields["labels"] == "VIP, Early"
    assert got["off@example.org"].fields["notes"] == "asked to stop"
    assert got["kim@example.org"].fields["consent_at"] == "2023-03-03T03:03:03Z"
    assert str(got["kim@example.org"].joined) == "2023-03-03"
    assert got["bo@example.org"].fields["notes"] == "met at PyCon"


def test_map_names_the_columns_of_any_csv(invoke: Invoke, folder: Path) -> None:
    """--map email=COL,name=COL,… reads an unknown export; its status words are read
    (cleaned -> bounced) and its date becomes the consent record."""
    result = invoke(
        "import",
        str(EXPORTS / "other_service.csv"),
        "--map",
        "email=E-mail,name=Full name,status=State,consent_at=Signed up",
    )
    assert result.exit_code == 0, result.output
    got = {s.email: s for s in load(folder / "subscribers.yaml")}
    assert got["una@example.org"].name == "Una Ward"
    assert got["una@example.org"].status is Status.ACTIVE
    assert got["una@example.org"].fields["consent_at"] == "2023-09-09T09:09:09Z"
    assert got["una@example.org"].fields["consent_how"] == "imported from other_service.csv"
    assert got["vic@example.org"].status is Status.BOUNCED


def test_an_unmapped_foreign_header_names_the_services_and_map(invoke: Invoke) -> None:
    """Without --map, an unknown header is refused with the services read and --map named."""
    result = invoke("import", str(EXPORTS / "other_service.csv"))
    assert result.exit_code == 2
    assert "other_service.csv:1" in result.stderr
    assert "Mailchimp" in result.stderr and "--map" in result.stderr


def test_a_map_naming_a_missing_column_is_refused(invoke: Invoke, folder: Path) -> None:
    """--map naming a column the file lacks: exit 2, the file and the column named."""
    _imported(invoke, folder, "ghost.csv")
    before = (folder / "subscribers.yaml").read_bytes()
    result = invoke("import", str(EXPORTS / "other_service.csv"), "--map", "email=Mail")
    assert result.exit_code == 2
    assert "other_service.csv:1" in result.stderr and "'Mail'" in result.stderr
    assert (folder / "subscribers.yaml").read_bytes() == before


def test_an_unknown_status_word_names_the_line_and_imports_nothing(
    invoke: Invoke, folder: Path, tmp_path: Path
) -> None:
    """A status the service's table does not know is an error at file:line, nothing written."""
    bad = tmp_path / "listmonk.csv"
    bad.write_text(
        "uuid,email,name,attributes,status,created_at,updated_at\n"
        "1,ok@example.org,Ok,{},enabled,2023-01-01 00:00:00+00,\n"
        "2,odd@example.org,Odd,{},frozen,2023-01-01 00:00:00+00,\n",
        encoding="utf-8",
    )
    _imported(invoke, folder, "ghost.csv")
    before = (folder / "subscribers.yaml").read_bytes()
    result = invoke("import", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:3" in result.stderr and "'frozen'" in result.stderr
    assert (folder / "subscribers.yaml").read_bytes() == before


def test_a_consent_on_record_is_not_replaced(invoke: Invoke, folder: Path) -> None:
    """Importing a known reader again keeps the consent they already have on record."""
    _imported(invoke, folder, "mailchimp_subscribed.csv")
    got = _imported(invoke, folder, "ghost.csv", "mailchimp_subscribed.csv")
    assert got["mira@example.org"].fields["consent_how"] == "imported from Mailchimp"
    assert got["mira@example.org"].fields["consent_at"] == "2022-03-01T08:05:10Z"
