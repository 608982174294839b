"""Read YAML as nodes with line numbers, so every problem can say `file:line:col`.

Pure apart from `compose_file`, which reads the file.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from newsletter.errors import Problem


def compose_file(path: Path) -> tuple[yaml.Node | None, list[Problem]]:
    """The YAML node tree of `path` (None for a file of only comments), or the syntax
    problem that stops it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(path, None, None, "no such file")]
    except UnicodeDecodeError as error:
        return None, [Problem(path, None, None, f"not UTF-8 text ({error.reason})")]
    except OSError as error:
        return None, [Problem(path, None, None, f"cannot read: {error.strerror}")]
    problems = [
        Problem(
            path, n, text.splitlines()[n - 1].index("\t") + 1, "tab character; indent with spaces"
        )
        for n, line in enumerate(text.splitlines(), start=1)
        if "\t" in line[: len(line) - len(line.lstrip())]
    ]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        return None, [*problems, syntax_problem(error, text, path)]
    return node, problems


def syntax_problem(error: yaml.MarkedYAMLError, text: str, path: Path) -> Problem:
    """A YAML syntax error at its line, in words: indentation mistakes are named as such."""
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return Problem(path, None, None, f"YAML syntax: {error.problem or error.context}")
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    message = f"YAML syntax: {error.problem}"
    if error.problem == "mapping values are not allowed here":
        if ": " in line[: mark.column] or line[: mark.column].rstrip().endswith(":"):
            message = (
                'YAML syntax: a second `: ` in a value; put the value in quotes, like name: "A: B"'
            )
        else:
            message = "YAML syntax: probably indentation" + _indent_hint(lines, mark.line)
    elif (error.problem or "").startswith("expected <block end>"):
        message = "YAML syntax: probably indentation" + _indent_hint(lines, mark.line)
    elif error.context and error.context_mark and error.context_mark.line != mark.line:
        message += f" ({error.context} at line {error.context_mark.line + 1})"
    return Problem(path, mark.line + 1, mark.column + 1, message)


def _indent_hint(lines: list[str], index: int) -> str:
    """How the line at `index` is indented against the nearest lines above it."""
    here = lines[index] if index < len(lines) else ""
    indent = len(here) - len(here.lstrip(" "))
    nearest: list[int] = []
    for text in reversed(lines[:index]):
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        column = len(text) - len(text.lstrip(" "))
        if column != indent and column not in nearest:
            nearest.append(column)
        if len(nearest) == 2:
            break
    shown = " or ".join(str(c) for c in sorted(nearest))
    if not shown:
        return f": this line is indented by {indent} spaces"
    return (
        f": this line is indented by {indent} spaces, the lines above it by {shown}; "
        "line it up with the key it belongs beside"
    )


def where(path: Path, node: yaml.Node, message: str) -> Problem:
    return Problem(path, node.start_mark.line + 1, node.start_mark.column + 1, message)


def mapping_items(
    path: Path, node: yaml.Node, problems: list[Problem]
) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """The (key, key node, value node) triples of a mapping node; reports duplicate keys."""
    if not isinstance(node, yaml.MappingNode):
        problems.append(where(path, node, "expected a mapping of `key: value` lines"))
        return []
    seen: set[str] = set()
    items = []
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in seen:
            problems.append(where(path, key_node, f"duplicate key `{key}`"))
            continue
        seen.add(key)
        items.append((key, key_node, value_node))
    return items


def scalar(node: yaml.Node) -> object:
    """The Python value of a scalar node, as the safe loader would construct it."""
    return yaml.SafeLoader(" ").construct_object(node, deep=True)
