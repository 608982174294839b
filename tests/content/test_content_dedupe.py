"""Near-duplicates: shingle Jaccard, and the same grouping from the exact and LSH paths."""

import random

from newsletter.content.dedupe import LSH_FROM, group_near_duplicates, jaccard, shingles

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


def test_lsh_path_finds_the_same_groups_as_exact_comparison() -> None:
    """Above the LSH size, the groups equal those of exact pairwise Jaccard."""
    texts = _batch(LSH_FROM, seed=7)
    assert len(texts) >= LSH_FROM
    groups = group_near_duplicates(texts)
    assert groups == _exact_groups(texts)
    assert sum(len(g) > 1 for g in groups) >= LSH_FROM // 10
