"""Near-duplicates: shingle Jaccard, and grouping that finds exactly the pairs at the threshold."""

import math
import random
import subprocess
import sys

import pytest

from newsletter.content.dedupe import (
    LSH_FROM,
    _pairs_exact,
    _pairs_indexed,
    _shingle_texts,
    group_near_duplicates,
    jaccard,
    shingles,
)

INF, NAN = math.inf, math.nan

ORIGINAL = (
    "The regional rail operator will replace its entire diesel fleet with battery trains by 2030, "
    "its chief executive announced on Thursday. The plan covers 140 trains on eleven lines, most "
    "of them in rural valleys where overhead wires were judged too costly to build. The battery "
    "trains will recharge at terminal stations during their turnaround time, which the operator "
    "says is long enough on every line but one. Passenger groups welcomed the announcement but "
    "asked for more frequent services on the valley lines."
)
# The same story as another outlet would run it: lead rewritten, some sentences reused.
REWRITTEN = (
    "Diesel trains will vanish from the region's valleys within six years. The rail operator's "
    "chief executive said on Thursday that battery trains would take over. The plan covers 140 "
    "trains on eleven lines, most of them in rural valleys where overhead wires were judged too "
    "costly to build. The battery trains will recharge at terminal stations during their "
    "turnaround time, which the operator says is long enough on every line but one. Unions said "
    "depots would need retraining."
)
UNRELATED = (
    "The parish council voted on Tuesday to keep the village library open for another three "
    "years, after a petition gathered more than two thousand signatures from residents. "
    "Volunteers will staff the building on weekends, and the county will pay for heating."
)


def test_rewritten_story_is_in_the_same_story_band() -> None:
    """A story rewritten around shared sentences scores 0.25 or more; unrelated text ~0."""
    assert jaccard(shingles(ORIGINAL), shingles(REWRITTEN)) >= 0.25
    assert jaccard(shingles(ORIGINAL), shingles(UNRELATED)) < 0.05


def test_shingles_ignore_case_and_punctuation() -> None:
    """Casing, punctuation and quote style do not change the shingles."""
    assert shingles("It’s a NEW day, for everyone here!") == shingles(
        "it's a new day for everyone here"
    )


def test_short_text_has_one_shingle_and_empty_has_none() -> None:
    """Texts shorter than k words still compare; an empty text matches nothing."""
    assert len(shingles("three word text")) == 1
    assert shingles("") == frozenset()
    assert jaccard(frozenset(), frozenset()) == 0.0


def test_shingles_are_stable_across_runs() -> None:
    """Hashes do not depend on Python's per-process string hash seed."""
    assert min(shingles("one two three four five")) == 4475916206259131367


def test_groups_list_each_index_once_in_order() -> None:
    """Duplicates merge into one group; groups are sorted and ordered by first index."""
    groups = group_near_duplicates(
        [UNRELATED, ORIGINAL, "Something else entirely here.", REWRITTEN]
    )
    assert groups == [[0], [1, 3], [2]]


def test_grouping_is_transitive() -> None:
    """A~B and B~C put A, B and C in one group even when A and C differ more."""
    words = [f"w{i}" for i in range(70)]
    a = " ".join(words[:40])
    b = " ".join(words[15:55])
    c = " ".join(words[30:70])
    assert jaccard(shingles(a), shingles(c)) < 0.25
    assert group_near_duplicates([a, b, c]) == [[0, 1, 2]]


def _batch(n_stories: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    vocabulary = [f"word{i}" for i in range(5000)]
    texts = []
    for _ in range(n_stories):
        story = [rng.choice(vocabulary) for _ in range(120)]
        texts.append(" ".join(story))
        if rng.random() < 0.3:
            edited = list(story)
            for i in range(0, len(edited), rng.choice((12, 20, 40))):
                edited[i] = rng.choice(vocabulary)
            texts.append(" ".join(edited))
    rng.shuffle(texts)
    return texts


def _exact_groups(texts: list[str]) -> list[list[int]]:
    sets = [shingles(t) for t in texts]
    group_of = list(range(len(texts)))
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if jaccard(sets[i], sets[j]) >= 0.25:
                old, new = group_of[j], group_of[i]
                group_of = [new if g == old else g for g in group_of]
    groups: dict[int, list[int]] = {}
    for i, g in enumerate(group_of):
        groups.setdefault(g, []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def test_large_batch_finds_the_same_groups_as_exact_comparison() -> None:
    """At a size where sampling (MinHash-LSH) used to be needed, the groups still equal
    those of exact pairwise Jaccard."""
    texts = _batch(LSH_FROM, seed=7)
    assert len(texts) >= LSH_FROM
    groups = group_near_duplicates(texts)
    assert groups == _exact_groups(texts)
    assert sum(len(g) > 1 for g in groups) >= LSH_FROM // 10


@pytest.mark.parametrize("seed", range(6))
def test_indexed_pairs_are_exactly_the_pairs_at_the_threshold(seed: int) -> None:
    """The index (rarest shingles first) misses no pair and adds none, at any threshold:
    small vocabularies make many partial overlaps, the hard case for prefix filtering."""
    rng = random.Random(seed)
    for _ in range(40):
        vocabulary = [f"w{i}" for i in range(rng.randint(2, 7))]
        texts = [
            " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 14)))
            for _ in range(rng.randint(1, 30))
        ]
        sets = [_shingle_texts(t, rng.randint(1, 5)) for t in texts]
        for threshold in (
            -1.0,
            0.0,
            0.01,
            0.1,
            0.25,
            0.3,
            1 / 3,
            0.5,
            0.7,
            0.9,
            1.0,
            1.5,
            INF,
            NAN,
        ):
            assert _pairs_indexed(sets, threshold) == _pairs_exact(sets, threshold)


def test_shingle_texts_and_hashes_agree() -> None:
    """Grouping compares the shingles themselves; `shingles` hashes exactly those."""
    for text in (ORIGINAL, REWRITTEN, "three word text", "", "It’s a NEW day"):
        assert len(shingles(text)) == len(_shingle_texts(text, 5))
    a, b = _shingle_texts(ORIGINAL, 5), _shingle_texts(REWRITTEN, 5)
    assert jaccard(a, b) == jaccard(shingles(ORIGINAL), shingles(REWRITTEN))


def test_grouping_a_large_batch_does_not_import_datasketch() -> None:
    """Grouping never needs MinHash: datasketch, which imports scipy (about a second), stays
    out of the process even for a batch well above the old LSH size."""
    code = (
        "import sys\n"
        "from newsletter.content.dedupe import group_near_duplicates\n"
        "texts = [f'story {i} ' + ' '.join(f'w{j}' for j in range(i, i + 30)) for i in range(600)]\n"
        "group_near_duplicates(texts)\n"
        "print(sorted(m for m in ('datasketch', 'scipy', 'numpy') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
