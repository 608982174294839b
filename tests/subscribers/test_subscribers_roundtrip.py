"""Round trips, as properties: any valid list survives dump and load, and any single edit of
a hand-written file changes that one entry and leaves every other byte where it was."""

from __future__ import annotations

import dataclasses
import string
import unicodedata
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter.model import Format, Status, Subscriber
from newsletter.subscribers import add, load, remove, set_status
from newsletter.subscribers.emit import dump, scalar

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _one_line(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cs", "Zl", "Zp")


texts = st.text(st.characters(codec="utf-8").filter(_one_line), min_size=1, max_size=20)
topics = texts.filter(lambda t: t.strip() != "")
field_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
field_values = st.one_of(
    texts, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False),
    st.dates(min_value=date(1900, 1, 1)),
)  # fmt: skip


@st.composite
def subscriber_lists(draw: st.DrawFn, min_size: int = 0) -> list[Subscriber]:
    alphabet = string.ascii_lowercase + string.digits + "+_-"
    locals_ = draw(
        st.lists(
            st.text(alphabet, min_size=1, max_size=12), min_size=min_size, max_size=6, unique=True
        )
    )
    return [
        Subscriber(
            email=f"{local}@{draw(st.sampled_from(['example.com', 'example.org']))}",
            name=draw(st.none() | texts),
            status=draw(st.sampled_from(Status)),
            topics=frozenset(draw(st.lists(topics, max_size=3))),
            format=draw(st.sampled_from(Format)),
            joined=draw(st.none() | st.dates(min_value=date(1900, 1, 1))),
            fields=MappingProxyType(draw(st.dictionaries(field_names, field_values, max_size=3))),
        )
        for local in dict.fromkeys(locals_)
    ]


@SETTINGS
@given(subscriber_lists())
def test_dump_then_load_is_identity(tmp_path: Path, subscribers: list[Subscriber]) -> None:
    """Any list of valid subscribers, dumped to YAML, loads back equal and in order."""
    path = tmp_path / "subscribers.yaml"
    path.write_text(dump(subscribers), encoding="utf-8")
    assert load(path) == tuple(subscribers)


# ---- hand-written files --------------------------------------------------------------


@dataclasses.dataclass
class Written:
    text: str
    spans: list[tuple[int, int]]  # each entry's characters in `text`


def _value(draw: st.DrawFn, value: Any) -> str:
    style = draw(st.sampled_from([None, "'", '"'])) if isinstance(value, str) else None
    return scalar(value, style)


def _entry_lines(draw: st.DrawFn, s: Subscriber, dash: int, gap: int) -> list[str]:
    pairs: list[tuple[str, Any]] = [("email", s.email)]
    if s.name is not None:
        pairs.append(("name", s.name))
    if s.status is not Status.ACTIVE or draw(st.booleans()):
        pairs.append(("status", s.status.value))
    if bool(s.topics) or draw(st.booleans()):
        pairs.append(("topics", sorted(s.topics)))
    if s.format is not Format.HTML or draw(st.booleans()):
        pairs.append(("format", s.format.value))
    if s.joined is not None:
        pairs.append(("joined", s.joined))
    if s.fields:
        pairs.append(("fields", dict(s.fields)))
    pairs = draw(st.permutations(pairs))
    if draw(st.integers(0, 5)) == 0:  # now and then, one flow mapping on the dash line
        inner = ", ".join(f"{k}: {scalar(v, flow=True)}" for k, v in pairs)
        return [" " * dash + "- {" + inner + "}"]
    key_col = dash + 1 + gap
    lines = []
    for n, (key, value) in enumerate(pairs):
        lead = " " * dash + "-" + " " * gap if n == 0 else " " * key_col
        comment = draw(st.sampled_from(["", "", "  # note", "   #: odd - comment"]))
        if key == "topics" and value and draw(st.booleans()):
            lines.append(f"{lead}topics:{comment}")
            lines.extend(f"{' ' * (key_col + 2)}- {_value(draw, t)}" for t in value)
        elif key == "fields":
            lines.append(f"{lead}fields:{comment}")
            lines.extend(
                f"{' ' * (key_col + 2)}{_value(draw, k)}: {_value(draw, v)}"
                for k, v in value.items()
            )
        else:
            lines.append(f"{lead}{key}: {_value(draw, value)}{comment}")
        if draw(st.integers(0, 4)) == 0:
            lines.append(" " * key_col + "# an aside, inside the entry")
    return lines


@st.composite
def hand_written(draw: st.DrawFn, subscribers: list[Subscriber]) -> Written:
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    dash = draw(st.sampled_from([0, 2, 4]))
    gap = draw(st.sampled_from([1, 3]))
    text = draw(st.sampled_from(["", "# Readers\n", "# Readers\n\n", "---\n"])).replace(
        "\n", newline
    )
    text += "subscribers:" + draw(st.sampled_from(["", "  # the list"])) + newline
    spans = []
    for s in subscribers:
        text += draw(st.sampled_from(["", "", newline, f"# about {s.email}{newline}"]))
        start = len(text)
        text += newline.join(_entry_lines(draw, s, dash, gap)) + newline
        spans.append((start, len(text)))
    text += draw(st.sampled_from(["", "# end" + newline, newline]))
    return Written(text, spans)


def _spliced_at(old: str, new: str, window: range) -> bool:
    """True if `new` is `old` with one contiguous insertion or deletion starting in `window`."""
    short, long = (old, new) if len(old) <= len(new) else (new, old)
    size = len(long) - len(short)
    return any(
        long[:x] == short[:x] and long[x + size :] == short[x:] for x in window if x <= len(short)
    )


@SETTINGS
@given(data=st.data(), subscribers=subscriber_lists(min_size=1))
def test_single_edit_touches_only_its_entry(
    tmp_path: Path, data: st.DataObject, subscribers: list[Subscriber]
) -> None:
    """On a generated hand-written file (odd indents, quoting, comments, CRLF, flow
    entries), one edit reads back as intended and changes only its own entry's text."""
    written = data.draw(hand_written(subscribers))
    path = tmp_path / "subscribers.yaml"
    path.write_bytes(written.text.encode("utf-8"))
    assert load(path) == tuple(subscribers)
    operation = data.draw(st.sampled_from(["status", "remove", "add"]))
    n = data.draw(st.integers(0, len(subscribers) - 1))
    target = subscribers[n]
    expected = list(subscribers)
    if operation == "status":
        status = data.draw(st.sampled_from(Status))
        changed = set_status(path, target.email.upper(), status)
        assert changed == (status is not target.status)
        expected[n] = dataclasses.replace(target, status=status)
    elif operation == "remove":
        assert remove(path, target.email) is True
        del expected[n]
    else:
        new = Subscriber(email="zz-new@example.net", name="New, Reader: #1")
        add(path, new.email, name=new.name)
        expected.append(new)
    after = path.read_bytes().decode("utf-8")
    assert load(path) == tuple(expected)
    old = written.text
    if operation == "add":
        last_end = written.spans[-1][1]
        assert len(after) > len(old)
        assert _spliced_at(old, after, range(last_end - 2, len(old) + 1))
    elif operation == "remove":
        start, end = written.spans[n]
        assert _spliced_at(old, after, range(start - 2, end + 1))
    else:
        start, end = written.spans[n]
        tail = len(old) - end
        assert after[:start] == old[:start]
        assert after[len(after) - tail :] == old[end:]
