"""Which items to draw so that every outcome gets evidence: a small set-cover search."""

from __future__ import annotations

from collections.abc import Sequence, Set

EXACT_LIMIT = 12
"""Up to this many outcomes the smallest cover is found exactly (breadth-first over
subsets); above it a greedy cover is used, which may be a little larger."""


def smallest_cover(
    needed: Set[str], item_outcomes: Sequence[Set[str]], order: Sequence[int] | None = None
) -> list[int] | None:
    """Indices of as few items as possible whose outcomes together include ``needed``.

    ``order`` is the order items are tried in (a shuffled order gives a random cover
    among the smallest ones). ``None`` when the items cannot cover ``needed`` at all.
    """
    tried = list(order) if order is not None else list(range(len(item_outcomes)))
    goal = sorted(needed)
    if not set(goal) <= set().union(*item_outcomes, set()):
        return None
    if len(goal) > EXACT_LIMIT:
        return _greedy(set(goal), item_outcomes, tried)
    bit = {outcome: 1 << position for position, outcome in enumerate(goal)}
    masks = [sum(bit[o] for o in outcomes if o in bit) for outcomes in item_outcomes]
    full = (1 << len(goal)) - 1
    parent: dict[int, tuple[int, int]] = {0: (0, -1)}
    frontier = [0]
    while full not in parent:
        following = []
        for state in frontier:
            for index in tried:
                reached = state | masks[index]
                if reached not in parent:
                    parent[reached] = (state, index)
                    following.append(reached)
        frontier = following
    chosen = []
    state = full
    while state:
        state, index = parent[state]
        chosen.append(index)
    return chosen[::-1]


def _greedy(needed: set[str], item_outcomes: Sequence[Set[str]], tried: list[int]) -> list[int]:
    chosen: list[int] = []
    while needed:
        best = max(tried, key=lambda index: len(needed & item_outcomes[index]))
        chosen.append(best)
        needed -= item_outcomes[best]
    return chosen


def min_items_to_cover(needed: Set[str], item_outcomes: Sequence[Set[str]]) -> int | None:
    cover = smallest_cover(needed, item_outcomes)
    return None if cover is None else len(cover)
