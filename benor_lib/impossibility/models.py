"""Which result applies to a model (coin, faults, n, t), and a demonstration of it."""

from __future__ import annotations

from dataclasses import dataclass

from benor_lib.impossibility.abstraction import VALENCE_MAX_N
from benor_lib.impossibility.breakit import find_violation
from benor_lib.impossibility.valence import find_endless_run
from benor_lib.protocol.coins import COIN_NAMES, DETERMINISTIC_COINS
from benor_lib.protocol.rules import (
    BOUND_FACTOR,
    VARIANTS,
    bound_holds,
    bound_text,
    check_choice,
    check_int,
    check_n_t,
)
from benor_lib.protocol.validate import check_budget
from benor_lib.simulation.faults import Byzantine, Crash
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Run


def _check_model_args(
    coin: object, variant: object, n: object, t: object, faults: object
) -> tuple[str, str, int, int, int]:
    if not isinstance(coin, str) or coin not in COIN_NAMES:
        options = ", ".join(repr(c) for c in COIN_NAMES)
        raise ValueError(f"coin must be one of {options}, got {coin!r}")
    variant = check_choice("variant", variant, VARIANTS)
    n, t = check_n_t(n, t)
    faults = check_int("faults", faults, 0, n - 1)
    return coin, variant, n, t, faults


@dataclass(frozen=True)
class ModelVerdict:
    """Which result applies to a model, and what it guarantees.

    ``result``: "FLP", "Ben-Or", "bound violated", or "no fault to tolerate" (a
    deterministic coin with t = 0 and no faults); ``title`` and ``explanation`` in words;
    ``deterministic``: the coin is a deterministic rule; ``bound_holds``: the variant's
    resilience bound holds; ``faults_ok``: at most t faulty processes; ``guarantees``:
    agreement, validity and termination, each "always", "with probability 1" or "not
    guaranteed".
    """

    result: str
    title: str
    explanation: str
    deterministic: bool
    bound_holds: bool
    faults_ok: bool
    guarantees: dict[str, str]


def classify_model(coin: str, variant: str, n: int, t: int, faults: int) -> ModelVerdict:
    """Which result applies to a model: FLP, Ben-Or's theorem, or a violated bound.

    ``variant`` is the fault model, "crash" or "byzantine"; ``faults`` how many processes
    are faulty. See :class:`ModelVerdict` for what it returns.
    """
    coin, variant, n, t, faults = _check_model_args(coin, variant, n, t, faults)
    deterministic = coin in DETERMINISTIC_COINS
    holds = bound_holds(n, t, variant)
    faults_ok = faults <= t
    need = bound_text(variant)
    safe = holds and faults_ok
    if deterministic and t == 0 and faults == 0:
        result, title = "no fault to tolerate", "FLP does not apply (t = 0)"
        explanation = (
            f"The coin is replaced by the deterministic rule {coin!r}, but with t = 0 every "
            "process waits for all n messages, so all see the same thing: FLP needs the "
            "possibility of one crash. Whether this variant terminates depends on its coin "
            "rule (a tie can repeat forever), not on the adversary."
        )
        termination = "not guaranteed"
    elif deterministic:
        result, title = "FLP", "FLP impossibility (Fischer, Lynch and Paterson, 1985)"
        explanation = (
            f"The coin is replaced by the deterministic rule {coin!r}, so the protocol is "
            "deterministic. FLP: no deterministic protocol for asynchronous consensus that "
            "tolerates even one crash can guarantee termination; the adversary, choosing only "
            "the order of deliveries, keeps the run undecided forever."
        )
        if not safe:
            explanation += f" Moreover {_bound_words(need, n, t, faults, holds, faults_ok)}."
        termination = "not guaranteed"
    elif safe:
        result, title = "Ben-Or", "Ben-Or's theorem (1983)"
        explanation = (
            f"With real coins, {need} ({n} > {BOUND_FACTOR[variant] * t}) "
            f"and at most t={t} faulty processes ({faults}), agreement and validity hold in "
            "every run and every run decides with probability 1."
        )
        if coin == "common":
            explanation += (
                " (A common coin, shared by all, is Rabin's model: it terminates in O(1) "
                "expected rounds.)"
            )
        termination = "with probability 1"
    else:
        result, title = "bound violated", f"outside the {need} bound"
        explanation = (
            f"{_bound_words(need, n, t, faults, holds, faults_ok).capitalize()}: Ben-Or's "
            "guarantees do not apply, and some adversary breaks agreement, validity or "
            "termination (the break-it search finds one)."
        )
        termination = "not guaranteed"
    return ModelVerdict(
        result=result,
        title=title,
        explanation=explanation,
        deterministic=deterministic,
        bound_holds=holds,
        faults_ok=faults_ok,
        guarantees={
            "agreement": "always" if safe else "not guaranteed",
            "validity": "always" if safe else "not guaranteed",
            "termination": termination,
        },
    )


