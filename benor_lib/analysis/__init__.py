"""What two chapters compute for their tables, as tested functions rather than notebook cells.

- :func:`byzantine_survival`: protocol B against liars of each behaviour, under several
  schedulers, many seeds (the Byzantine chapter's survival table);
- :func:`break_it_lab`: the break-it search on deliberately broken configurations, and on
  sound ones where it must find nothing (the framing chapter's lab).

The chapters only format the results; everything that could be wrong is here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benor_lib.impossibility import Counterexample, NoViolation, find_violation
from benor_lib.protocol.rules import standard_rules
from benor_lib.simulation.faults import Byzantine
from benor_lib.simulation.network import run as simulate
from benor_lib.simulation.trace import Run

BEHAVIOURS: tuple[str, ...] = ("silent", "always", "equivocate", "adaptive")
"""The four ways a Byzantine process lies (:class:`benor_lib.Byzantine`)."""

SURVIVAL_SCHEDULERS: tuple[str, ...] = ("uniform", "random_order", "fifo", "split")
"""The schedulers of the survival tally."""

SAFETY_KINDS = ("agreement", "validity")


@dataclass(frozen=True)
class SurvivalRow:
    """One system against one behaviour: how its runs ended."""

    n: int
    t: int
    behaviour: str
    runs: int
    decided: int
    safety_violations: int
    mean_rounds: float | None  # over the decided runs; None if none decided
    most_rounds: int | None


@dataclass(frozen=True)
class SurvivalTally:
    """The result of :func:`byzantine_survival`."""

    rows: tuple[SurvivalRow, ...]
    seeds: int
    cap: int
    schedulers: tuple[str, ...]
    slowest: tuple[str, str, Run] | None  # (behaviour, scheduler, run) of the longest decided run
    stalled: Mapping[tuple[int, int, str, str], int] = field(default_factory=dict)
    """(n, t, behaviour, scheduler) -> how many of those runs had not decided after ``cap``."""

    @property
    def runs(self) -> int:
        """All runs of the tally."""
        return sum(r.runs for r in self.rows)

    @property
    def safety_violations(self) -> int:
        """Agreement and validity violations over all runs."""
        return sum(r.safety_violations for r in self.rows)

    @property
    def undecided(self) -> int:
        """Runs in which some correct process had not decided after ``cap`` rounds."""
        return sum(r.runs - r.decided for r in self.rows)

    def summary(self) -> str:
        """A sentence or three: safety held (or not), and where runs stayed undecided."""
        if self.safety_violations:
            text = (
                f"Agreement or validity broke {self.safety_violations} times in {self.runs} runs."
            )
        else:
            text = f"Agreement and validity held in all {self.runs} runs."
        if not self.undecided:
            return text + f" In every one, every correct process decided within {self.cap} rounds."
        groups = sorted(self.stalled.items(), key=lambda kv: -kv[1])
        if len(groups) == 1:
            (n, _, behaviour, s), _ = groups[0]
            where = f"all with n = {n}, the {behaviour} behaviour and the {s} scheduler"
        else:
            where = "; ".join(
                f"{k} with n = {n}, the {behaviour} behaviour and the {s} scheduler"
                for (n, _, behaviour, s), k in groups
            )
        return text + (
            f" In {self.undecided} of them the correct processes had not all decided after "
            f"{self.cap} rounds ({where}). That is not a violation: termination is promised "
            "with probability 1, not within a fixed number of rounds."
        )


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")
    return value


def byzantine_survival(
    systems: Sequence[tuple[int, int]],
    *,
    behaviours: Sequence[str] = BEHAVIOURS,
    schedulers: Sequence[str] = SURVIVAL_SCHEDULERS,
    seeds: int = 15,
    cap: int = 100,
    value: int = 1,
) -> SurvivalTally:
    """Run protocol B for every system (n, t) with t liars (the highest ids) of each behaviour.

    Every (behaviour, scheduler) pair gets ``seeds`` runs from random inputs (seed 0 to
    seeds - 1), stopped after ``cap`` rounds. ``value`` is what "always" liars push.
    """
    seeds, cap = _positive_int("seeds", seeds), _positive_int("cap", cap)
    if not systems:
        raise ValueError("systems must name at least one (n, t) pair")
    unknown = [b for b in behaviours if b not in BEHAVIOURS]
    if unknown or not behaviours:
        raise ValueError(f"behaviours must be some of {BEHAVIOURS}, got {tuple(behaviours)!r}")
    if not schedulers:
        raise ValueError("schedulers must name at least one scheduler")
    rows, stalled, slowest = [], {}, None
    for n, t in systems:
        for behaviour in behaviours:
            liars = [Byzantine(p, behaviour, value=value) for p in range(n - t, n)]
            runs = [
                (
                    s,
                    simulate(
                        n,
                        t,
                        "random",
                        variant="byzantine",
                        scheduler=s,
                        faults=liars,
                        seed=seed,
                        max_rounds=cap,
                    ),
                )
                for s in schedulers
                for seed in range(seeds)
            ]
            decided = [r for _, r in runs if r.status == "decided"]
            for s, r in runs:
                if r.status == "decided" and (slowest is None or r.rounds > slowest[2].rounds):
                    slowest = (behaviour, s, r)
                elif r.status != "decided":
                    key = (n, t, behaviour, s)
                    stalled[key] = stalled.get(key, 0) + 1
            rounds = [r.rounds for r in decided]
            rows.append(
                SurvivalRow(
                    n=n,
                    t=t,
                    behaviour=behaviour,
                    runs=len(runs),
                    decided=len(decided),
                    safety_violations=sum(
                        v.kind in SAFETY_KINDS for _, r in runs for v in r.violations
                    ),
                    mean_rounds=sum(rounds) / len(rounds) if rounds else None,
                    most_rounds=max(rounds) if rounds else None,
                )
            )
    return SurvivalTally(tuple(rows), seeds, cap, tuple(schedulers), slowest, stalled)


# --- the break-it lab ----------------------------------------------------------------------


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
