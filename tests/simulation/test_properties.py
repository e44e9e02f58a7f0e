"""Property tests: over seeds, schedulers, inputs, n up to 9 and up to t faults, no run of
a correct configuration ever breaks agreement, validity or the safety invariant (checked in
every state a run passes through), and every run either decides
within max_rounds or says it is undecided.

Validity is checked where it can fail: on unanimous inputs (a third of the drawn inputs),
every decision is that value. The thorough versions (about 25,000 runs) are marked slow;
a small sample of each runs in the fast layer."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benor_lib import Byzantine, Crash, run
from benor_lib.simulation.checks import check_invariant_along_trace

SCHEDULERS = ("uniform", "random_order", "fifo", "split")


@st.composite
def crash_configs(draw):
    n = draw(st.integers(1, 9))
    t = draw(st.integers(0, (n - 1) // 2))
    k = draw(st.integers(0, t))
    pids = draw(st.permutations(range(n)))[:k]
    faults = []
    for p in pids:
        if draw(st.booleans()):
            faults.append(Crash(p))
        else:
            faults.append(
                Crash(
                    p,
                    round=draw(st.integers(1, 3)),
                    phase=draw(st.integers(1, 2)),
                    after=draw(st.integers(0, n)),
                )
            )
    inputs = draw(
        st.one_of(
            st.lists(st.integers(0, 1), min_size=n, max_size=n),
            st.integers(0, 1).map(lambda v: [v] * n),  # unanimous: validity can fail
        )
    )
    return n, t, faults, inputs


def _check(r, max_rounds):
    assert not [v for v in r.violations if v.kind in ("agreement", "validity")], r.summary()
    # the safety invariant, in every state the run went through, not only at the end
    assert not check_invariant_along_trace(r.trace, r.n), r.summary()
    assert r.status in ("decided", "undecided"), r.summary()
    if r.status == "decided":
        assert r.rounds <= max_rounds
        assert all(p in r.decisions for p in r.correct)
    else:
        assert r.rounds == max_rounds
    # validity: with unanimous inputs v, every decision is v (with mixed inputs any is allowed)
    if len(set(r.inputs)) == 1:
        assert set(r.decisions.values()) <= {r.inputs[0]}, r.summary()


_SLOW_OK = [HealthCheck.too_slow]
_crash_cases = given(
    config=crash_configs(),
    scheduler=st.sampled_from(SCHEDULERS),
    coin=st.sampled_from(("local", "common")),
    policy=st.sampled_from(("keep_running", "halt_after_next")),
    seed=st.integers(0, 2**32 - 1),
)


def _crash_variant_is_safe(config, scheduler, coin, policy, seed):
    n, t, faults, inputs = config
    max_rounds = 40
    for i in range(4):
        r = run(
            n,
            t,
            inputs,
            scheduler=scheduler,
            faults=faults,
            coin=coin,
            seed=seed + i,
            max_rounds=max_rounds,
            decided_policy=policy,
        )
        _check(r, max_rounds)


test_crash_variant_is_safe = pytest.mark.slow(
    settings(max_examples=600, deadline=None, suppress_health_check=_SLOW_OK)(
        _crash_cases(_crash_variant_is_safe)
    )
)
test_crash_variant_is_safe_sample = settings(
    max_examples=40, deadline=None, suppress_health_check=_SLOW_OK
)(_crash_cases(_crash_variant_is_safe))

_byzantine_cases = given(
    t=st.integers(0, 1),
    extra=st.integers(1, 3),
    behaviours=st.lists(
        st.sampled_from(("silent", "always", "equivocate", "adaptive")), min_size=1, max_size=1
    ),
    scheduler=st.sampled_from(SCHEDULERS),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)


def _byzantine_variant_is_safe(t, extra, behaviours, scheduler, seed, data):
    n = 5 * t + extra
    inputs = data.draw(
        st.one_of(
            st.lists(st.integers(0, 1), min_size=n, max_size=n),
            st.integers(0, 1).map(lambda v: [v] * n),
        )
    )
    faults = [Byzantine(n - 1, behaviours[0], value=data.draw(st.integers(0, 1)))][:t]
    # validity in the Byzantine variant: about the correct processes' inputs
    correct_inputs = inputs[: n - len(faults)]
    for i in range(4):
        r = run(
            n,
            t,
            inputs,
            variant="byzantine",
            scheduler=scheduler,
            faults=faults,
            seed=seed + i,
            max_rounds=60,
        )
        assert not r.violations, r.summary()
        liars = [f.pid for f in faults]  # the invariant is about the correct processes
        assert not check_invariant_along_trace(r.trace, n, skip=liars), r.summary()
        if r.status == "decided" and len(set(correct_inputs)) == 1:
            assert r.decided_value == correct_inputs[0]


test_byzantine_variant_is_safe = pytest.mark.slow(
    settings(max_examples=300, deadline=None, suppress_health_check=_SLOW_OK)(
        _byzantine_cases(_byzantine_variant_is_safe)
    )
)
test_byzantine_variant_is_safe_sample = settings(
    max_examples=20, deadline=None, suppress_health_check=_SLOW_OK
)(_byzantine_cases(_byzantine_variant_is_safe))


@pytest.mark.slow
def test_many_seeded_runs_of_random_configurations():
    rng = np.random.default_rng(2026)
    for _ in range(5_000):
        n = int(rng.integers(1, 10))
        t = int(rng.integers(0, (n - 1) // 2 + 1))
        k = int(rng.integers(0, t + 1))
        inputs = rng.integers(0, 2, size=n).tolist()
        if rng.random() < 1 / 3:  # unanimous, so that validity can fail
            inputs = [inputs[0]] * n
        scheduler = SCHEDULERS[int(rng.integers(4))]
        faults = [Crash(p, after=int(rng.integers(0, n + 1))) for p in rng.permutation(n)[:k]]
        r = run(
            n,
            t,
            inputs,
            scheduler=scheduler,
            faults=faults,
            seed=int(rng.integers(2**31)),
            max_rounds=30,
        )
        _check(r, 30)