def _bound_words(need: str, n: int, t: int, faults: int, holds: bool, faults_ok: bool) -> str:
    parts = []
    if not holds:
        parts.append(f"the bound {need} fails (n={n}, t={t})")
    if not faults_ok:
        parts.append(f"{faults} processes are faulty, more than t={t}")
    return " and ".join(parts)


@dataclass(frozen=True)
class Demonstration:
    """What :func:`demonstrate` shows: ``kind`` is "endless run", "decided run",
    "counterexample", "undecided run" or "nothing found"; ``run`` the Run to show (None for
    "nothing found"); ``detail`` the Lasso, Counterexample or NoViolation behind it."""

    model: ModelVerdict
    kind: str
    run: Run | None
    text: str
    detail: object = None


DEMO_DELIVERIES_PER_S = 20_000
"""Deliveries a demonstration run may make per second of ``budget_s`` (a slow machine's
rate): the run stops undecided when they are used up, so the call stays within budget."""


def demonstrate(
    coin: str,
    variant: str,
    n: int,
    t: int,
    faults: int,
    *,
    seed: int = 0,
    budget_s: float = 2.0,
) -> Demonstration:
    """A run that shows the result :func:`classify_model` names: an endless run (FLP), a
    decided run and its round count (Ben-Or), or a counterexample (bound violated).

    ``budget_s`` (finite, > 0) bounds the work: the search for a counterexample, and the
    deliveries of a Ben-Or run (``DEMO_DELIVERIES_PER_S`` per second), which is labelled
    "undecided run" when it has not decided by then."""
    model = classify_model(coin, variant, n, t, faults)
    seed = check_int("seed", seed, 0)
    budget_s = check_budget("budget_s", budget_s)
    if model.deterministic:
        why = f"a run, not a proof: n={n} is too large for the exhaustive search"
        if n <= VALENCE_MAX_N:
            try:
                lasso = find_endless_run(n, t, coin=coin, variant=variant, allow_unsafe=True)
            except ValueError:
                lasso = None
                why = "no schedule keeps this variant undecided forever, checked exhaustively"
            if lasso is not None:
                text = lasso.explain()
                if faults:
                    needed = "fault" if faults == 1 else f"{faults} faults"
                    text += f" The adversary does not even need its {needed}."
                return Demonstration(model, "endless run", lasso.replay(cycles=2), text, lasso)
        r = run(
            n,
            t,
            n // 2,
            variant=variant,
            scheduler="split",
            coin=coin,
            faults=_demo_faults(variant, n, faults),
            seed=seed,
            max_rounds=30,
            allow_unsafe=True,
        )
        return Demonstration(
            model,
            "undecided run" if r.status != "decided" else "decided run",
            r,
            f"Under the split adversary with the rule {coin!r}: {r.summary()} ({why})",
        )
    if model.result == "Ben-Or":
        r = run(
            n,
            t,
            "random",
            variant=variant,
            scheduler="split" if variant == "crash" else "uniform",
            faults=_demo_faults(variant, n, faults),
            coin=coin,
            seed=seed,
            max_deliveries=max(1, int(budget_s * DEMO_DELIVERIES_PER_S)),
        )
        if r.status == "decided":
            return Demonstration(
                model, "decided run", r, f"{r.summary()} The run shown has seed {seed}."
            )
        return Demonstration(
            model,
            "undecided run",
            r,
            f"{r.summary()} The run shown has seed {seed}. This is not a violation: Ben-Or's "
            "theorem promises "
            "termination with probability 1, not within a given number of rounds, and the "
            "adversary makes runs of this setting long.",
        )
    note = ""
    for k in dict.fromkeys((faults, max(faults, t))):
        found = find_violation(
            n,
            t,
            variant=variant,
            crashes=k if variant == "crash" else 0,
            byzantine=k if variant == "byzantine" else 0,
            budget_s=budget_s / 2 if k == faults and faults < t else budget_s,
            seed=seed,
        )
        if found:
            return Demonstration(model, "counterexample", found.run, note + found.explain(), found)
        processes = "faulty process" if faults == 1 else "faulty processes"
        runs = "run" if found.tried == 1 else "runs"
        note = (
            f"With {faults} {processes} nothing breaks in {found.tried} {runs}; with the "
            f"t = {t} the configuration claims to tolerate: "
        )
    return Demonstration(model, "nothing found", None, found.explain(), found)


def _demo_faults(variant: str, n: int, faults: int) -> list:
    pids = range(n - faults, n)
    if variant == "crash":
        return [Crash(p) for p in pids]
    return [Byzantine(p, "adaptive") for p in pids]
