"""The break-it search on deliberately broken configurations, and on sound ones where it must
find nothing: the framing chapter's lab (:func:`break_it_lab`)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benor_lib.impossibility import Counterexample, NoViolation, find_violation
from benor_lib.protocol.rules import standard_rules


@dataclass(frozen=True)
class LabCase:
    """A configuration for the break-it search: ``find_violation(**settings)``."""

    label: str
    settings: Mapping[str, Any]
    expected: str | None = None  # the violation the theory predicts; None: nothing to find


def _broken_cases() -> tuple[LabCase, ...]:
    s = standard_rules
    return (
        LabCase(
            "$n = 2t$: $n = 4$, $t = 2$, two crashes", dict(n=4, t=2, crashes=2), "termination"
        ),
        LabCase(
            "decide on a single D-message: $n = 5$, $t = 1$, one crash",
            dict(n=5, t=1, crashes=1, rules=s(5, 1).with_changes(decide_twice=1)),
            "agreement",
        ),
        LabCase(
            "wait for fewer than $n - t$ messages (3 of 5), one crash",
            dict(n=5, t=1, crashes=1, rules=s(5, 1).with_changes(quorum=3)),
            "agreement",
        ),
        LabCase(
            "D-message on a majority of the $n - t$ reports: $n = 5$, $t = 2$, two crashes",
            dict(n=5, t=2, crashes=2, rules=s(5, 2).with_changes(d_twice=3)),
            "agreement",
        ),
        LabCase(
            "halt at once after deciding: $n = 5$, $t = 1$, one crash",
            dict(n=5, t=1, crashes=1, decided_policy="halt"),
            "termination",
        ),
        LabCase(
            "Byzantine, $n = 6$, $t = 1$, two liars",
            dict(n=6, t=1, variant="byzantine", byzantine=2),
            "agreement",
        ),
    )


SOUND_CASES: tuple[LabCase, ...] = (
    LabCase("$n = 3$, $t = 1$, one crash", dict(n=3, t=1, crashes=1)),
    LabCase("$n = 5$, $t = 1$, one crash", dict(n=5, t=1, crashes=1)),
    LabCase("$n = 5$, $t = 2$, two crashes", dict(n=5, t=2, crashes=2)),
    LabCase(
        "$n = 5$, $t = 1$, one crash, halt after the next round's messages",
        dict(n=5, t=1, crashes=1, decided_policy="halt_after_next"),
    ),
    LabCase(
        "Byzantine, $n = 6$, $t = 1$, one liar", dict(n=6, t=1, variant="byzantine", byzantine=1)
    ),
)
"""Configurations within the protocol's guarantees: the search must find nothing."""

BROKEN_CASES: tuple[LabCase, ...] = _broken_cases()
"""Deliberately broken configurations, each with the violation the theory predicts."""


@dataclass(frozen=True)
class LabResult:
    """What the search returned for one case, and how long it took (seconds)."""

    case: LabCase
    result: Counterexample | NoViolation
    elapsed: float

    @property
    def as_expected(self) -> bool:
        """A broken case found its predicted, replayable violation; a sound one found none."""
        if self.case.expected is None:
            return not self.result
        return bool(self.result) and (
            self.result.kind == self.case.expected and self.result.reproduces()
        )


def break_it_lab(
    cases: Sequence[LabCase],
    *,
    seed: int = 0,
    budget_s: float = 5.0,
    max_runs: int | None = None,
) -> list[LabResult]:
    """Run :func:`benor_lib.find_violation` on every case, timing each search."""
    if not cases:
        raise ValueError("cases must hold at least one LabCase")
    if not isinstance(budget_s, int | float) or budget_s <= 0:
        raise ValueError(f"budget_s must be a positive number of seconds, got {budget_s!r}")
    results = []
    for case in cases:
        if not isinstance(case, LabCase):
            raise TypeError(f"cases must be LabCase objects, got {type(case).__name__}")
        extra = {} if case.expected is not None or max_runs is None else {"max_runs": max_runs}
        start = time.perf_counter()
        found = find_violation(seed=seed, budget_s=budget_s, **extra, **dict(case.settings))
        results.append(LabResult(case, found, time.perf_counter() - start))
    return results
