"""Read YAML as nodes with line numbers, so every problem can say `file:line:col`.

Pure apart from `compose_file`, which reads the file.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from newsletter.errors import Problem


def compose_file(path: Path) -> tuple[yaml.Node | None, list[Problem]]:
    """The YAML node tree of `path`, or the syntax problem that stops it."""
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
        mark = error.problem_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        return None, [*problems, Problem(path, line, col, f"YAML syntax: {error.problem}")]
    return node, problems


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
