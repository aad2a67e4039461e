"""The draws of a household round, as pure functions (METHODOLOGY.md, "Household rounds").

Everything is exact (fractions) and driven by one `random.Random(seed)` walked in a recorded order, so
that the seed and the ordered lists redo the draw anywhere, by hand if need be:

- households in a village: systematic selection, interval k = N / n, a random start u in [0, k),
  positions ⌊u + i·k⌋ + 1 (1-based, in the list's order); reserves are drawn the same way from the
  households left, and used in their drawn order;
- villages in a commune (when the plan does not give them): systematic selection with probability
  proportional to size over the cumulated household counts; a village at least as large as the
  interval is taken with certainty (π = 1) and the rest drawn among the others.

The start is drawn as a whole number of millionths of the interval (u = k · U, U = randrange(10⁶) / 10⁶),
so it is exact and can be written down.
"""

import random
from dataclasses import dataclass
from fractions import Fraction

START_RESOLUTION = 1_000_000


def random_start(rng: random.Random) -> Fraction:
    """U in [0, 1), exact: the share of the interval at which the walk starts."""
    return Fraction(rng.randrange(START_RESOLUTION), START_RESOLUTION)


def systematic_positions(*, population: int, size: int, start: Fraction) -> list[int]:
    """1-based positions of a systematic sample of `size` from `population`, `start` = U in [0, 1)."""
    if not 0 <= start < 1:
        raise ValueError("start must be in [0, 1)")
    if not 0 <= size <= population:
        raise ValueError("cannot draw more than the population")
    if size == 0:
        return []
    interval = Fraction(population, size)
    origin = start * interval
    return [int(origin + i * interval) + 1 for i in range(size)]


@dataclass(frozen=True)
class HouseholdDraw:
    """Positions (1-based, in the list's order) of the selected households and of the reserves, the
    reserves in the order they replace a refusal or an absence, with the two starts used."""

    selected: list[int]
    reserves: list[int]
    start: Fraction
    reserve_start: Fraction


def household_draw(*, population: int, size: int, reserves: int, rng: random.Random) -> HouseholdDraw:
    """Draw `size` households and then `reserves` more from the households left.

    A village with fewer households than `size` gives all of them and no reserve; with fewer than
    `size + reserves`, as many reserves as are left.
    """
    size = min(size, population)
    start = random_start(rng)
    selected = systematic_positions(population=population, size=size, start=start)
    rest = [p for p in range(1, population + 1) if p not in set(selected)]
    reserve_count = min(reserves, len(rest))
    reserve_start = random_start(rng)
    picks = systematic_positions(population=len(rest), size=reserve_count, start=reserve_start)
    return HouseholdDraw(selected, [rest[p - 1] for p in picks], start, reserve_start)


@dataclass(frozen=True)
class VillageDraw:
    """Indexes (0-based, in the list's order) of the drawn villages with each village's inclusion
    probability π (exact), and the start used (None when every village was taken with certainty)."""

    selected: list[int]
    inclusion: dict[int, Fraction]
    start: Fraction | None


def pps_systematic_draw(*, sizes: list[int], count: int, rng: random.Random) -> VillageDraw:
    """Draw `count` villages with probability proportional to `sizes` (households), systematically."""
    if any(s < 1 for s in sizes):
        raise ValueError("every village needs at least one household")
    if not 0 < count <= len(sizes):
        raise ValueError("cannot draw more villages than listed")
    certain: list[int] = []
    # A village whose size reaches the interval would be hit twice: it is taken with certainty, and the
    # interval recomputed over the others until none reaches it.
    while True:
        others = [i for i in range(len(sizes)) if i not in certain]
        left = count - len(certain)
        total = sum(sizes[i] for i in others)
        if left == 0:
            break
        big = [i for i in others if sizes[i] * left >= total]
        if not big:
            break
        certain.append(max(big, key=lambda i: (sizes[i], -i)))
    inclusion = {i: Fraction(1) for i in certain}
    start: Fraction | None = None
    drawn: list[int] = []
    if left:
        start = random_start(rng)
        interval = Fraction(total, left)
        points = [start * interval + j * interval for j in range(left)]
        cumulated = Fraction(0)
        walk = iter(points)
        point: Fraction | None = next(walk)
        for i in others:
            inclusion[i] = Fraction(sizes[i] * left, total)
            cumulated += sizes[i]
            while point is not None and point < cumulated:
                drawn.append(i)
                point = next(walk, None)
    return VillageDraw(sorted(certain + drawn), inclusion, start)
