"""The public boundary of a simulation: :func:`run`, :func:`run_sliced` and :func:`replay`.

:func:`run` checks what a caller passes in and hands plain, valid values (a
:class:`~benor_lib.simulation.loop.RunSetup`) to :func:`simulate`, which runs the variant's
network (:mod:`~benor_lib.simulation.benor_network` or
:mod:`~benor_lib.simulation.bracha_network`) without further checks.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from benor_lib.protocol.coins import make_coin
from benor_lib.protocol.rules import (
    DECIDED_POLICIES,
    RUN_VARIANTS,
    Rules,
    check_bound,
    check_choice,
    check_int,
    check_n_t,
    check_rules,
    make_rng,
    published_rules,
    resolve_inputs,
)
from benor_lib.protocol.validate import check_bool, check_keys
from benor_lib.simulation.benor_network import Network, default_deliveries, simulate_benor
from benor_lib.simulation.bracha_network import BrachaNetwork, bracha_scheduler, simulate_bracha
from benor_lib.simulation.bracha_network import default_deliveries as bracha_deliveries
from benor_lib.simulation.faults import Byzantine, Fault, normalise_faults
from benor_lib.simulation.loop import RunSetup, SlicedRun
from benor_lib.simulation.result import Run
from benor_lib.simulation.schedulers import Scheduler, Scripted, make_scheduler


def run(
    n: int,
    t: int,
    inputs: object = "random",
    *,
    variant: str = "crash",
    scheduler: object = "uniform",
    faults: object = (),
    coin: object = "local",
    seed: object = None,
    max_rounds: int = 1000,
    decided_policy: str = "keep_running",
    rules: Rules | None = None,
    allow_unsafe: bool = False,
    max_deliveries: int | None = None,
    keep_trace: bool = True,
) -> Run:
    """Simulate one run of Ben-Or's protocol in the asynchronous model.

    ``inputs``: "random", a number of ones (the last processes), or n zeros and ones.
    ``variant``: "crash" (protocol A) or "byzantine" (protocol B); ``rules`` overrides the
    thresholds (for deliberately broken variants). ``scheduler``: "uniform" (canonical),
    "random_order", "fifo", "split", a :class:`~benor_lib.simulation.schedulers.Scripted`
    scheduler, a list of (sender, receiver, round, phase) deliveries or a callable.
    ``faults``: a number of processes crashed from the start, or a list of
    :class:`~benor_lib.simulation.faults.Crash` and
    :class:`~benor_lib.simulation.faults.Byzantine`. ``coin``: "local", "common", "keep",
    "zero", "pid_parity", or scripted bits. ``decided_policy``: "keep_running" (default),
    "halt_after_next" or "halt" (unsafe). The run ends "decided" when every correct
    process has decided, "undecided" when max_rounds (or the delivery budget, or a script)
    ran out, or "blocked" when no message is left and a correct process still waits.
    ``max_rounds`` (default 1000) and ``max_deliveries`` (default about 4 n^2 per round) are
    the budget of the run. ``keep_trace=False`` keeps only counts of the events
    (``Run.event_counts``), so that a long run uses bounded memory; replay and narration
    then need the run made again with ``keep_trace=True``.
    """
    return simulate(_setup(**locals()))


def run_sliced(n: int, t: int, inputs: object = "random", **options: object) -> SlicedRun:
    """One run, made a slice at a time: takes :func:`run`'s arguments and returns a
    :class:`~benor_lib.simulation.loop.SlicedRun`, whose ``advance(over)`` delivers until
    ``over()`` is true and whose ``result``, once ``done``, is the run :func:`run` makes.
    A widget uses it to simulate a long run without freezing the kernel."""
    check_keys("run_sliced", options, tuple(_RUN_DEFAULTS))
    return SlicedRun(_network(setup := _setup(n, t, inputs, **options)), setup)


#: run()'s keyword options and their defaults, read from its signature (stated once).
_RUN_DEFAULTS: dict[str, Any] = {
    name: parameter.default
    for name, parameter in inspect.signature(run).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
}


def _network(setup: RunSetup) -> Any:
    """A newly made network of the setup's variant."""
    return (BrachaNetwork if setup.rules.variant == "bracha" else Network)(setup)


