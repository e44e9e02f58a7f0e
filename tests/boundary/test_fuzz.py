"""Fuzzing the public boundary (issue 15): hypothesis changes one argument of a valid call
to an arbitrary value (wrong types, NaN, infinities, huge and negative numbers, numpy
scalars, strings, lists, dicts, None) and checks that

* every exception is a ValueError or TypeError whose message names that argument;
* every accepted call returns a value inside its documented domain;
* no call uses far more CPU time than its time budget (process time, not the wall clock,
  so a loaded machine does not make it flaky).

The base calls are small (n = 5, few runs, short budgets), so the whole file runs in well
under a minute.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import benor_lib as bl
from benor_lib.apps.explorer.model import ExplorerSettings, compute_view
from benor_lib.apps.model_explorer.model import explore_model
from benor_lib.apps.stepper.model import StepperSession
from benor_lib.protocol.events import EVENT_KINDS

settings.register_profile(
    "benor-fuzz",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
FUZZ = settings.get_profile("benor-fuzz")

WILD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 12),
    st.sampled_from([-(10**20), 10**20, 2**31, 65, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-3, 12).map(np.int64),
    st.floats(-2, 2, width=32).map(np.float32),
    st.text(max_size=6),
    st.lists(st.integers(-2, 3), max_size=7),
    st.dictionaries(st.text(max_size=3), st.integers(-1, 2), max_size=2),
)
"""Any value an argument might be given by mistake (small where size means work)."""


def _wild_or(*valid: object) -> st.SearchStrategy:
    """Half the time one of the ``valid`` values, half the time a wild one."""
    if not valid:
        return WILD
    return st.booleans().flatmap(lambda ok: st.sampled_from(valid) if ok else WILD)


def _names(message: str, name: str, aliases: dict[str, tuple[str, ...]]) -> bool:
    text = message.lower()
    return any(a.lower() in text for a in (name, *aliases.get(name, ())))


def _call(
    func: Callable[..., object], kwargs: dict, name: str, aliases: dict[str, tuple[str, ...]]
) -> object | None:
    """Call ``func``; None when it refused with a ValueError or TypeError naming ``name``."""
    try:
        result = func(**kwargs)
    except (ValueError, TypeError) as exc:
        assert _names(str(exc), name, aliases), (name, kwargs[name], str(exc))
        event(f"refused: {name}")
        return None
    event("accepted")
    return result


# --- run ---------------------------------------------------------------------------------

RUN_BASE = dict(
    n=5,
    t=1,
    inputs="random",
    variant="crash",
    scheduler="uniform",
    faults=0,
    coin="local",
    seed=0,
    max_rounds=30,
    decided_policy="keep_running",
    allow_unsafe=False,
    keep_trace=True,
)
RUN_VALID = {
    "n": (3, 7),
    "t": (0, 2),
    "inputs": (2, (0, 1, 1, 0, 1)),
    "variant": ("byzantine",),
    "scheduler": ("split", "fifo", "random_order", []),
    "faults": (1, [bl.Crash(2, 2, 2, 3)], [bl.Byzantine(1)]),
    "coin": ("common", "keep", "pid_parity", [0, 1] * 40),
    "seed": (None, 7),
    "max_rounds": (1, 200),
    "decided_policy": ("halt", "halt_after_next"),
    "allow_unsafe": (True,),
    "keep_trace": (False,),
}
RUN_ALIASES = {
    "faults": ("fault", "faulty", "byzantine", "crash"),
    "scheduler": ("script",),
    "t": ("n > ", "n=", "tolerates t"),
    "n": ("t must be smaller than n", "n > "),
}


def _check_run(r: bl.Run, kwargs: dict) -> None:
    assert r.status in ("decided", "undecided", "blocked")
    assert 1 <= r.rounds <= r.max_rounds
    assert set(r.decisions.values()) <= {0, 1}
    assert all(1 <= d <= r.max_rounds for d in r.decision_rounds.values())
    if r.status == "decided":
        assert r.rounds == max(r.decision_rounds[p] for p in r.correct)
    if not kwargs["allow_unsafe"]:
        assert not [v for v in r.violations if v.kind in ("agreement", "validity")]
    assert r.event_count >= r.n  # at least the START events
    if r.kept_trace:
        assert r.replay().trace == r.trace


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(RUN_BASE)))
def test_fuzz_run(data, name):
    kwargs = dict(RUN_BASE)
    kwargs[name] = data.draw(_wild_or(*RUN_VALID[name]), label=name)
    r = _call(bl.run, kwargs, name, RUN_ALIASES)
    if r is not None:
        _check_run(r, kwargs)


RUN_METHODS = {
    "replay": ("upto", _wild_or(0, 5, 10**6)),
    "narrate": ("limit", _wild_or(0, 3)),
    "events": ("kinds", _wild_or(*EVENT_KINDS)),
}


@FUZZ
@given(data=st.data(), method=st.sampled_from(sorted(RUN_METHODS)))
def test_fuzz_run_methods(data, method):
    r = bl.run(5, 1, "random", seed=1)
    name, strategy = RUN_METHODS[method]
    value = data.draw(strategy, label=name)
    try:
        if method == "replay":
            out = r.replay(upto=value)
            assert out.trace == r.trace[: len(out.trace)]
        elif method == "narrate":
            out = r.narrate(limit=value)
            everything = len(r.narrate())
            assert len(out) == (everything if value is None else min(value, everything))
        else:
            out = r.events(value)
            assert all(e.kind == value for e in out)
    except (ValueError, TypeError) as exc:
        assert name in str(exc), (name, value, str(exc))


# --- sample_rounds, exact_rounds, distribution_distance ---------------------------------

SAMPLE_BASE = dict(
    n=5,
    t=1,
    runs=20,
    inputs="random",
    scheduler="uniform",
    faults=0,
    coin="local",
    seed=0,
    max_rounds=50,
    allow_unsafe=False,
    chunk_size=None,
)
SAMPLE_VALID = {
    "n": (3, 9),
    "t": (0, 2),
    "runs": (1, 1000, 10**10),
    "inputs": (5, (1, 0, 1, 0, 1)),
    "scheduler": ("split",),
    "faults": (1,),
    "coin": ("common",),
    "seed": (None, np.random.default_rng(3)),
    "max_rounds": (1, 10**6),
    "allow_unsafe": (True,),
    "chunk_size": (1, 7),
}
SAMPLE_ALIASES = {
    "n": ("t must be smaller than n", "n > "),
    "t": ("n > ", "t="),
    "inputs": ("number of ones",),
}


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(SAMPLE_BASE)))
def test_fuzz_sample_rounds(data, name):
    kwargs = dict(SAMPLE_BASE)
    kwargs[name] = data.draw(_wild_or(*SAMPLE_VALID[name]), label=name)
    s = _call(bl.sample_rounds, kwargs, name, SAMPLE_ALIASES)
    if s is None:
        return
    assert s.rounds.shape == s.censored.shape == (s.runs,)
    assert s.censored.dtype == bool and s.rounds.min() >= 1 and s.rounds.max() <= s.max_rounds
    assert np.all(s.rounds[s.censored] == s.max_rounds)
    assert 0 <= s.censored_share <= 1 and 1 <= s.median <= s.max_rounds
    assert isinstance(s.censored_note, str)
    q = data.draw(_wild_or(0.0, 0.5, 1, np.float32(0.9)), label="q")
    try:
        assert 1 <= s.quantile(q) <= s.max_rounds
    except (ValueError, TypeError) as exc:
        assert "q " in str(exc) or "q must" in str(exc), str(exc)


EXACT_BASE = dict(n=5, t=1, inputs="random", scheduler="uniform", coin="local", max_rounds=40)
EXACT_VALID = {
    "n": (3, 7),
    "t": (0, 2),
    "inputs": (3, (0, 1, 1, 1, 0)),
    "scheduler": ("split",),
    "coin": ("common",),
    "max_rounds": (None, 1),
}


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(EXACT_BASE)))
def test_fuzz_exact_rounds(data, name):
    kwargs = dict(EXACT_BASE)
    kwargs[name] = data.draw(_wild_or(*EXACT_VALID[name]), label=name)
    p = _call(bl.exact_rounds, kwargs, name, SAMPLE_ALIASES)
    if p is not None:
        assert p.ndim == 1 and p.size >= 1
        assert np.all((p >= 0) & (p <= 1)) and p.sum() <= 1 + 1e-9


DIST_BASE = dict(
    sample=[1, 1, 2, 3, 1, 2],
    p=[0.5, 0.3, 0.2],
    censored=None,
    max_rounds=None,
    min_expected=1.0,
    alpha=0.01,
)
DIST_VALID = {
    "sample": ([1, 2], np.array([2, 2, 2])),
    "p": ([1.0], np.array([0.25, 0.25])),
    "censored": ([False] * 6,),
    "max_rounds": (3,),
    "min_expected": (0.5, 5),
    "alpha": (0.5, 1e-9),
}


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(DIST_BASE)))
def test_fuzz_distribution_distance(data, name):
    kwargs = dict(DIST_BASE)
    kwargs[name] = data.draw(_wild_or(*DIST_VALID[name]), label=name)
    d = _call(bl.distribution_distance, kwargs, name, {})
    if d is not None:
        assert 0 <= d.tv <= 1 and 0 <= d.p_value <= 1 and d.bins >= 1
        assert math.isfinite(d.tv_bound) and d.dof == d.bins - 1


# --- the searches: budgets --------------------------------------------------------------

SEARCH_BASE = dict(
    n=4,
    t=1,
    variant="crash",
    crashes=1,
    byzantine=0,
    decided_policy="keep_running",
    budget_s=0.3,
    seed=0,
    max_runs=30,
    search="auto",
)
SEARCH_VALID = {
    "n": (3, 6),
    "t": (0, 2),
    "variant": ("byzantine",),
    "crashes": (0, 2),
    "byzantine": (1,),
    "decided_policy": ("halt",),
    "budget_s": (0.05, 1, np.float64(0.2)),
    "seed": (None, 5),
    "max_runs": (None, 0),
    "search": ("random", "exhaustive"),
}
SEARCH_ALIASES = {
    "n": ("crashes + byzantine", "t must be smaller than n"),
    "crashes": ("crashes + byzantine",),
    "byzantine": ("crashes + byzantine",),
    "decided_policy": ("search=",),
    "search": ("decided_policy",),
}


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(SEARCH_BASE)))
def test_fuzz_find_violation(data, name):
    kwargs = dict(SEARCH_BASE)
    kwargs[name] = data.draw(_wild_or(*SEARCH_VALID[name]), label=name)
    start = time.process_time()
    found = _call(bl.find_violation, kwargs, name, SEARCH_ALIASES)
    elapsed = time.process_time() - start
    if found is None:
        return
    budget = float(kwargs["budget_s"])
    # CPU time of this process, not the wall clock: a loaded machine does not make it fail,
    # a search that ignores its budget does (the shrinking step may take 0.5 s more)
    assert elapsed <= 3 * budget + 5
    assert found.tried >= 0
    if found:
        assert found.kind in ("agreement", "validity", "termination")
        assert found.reproduces()


MODEL_BASE = dict(coin="local", variant="crash", n=5, t=1, faults=0, seed=0, budget_s=0.3)
MODEL_VALID = {
    "coin": ("keep", "zero", "common"),
    "variant": ("byzantine",),
    "n": (2, 8),
    "t": (0, 2),
    "faults": (1, 3),
    "seed": (3,),
    "budget_s": (0.1, np.float32(0.2)),
}
MODEL_ALIASES = {
    "faults": ("faulty",),
    "variant": ("fault model",),
    "t": ("t must be smaller", "t="),
}
KINDS = ("endless run", "decided run", "counterexample", "undecided run", "nothing found")


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(MODEL_BASE)))
def test_fuzz_demonstrate(data, name):
    # demonstrate takes the model explorer's names (the fault model is `variant`, as in run)
    kwargs = dict(MODEL_BASE)
    valid = MODEL_VALID
    kwargs[name] = data.draw(_wild_or(*valid[name]), label=name)
    start = time.process_time()
    demo = _call(bl.demonstrate, kwargs, name, dict(MODEL_ALIASES, variant=("variant",)))
    elapsed = time.process_time() - start
    if demo is None:
        return
    assert elapsed <= 6 * float(kwargs["budget_s"]) + 5  # CPU time, as above
    assert demo.kind in KINDS
    if demo.run is not None and demo.kind == "decided run":
        assert demo.run.status == "decided"
    if demo.kind == "undecided run":
        assert demo.run is not None and demo.run.status != "decided"


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(MODEL_BASE) + ["scheduler", "behaviour"]))
def test_fuzz_explore_model(data, name):
    kwargs = dict(MODEL_BASE, scheduler="adversary", behaviour="adaptive")
    valid = dict(MODEL_VALID, scheduler=("uniform", "split"), behaviour=("silent",))
    kwargs[name] = data.draw(_wild_or(*valid[name]), label=name)
    aliases = dict(MODEL_ALIASES, behaviour=("behaviour",))
    view = _call(explore_model, kwargs, name, aliases)
    if view is None:
        return
    assert view.result in ("FLP", "Ben-Or", "bound violated", "no fault to tolerate")
    assert view.kind in (*KINDS, "blocked run")
    if view.run is not None:
        decided = view.run.status == "decided"
        assert (view.kind == "decided run") <= decided
        assert ("deciding round" in view.figure_title()) <= decided


# --- the widget models ------------------------------------------------------------------

STEPPER_BASE = dict(n=5, t=1, inputs=None, scheduler="uniform", crashed=(), seed=1, max_rounds=20)
STEPPER_VALID = {
    "n": (3, 7),
    "t": (0, 2),
    "inputs": ((1, 1, 0, 0, 1),),
    "scheduler": ("split", "choose", "you choose"),
    "crashed": ((4,), [0]),
    "seed": (0, np.int64(9)),
    "max_rounds": (1, 5),
}
STEPPER_ALIASES = {
    "crashed": ("crash",),
    "t": ("t=",),
    "n": ("t=",),
    "inputs": ("input",),
}


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(STEPPER_BASE)))
def test_fuzz_stepper(data, name):
    kwargs = dict(STEPPER_BASE)
    kwargs[name] = data.draw(_wild_or(*STEPPER_VALID[name]), label=name)
    session = _call(StepperSession, kwargs, name, STEPPER_ALIASES)
    if session is None:
        return
    k = data.draw(_wild_or(0, 3, 10**6), label="k")
    try:
        session.goto(k)
    except (ValueError, TypeError) as exc:
        assert "k " in str(exc) or "k must" in str(exc), str(exc)
    assert 0 <= session.k <= session.total
    rnd = data.draw(_wild_or(1, 2), label="round")
    try:
        rows = session.rows(round=rnd)
    except (ValueError, TypeError) as exc:
        assert "round" in str(exc), str(exc)
    else:
        assert len(rows) == session.settings.n
        assert all(r.x in (0, 1) for r in rows)


EXPLORER_BASE = dict(
    n=5,
    t=1,
    inputs="random",
    ones=0,
    scheduler="uniform",
    crashes=0,
    coin="local",
    runs=200,
    seed=1,
    scale="linear",
)
EXPLORER_VALID = {
    "n": (3, 9),
    "t": (0, 2),
    "inputs": ("equal", "ones"),
    "ones": (2,),
    "scheduler": ("split",),
    "crashes": (1,),
    "coin": ("common",),
    "runs": (1, 2000),
    "seed": (0,),
    "scale": ("log",),
}
EXPLORER_ALIASES = {
    "crashes": ("crash",),
    "ones": ("number of ones",),
    "runs": ("number of runs",),
    "t": ("t=",),
}


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(EXPLORER_BASE)))
def test_fuzz_explorer(data, name):
    kwargs = dict(EXPLORER_BASE)
    kwargs[name] = data.draw(_wild_or(*EXPLORER_VALID[name]), label=name)
    s = _call(ExplorerSettings, kwargs, name, EXPLORER_ALIASES)
    if s is None:
        return
    view = compute_view(s, budget=3_000_000)
    assert view.runs <= s.runs and view.counts.sum() + view.censored_runs == view.runs
    stats = view.stats()
    assert 0 <= stats["censored_share"] <= 1 and stats["mean"] >= 1
    assert isinstance(view.cap_note(), str)


@pytest.mark.parametrize(
    "changes",
    [{"variant": "foo"}, {"d_twice": 1.5}, {"quorum": 0}, {"bogus": 1}, {"adopt_min": "2"}],
)
def test_rules_changes_are_checked_when_made_not_mid_run(changes):
    with pytest.raises(ValueError, match=next(iter(changes))):
        bl.standard_rules(5, 1).with_changes(**changes)
