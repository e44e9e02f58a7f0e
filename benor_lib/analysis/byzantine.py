"""Protocol B against liars of each behaviour, under several schedulers, many seeds: the
Byzantine chapter's survival table (:func:`byzantine_survival`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benor_lib.simulation.faults import Byzantine
from benor_lib.simulation.network import run as simulate
from benor_lib.simulation.result import Run

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
