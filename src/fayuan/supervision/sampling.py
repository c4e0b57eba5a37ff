"""第十三条 案卷评查: the stratified random sample, reproducible from a seed. Pure Python."""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable


def stratified_sample(rows: Iterable[tuple[int, Hashable]], share: float, seed: int) -> list[int]:
    """The ids drawn from `rows` (id, stratum): in every non-empty stratum at least one, else
    `ceil(share × size)`, drawn with `random.Random(seed)`; strata and ids are taken in sorted
    order, so the same rows and seed always give the same sample. Sorted ids."""
    strata: dict[Hashable, list[int]] = {}
    for pk, stratum in rows:
        strata.setdefault(stratum, []).append(pk)
    rng = random.Random(seed)
    drawn: list[int] = []
    for key in sorted(strata, key=repr):
        ids = sorted(strata[key])
        k = min(len(ids), max(1, math.ceil(share * len(ids) - 1e-9)))
        drawn.extend(rng.sample(ids, k))
    return sorted(drawn)


def in_visit_sample(case_id: int, share: float) -> bool:
    """回访受援人 for a policy sample (`supervision.return_visit_share`): whether this closed case
    is one to visit — every case at share 1, else a fixed draw per case (`random.Random(id)`),
    so the answer never changes between pages."""
    return share >= 1 or random.Random(case_id).random() < share
