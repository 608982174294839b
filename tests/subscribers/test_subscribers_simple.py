"""`load` reads a file in the usual shape with a quick reader (`simple.read_simple`) and any
other with the full node walk (`load_full`): whatever the file, the two answer alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from bench.common import subscribers_yaml
from newsletter.errors import SubscriberFileError
from newsletter.model import Format, Status, Subscriber
from newsletter.subscribers import load
from newsletter.subscribers.emit import dump, scalar
from newsletter.subscribers.nodes import plain_tag
from newsletter.subscribers.parse import load_full
from newsletter.subscribers.simple import read_simple

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _outcome(read: Callable[[Path], object], path: Path) -> tuple[str, object]:
    """("ok", subscribers) or ("problems", every problem as printed); any other exception
    (a control character, a custom field dated 2024-02-30...) fails the test."""
    try:
        return "ok", read(path)
    except SubscriberFileError as error:
        return "problems", [str(p) for p in error.problems]


def _same_as_full(path: Path, smtputf8: bool = False) -> bool:
    """Assert `load` answers as `load_full`; True if the quick reader took the file."""
    full = _outcome(lambda p: load_full(p, smtputf8=smtputf8), path)
    assert _outcome(lambda p: load(p, smtputf8=smtputf8), path) == full
    text = path.read_bytes().decode("utf-8", errors="replace")
    quick = read_simple(text, smtputf8=smtputf8)
    if quick is None:
        return False
    assert full == ("ok", quick)  # taken quickly: the full walk finds no problem either
    return True


# ---- files of every sort, valid or not ------------------------------------------------

# fmt: off
WORDS = [
    "Ada", "Ada Lovelace", "Grace   Hopper", "O'Brien", 'say "hi"', "Zoë", "名前", "😀 smile",
    "a\u00a0b", "a:b", "a, b", "x]", "x}", "1 2", "tech", "science", "Energy", " padded ",
    "a - b", "it's", "back\\slash", "50%", "a!b", "a&b", "a*b", "a|b", "a>b", "a?b", "-a",
]
ODD = [
    "", "yes", "No", "on", "~", "null", "NULL", "123", "-5", "1.5", ".inf", "0x1F", "1_000",
    "2024-01-15", "2024-02-30", "2024-01-15 10:00:00", "12:30", "a: b", "a #b", "a#b", "a:",
    "?a", ":a", "[a", "{a}", "[a, b]", "{a: b}", "&a x", "*a", "!!str x", "!x y", "|", ">",
    "@x", "%x", "`x", "'x", '"x', "a\tb", "tab\t", "a\u2028b", "a\x85b", "\ufeffx", "a\x07b",
    "a\rb", "<<", "=", "- x", "#x", "---", "...", "'a''", '"a\\"', '"\\q"', "-",
]
ODD_EMAILS = [
    "jörg@example.com", "a..b@example.com", "a@b", "@example.com", "ada@exämple.com",
    "ada@EXAMPLE.com", "ADA0@example.com", "a@ex_ample.com", "x y@example.com",
]
# fmt: on
LOCALS = ["ada", "grace.hopper", "x+tag", "o'neil", "b_b", "Zed"]
DATES = ["2024-01-15", "'2024-01-15'", "1999-12-31", "2024-02-29"]
KEYS = ["email", "name", "status", "topics", "format", "joined", "fields"]
ODD_KEYS = ["staus", "Email", "<<", '"email"', "'name'", "email ", "yes", "1", "first-name"]
FIELD_KEYS = ["city", "age", "vip", "since", "note", "_x1", "Name"]
ODD_FIELD_KEYS = ["city", "no", "'no'", "first-name", "null", "1", "[a]"]
FIELD_VALUES = ["London", "36", "true", "2020-05-01", "null", "", "-1", "1.5", "'x y'", '"q"']
COMMENTS = ["", "", "  # note", " #: odd - comment"]
ODD_COMMENTS = ["#x", " # bell\x07", " # next line\x85", " # \u2028", " #\ufeff"]
BROKEN_ENTRIES = [
    "{email: f@example.com, name: F}",
    "g@example.com",
    "[h@example.com]",
    "&a {email: i@example.com}",
    "*a",
]
STYLES = st.sampled_from(["plain", "plain", "single", "double", "emit"])


def sometimes(draw: st.DrawFn, odds: int, usual: Any, odd: Any) -> Any:
    """A draw from `odd` one time in `odds` (never when 0), else from `usual`."""
    return draw(odd) if odds and draw(st.integers(1, odds)) == 1 else draw(usual)


@st.composite
def written(
    draw: st.DrawFn, text: st.SearchStrategy[str], style: st.SearchStrategy[str] = STYLES
) -> str:
    """`text` as a YAML value in a drawn style: plain, quoted, escaped, or as `emit` would."""
    value = draw(text)
    how = draw(style)
    if how == "single":
        return "'" + value.replace("'", "''") + "'"
    if how == "double":
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        if draw(st.booleans()):
            escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped)
        return f'"{escaped}"'
    if how == "emit" and "\n" not in value:
        return scalar(value, draw(st.sampled_from([None, "'", '"'])))
    return value


odd_values = written(st.sampled_from(ODD + WORDS) | st.text(max_size=5))
names = written(st.sampled_from(WORDS))
topics = written(st.sampled_from(WORDS[:20]), st.sampled_from(["plain", "plain", "single"]))


@st.composite
def entry_lines(draw: st.DrawFn, odds: int, n: int, key_col: int) -> list[tuple[int, str]]:
    """The (indent, text) lines of entry `n`, the first of them to go on the dash line."""
    keys = draw(st.lists(st.sampled_from(KEYS[1:]), max_size=6, unique=True))
    keys = sometimes(draw, odds, st.just(["email", *keys]), st.just(keys))
    if sometimes(draw, odds, st.just(False), st.booleans()):
        keys.insert(draw(st.integers(0, len(keys))), draw(st.sampled_from(KEYS + ODD_KEYS)))
    deeper = key_col + sometimes(draw, odds, st.sampled_from([2, 4]), st.sampled_from([0, 1, -1]))
    lines: list[tuple[int, str]] = []
    for key in keys:
        comment = sometimes(draw, odds, st.sampled_from(COMMENTS), st.sampled_from(ODD_COMMENTS))
        if key == "email":
            usual = written(st.just(f"{draw(st.sampled_from(LOCALS))}{n}@example.com"))
            value = sometimes(draw, odds, usual, written(st.sampled_from(ODD_EMAILS)) | odd_values)
        elif key in ("status", "format"):
            choices = [*Status] if key == "status" else [*Format]
            usual = written(st.sampled_from(choices), st.sampled_from(["plain", "single"]))
            value = sometimes(draw, odds, usual, odd_values)
        elif key == "joined":
            value = sometimes(draw, odds, st.sampled_from(DATES), odd_values)
        elif key == "topics" and draw(st.booleans()):
            item = sometimes(draw, odds, st.just(topics), st.just(odd_values))
            lines.append((key_col, f"topics:{comment}"))
            lines.extend((deeper, f"- {i}") for i in draw(st.lists(item, max_size=3)))
            continue
        elif key == "topics":
            value = "[" + ", ".join(draw(st.lists(topics, max_size=3))) + "]"
            value = sometimes(draw, odds, st.just(value), odd_values)
        elif key == "fields":
            pair = st.tuples(st.sampled_from(FIELD_KEYS), st.sampled_from(FIELD_VALUES))
            pairs = draw(st.lists(pair, max_size=3))
            if sometimes(draw, odds, st.just(False), st.just(True)):
                pairs.append((draw(st.sampled_from(ODD_FIELD_KEYS)), draw(odd_values)))
            if draw(st.booleans()):
                lines.append((key_col, f"fields:{comment}"))
                lines.extend((deeper, f"{k}: {v}".rstrip()) for k, v in pairs)
                continue
            value = "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        else:
            value = sometimes(draw, odds, names, odd_values)
        lines.append((key_col, f"{key}: {value}{comment}"))
        if draw(st.integers(0, 7)) == 0:
            lines.append((draw(st.integers(0, key_col + 4)), draw(st.sampled_from(["# c", ""]))))
    return lines


@st.composite
def subscriber_files(draw: st.DrawFn) -> str:
    """A subscriber file: half of them valid and in the usual shape, the others with a
    little or a lot of trouble (bad values and keys, odd YAML, layout and characters)."""
    odds = draw(st.sampled_from([0, 0, 0, 30, 8, 3]))
    heads = st.sampled_from(["# Readers", "", "---", "# a\n\n---"])
    odd_heads = st.sampled_from(["%YAML 1.1\n---", "--- # doc", "...", "# x\n---\n---"])
    lists = st.sampled_from(["subscribers:", "subscribers:  # the list"])
    odd_lists = st.sampled_from(
        ["subscriber:", " subscribers:", "subscribers: []", "- subscribers:", "subscribers: ~"]
    )
    lines = [sometimes(draw, odds, heads, odd_heads), sometimes(draw, odds, lists, odd_lists)]
    dash = draw(st.sampled_from([0, 2, 2, 4]))
    for n in range(draw(st.integers(0, 6))):
        gap = draw(st.sampled_from([1, 1, 3]))
        indent = sometimes(draw, odds, st.just(dash), st.integers(0, 5))
        if sometimes(draw, odds * 3, st.just(False), st.just(True)):
            lines.append(" " * indent + "- " + draw(st.sampled_from(BROKEN_ENTRIES)))
            continue
        body = draw(entry_lines(odds, n, indent + 1 + gap))
        if not body or not body[0][1]:
            lines.append(" " * indent + "-")
        for i, (column, text) in enumerate(body):
            lead = " " * indent + "-" + " " * gap if i == 0 and text else " " * column
            lines.append(lead + text)
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(["", "# between", "    # indented aside"])))
    tails = st.sampled_from(["", "# end"])
    odd_tails = st.sampled_from(["other: 1", "...", "  - ", "\t", "---"])
    lines.append(sometimes(draw, odds, tails, odd_tails))
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "\n", ""]))
    if draw(st.integers(0, 5)) == 0:
        text = text.replace("\n", "\r\n")
    if sometimes(draw, odds * 3, st.just(False), st.just(True)):
        text = "\ufeff" + text
    if sometimes(draw, odds * 2, st.just(False), st.just(True)):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(list("\t\r #:-'\n"))) + text[at:]
    return text


@SETTINGS
@given(text=subscriber_files(), smtputf8=st.booleans())
@example(text="subscribers:\n  - email: a@example.com\n    name: A\n    name: B\n", smtputf8=False)
@example(text="subscribers:\n  - email: a@example.com\n  - email: A@EXAMPLE.com\n", smtputf8=False)
@example(text="subscribers:\n- email: a@example.com\n  topics: {}\n", smtputf8=False)
@example(text="subscribers:\n- email: a@example.com\n  fields: {a: 2024-02-30}\n", smtputf8=True)
def test_load_answers_as_the_full_walk(tmp_path: Path, text: str, smtputf8: bool) -> None:
    """For any file, valid or not, `load` returns the subscribers the full node walk
    returns, or raises with the very same problems (lines, columns and words); and when
    the quick reader takes a file, the full walk finds no problem in it and equal subscribers."""
    path = tmp_path / "subscribers.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    event("read quickly" if _same_as_full(path, smtputf8) else "read the full way")


# ---- valid files in the usual shapes: the quick reader takes them ---------------------

nice_texts = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEZ0123456789 .'-_,éß名", min_size=1, max_size=12
)
texts = nice_texts.filter(lambda t: t.strip() == t and t[0] not in "-'")
field_names = st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda name: isinstance(yaml.safe_load(name), str)  # not `no`, `on`, `null`...
)
field_values = st.one_of(
    texts, st.integers(), st.booleans(), st.none(), st.dates(min_value=date(1900, 1, 1))
)
locals_ = st.from_regex(r"[a-z0-9][a-z0-9.+_-]{0,8}[a-z0-9]", fullmatch=True).filter(
    lambda local: ".." not in local
)


@st.composite
def subscriber_lists(draw: st.DrawFn) -> list[Subscriber]:
    return [
        Subscriber(
            email=f"{local}@{draw(st.sampled_from(['example.com', 'example.org']))}",
            name=draw(st.none() | texts),
            status=draw(st.sampled_from(Status)),
            topics=frozenset(draw(st.lists(texts, max_size=3))),
            format=draw(st.sampled_from(Format)),
            joined=draw(st.none() | st.dates(min_value=date(1900, 1, 1))),
            fields=MappingProxyType(draw(st.dictionaries(field_names, field_values, max_size=3))),
        )
        for local in draw(st.lists(locals_, min_size=1, max_size=5, unique=True))
    ]


def _pair_lines(
    draw: st.DrawFn, lead: str, col: int, key: str, value: Any, style: str | None
) -> list[str]:
    comment = draw(st.sampled_from(COMMENTS))
    block = draw(st.booleans())
    if key == "topics" and value and block:
        return [
            f"{lead}topics:{comment}",
            *(f"{' ' * (col + 2)}- {scalar(t, style)}" for t in value),
        ]
    if key == "fields" and value and block:
        pad = " " * (col + 4)
        return [
            f"{lead}fields:{comment}",
            *(f"{pad}{k}: {scalar(v, style)}" for k, v in value.items()),
        ]
    if key == "fields":
        inner = ", ".join(f"{k}: {scalar(v, style, flow=True)}" for k, v in value.items())
        return [f"{lead}fields: {{{inner}}}{comment}"]
    if key == "topics":
        return [f"{lead}topics: [{', '.join(scalar(t, style, flow=True) for t in value)}]{comment}"]
    return [f"{lead}{key}: {'' if value is None else scalar(value, style)}{comment}"]


@st.composite
def usual_layouts(draw: st.DrawFn, subscribers: list[Subscriber]) -> str:
    """`subscribers` written as people and tools write them: any dash column and gap,
    keys in any order, quoting styles, flow or block topics and fields, comments, CRLF."""
    dash = draw(st.sampled_from([0, 2, 4]))
    out = [draw(st.sampled_from(["", "# Readers\n", "---\n", "# a\n\n"])) + "subscribers:"]
    for s in subscribers:
        gap = draw(st.sampled_from([1, 3]))
        col = dash + 1 + gap
        pairs: list[tuple[str, Any]] = [("email", s.email), ("name", s.name), ("status", s.status)]
        pairs += [("topics", sorted(s.topics)), ("format", s.format), ("joined", s.joined)]
        pairs += [("fields", dict(s.fields))]
        pairs = [p for p in pairs if p[1] is not None or draw(st.booleans())]
        pairs = [pairs[0], *draw(st.permutations(pairs[1:]))]
        for n, (key, value) in enumerate(pairs):
            lead = " " * dash + "-" + " " * gap if n == 0 else " " * col
            style = draw(st.sampled_from([None, "'", '"']))
            out.extend(_pair_lines(draw, lead, col, key, value, style))
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(["", "# aside", " " * col + "# inside"])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(out) + newline


@SETTINGS
@given(data=st.data(), subscribers=subscriber_lists())
def test_usual_files_are_read_quickly_and_equal(
    tmp_path: Path, data: st.DataObject, subscribers: list[Subscriber]
) -> None:
    """A valid file in any of the usual layouts is taken by the quick reader (not handed
    to the full walk), and reads as exactly the subscribers written, in order."""
    text = data.draw(usual_layouts(subscribers))
    assert read_simple(text) == tuple(subscribers)
    path = tmp_path / "subscribers.yaml"
    path.write_bytes(text.encode("utf-8"))
    assert load_full(path) == tuple(subscribers)


one_line = st.text(
    st.characters(blacklist_categories=["Cc", "Cs", "Zl", "Zp"]), min_size=1, max_size=12
)


@SETTINGS
@given(subscribers=subscriber_lists(), names=st.lists(one_line, min_size=5, max_size=5))
def test_what_the_tools_write_reads_the_same(
    tmp_path: Path, subscribers: list[Subscriber], names: list[str]
) -> None:
    """What `add`, `import` and `export` write, with names of any characters, reads the
    same through `load` as through the full walk."""
    named = [Subscriber(email=s.email, name=n) for s, n in zip(subscribers, names, strict=False)]
    path = tmp_path / "subscribers.yaml"
    for written_list in (subscribers, named):
        path.write_text(dump(written_list), encoding="utf-8")
        _same_as_full(path)


# ---- particular files ------------------------------------------------------------------


def test_benchmark_list_is_read_quickly() -> None:
    """The benchmark's list (names, some topics, some text-only, dates) is in the usual
    shape: the quick reader takes it."""
    quick = read_simple(subscribers_yaml(500))
    assert quick is not None and len(quick) == 500


def test_windows_line_ends_are_read_quickly(tmp_path: Path) -> None:
    """A file saved with CRLF line ends is in the usual shape, and reads the same."""
    text = subscribers_yaml(50).replace("\n", "\r\n")
    path = tmp_path / "subscribers.yaml"
    path.write_bytes(text.encode("utf-8"))
    assert _same_as_full(path)


@pytest.mark.parametrize(
    "text",
    [
        # valid YAML left to the full walk
        "subscribers:\n  - &a\n    email: a@example.com\n",
        "subscribers:\n  - email: a@example.com\n    name: !!str Ada\n",
        "subscribers:\n  - email: a@example.com\n    name: Ada\n      Lovelace\n",
        "subscribers:\n  - email: a@example.com\n    name: 'Ada\n      Lovelace'\n",
        "subscribers:\n  - email: a@example.com\n    name: >\n      Ada\n",
        "subscribers:\n  - email: a@example.com\n    topics:\n    - tech\n",
        "subscribers:\n  - {email: a@example.com, topics: [tech]}\n",
        "subscribers: [{email: a@example.com}]\n",
        "subscribers:\n  -\n    email: a@example.com\n",
        "\ufeffsubscribers:\n  - email: a@example.com\n",
        "subscribers:\n",
        "subscribers: []\n",
        # and files with problems
        "subscribers:\n  - email: a@example.com\n    fields: {city: A, city: B}\n",
        "subscribers:\n  - email: a@example.com\n    staus: bounced\n",
        "subscribers:\n  - email: a@example.com\n    status: gone\n",
        "subscribers:\n  - email: a@example.com\n    name: yes\n",
        "subscribers:\n  - email: a@example.com\n    topics: tech\n",
        "subscribers:\n  - email: a@example.com\n    fields:\n      yes: 1\n",
        "subscribers:\n  - email: a@example.com\n\tname: Ada\n",
        "subscribers:\n  - email: a@example.com\n   name: Ada\n",
        "subscribers:\n  - email: a@example.com\n  other: 1\n",
        "subscribers:\n  - name: Ada\n",
        "subscribers:\n  - a@example.com\n",
        'subscribers:\n  - email: a@example.com\n    name: "bell\\a"\n',
        "subscribers:\n  - email: a@example.com\nextra: 1\n",
    ],
)
def test_unusual_and_broken_files_answer_as_the_full_walk(tmp_path: Path, text: str) -> None:
    """Anchors, tags, folded or indentless values, braces, a BOM, an empty list, duplicate
    keys, unknown keys, refused values, tabs, bad indentation: `load` answers exactly as the
    full walk, messages with their lines and columns included."""
    path = tmp_path / "subscribers.yaml"
    path.write_text(text, encoding="utf-8")
    _same_as_full(path)


def test_duplicate_key_is_still_reported(tmp_path: Path) -> None:
    """A key written twice in an entry is a problem at its line, as before, though plain
    YAML loading would silently keep the last one."""
    path = tmp_path / "subscribers.yaml"
    path.write_text(
        "subscribers:\n  - email: a@example.com\n    status: unsubscribed\n    status: active\n",
        encoding="utf-8",
    )
    with pytest.raises(SubscriberFileError) as caught:
        load(path)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (4, 5)
    assert "duplicate key `status` (first at line 3)" in problem.message


def test_address_listed_twice_is_still_reported(tmp_path: Path) -> None:
    """Two entries whose addresses differ only in case are one reader: a problem at the
    second, as before."""
    path = tmp_path / "subscribers.yaml"
    path.write_text(
        "subscribers:\n  - email: ada@example.com\n    name: Ada\n  - email: ADA@Example.com\n",
        encoding="utf-8",
    )
    with pytest.raises(SubscriberFileError) as caught:
        load(path)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (4, 12)
    assert "ada@example.com is listed twice (first at line 2)" in problem.message


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=12) | st.sampled_from(ODD + WORDS + FIELD_VALUES + FIELD_KEYS))
def test_plain_tag_is_the_resolvers_tag(value: str) -> None:
    """The tag of a plain value, shortcut and cache included, is the one PyYAML's resolver
    gives it, so both readers see `yes`, `~`, `2024-01-15` and `1_000` alike."""
    resolver = yaml.resolver.Resolver()
    assert plain_tag(value) == resolver.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