def _setup(n: int, t: int, inputs: object = "random", **options: Any) -> RunSetup:
    """The checked arguments of :func:`run` as a :class:`~benor_lib.simulation.loop.RunSetup`."""
    o = {**_RUN_DEFAULTS, **options}
    variant, scheduler, faults, coin = o["variant"], o["scheduler"], o["faults"], o["coin"]
    seed, rules, decided_policy = o["seed"], o["rules"], o["decided_policy"]
    max_rounds, max_deliveries = o["max_rounds"], o["max_deliveries"]
    allow_unsafe, keep_trace = o["allow_unsafe"], o["keep_trace"]
    n, t = check_n_t(n, t)
    variant = check_choice("variant", variant, RUN_VARIANTS)
    decided_policy = check_choice("decided_policy", decided_policy, DECIDED_POLICIES)
    max_rounds = check_int("max_rounds", max_rounds, 1, 2**31 - 1)
    bracha = getattr(rules, "variant", variant) == "bracha"
    if max_deliveries is None:
        max_deliveries = (bracha_deliveries if bracha else default_deliveries)(n, max_rounds)
    max_deliveries = check_int("max_deliveries", max_deliveries, 1)
    allow_unsafe = check_bool("allow_unsafe", allow_unsafe)
    keep_trace = check_bool("keep_trace", keep_trace)
    if rules is None:
        rules = published_rules(n, t, variant)
    else:
        rules = check_rules(rules, n, t)
    check_bound(n, t, rules.variant, allow_unsafe)
    if rules.variant == "bracha" and decided_policy != "keep_running":
        raise ValueError(
            "Bracha's variant takes only decided_policy='keep_running' (a halted process "
            f"would stop echoing others' broadcasts), got {decided_policy!r}"
        )
    fault_map = normalise_faults(faults, n)
    _check_faults(fault_map, t, rules.variant, allow_unsafe)
    rng = make_rng(seed)
    input_rng, sched_rng, coin_rng = rng.spawn(3)
    coin_rule, coin_name = make_coin(coin, coin_rng)
    setup = RunSetup(
        replayer=replay,
        rules=rules,
        inputs=resolve_inputs(n, inputs, input_rng),
        faults=fault_map,
        scheduler=(bracha_scheduler if rules.variant == "bracha" else _same)(
            make_scheduler(scheduler)
        ),
        scheduler_rng=sched_rng,
        coin=coin_rule,
        coin_name=coin_name,
        seed=seed if not isinstance(seed, np.random.Generator) else "generator",
        decided_policy=decided_policy,
        max_rounds=max_rounds,
        max_deliveries=max_deliveries,
        keep_trace=keep_trace,
    )
    return setup


def _same(scheduler: Scheduler) -> Scheduler:
    return scheduler


def _check_faults(fault_map: dict[int, Fault], t: int, variant: str, allow_unsafe: bool) -> None:
    if allow_unsafe:
        return
    if len(fault_map) > t:
        raise ValueError(
            f"{len(fault_map)} faulty processes but the protocol tolerates t={t}; "
            "pass allow_unsafe=True to run it anyway"
        )
    byz = [p for p, f in fault_map.items() if isinstance(f, Byzantine)]
    if variant == "crash" and byz:
        raise ValueError(
            f"Byzantine processes {byz} in the crash variant: use variant='byzantine', "
            "or pass allow_unsafe=True"
        )


def simulate(setup: RunSetup) -> Run:
    """Run the protocol on already checked arguments (no validation here)."""
    if setup.rules.variant == "bracha":
        return simulate_bracha(setup)
    return simulate_benor(setup)


def replay(
    result: Run,
    upto: int | None = None,
    *,
    script: list | None = None,
    coin: object = None,
) -> Run:
    """Run ``result``'s configuration again with its deliveries and coin flips.

    With ``upto`` (an integer >= 0) only the first ``upto`` deliveries are made: the
    result is the state of the run after that many deliveries (status "undecided", "the
    delivery script ended"); an ``upto`` beyond the run's length replays all of it.
    ``script`` (a list of delivery keys) and ``coin`` replace the run's deliveries and
    coin flips, for searches that try variations of a run. The replay is exact: the same
    events in the same order, for every scheduler and fault.
    """
    if upto is not None:
        upto = check_int("upto", upto, 0)
    if script is None:
        script = result.deliveries()
    if coin is None:
        coin = result.coin_flips()
    if upto is not None:
        script = script[:upto]
    return run(
        result.n,
        result.t,
        list(result.inputs),
        variant=result.rules.variant,
        rules=result.rules,
        scheduler=Scripted(script),
        faults=list(result.faults),
        coin=coin,
        max_rounds=result.max_rounds,
        decided_policy=result.decided_policy,
        allow_unsafe=True,
    )
