"""One split view: the split scheduler, the vectorised sampler and the exact chain agree.

The scheduler picks, among the most balanced views, one at random; the sampler and the
chain take the view with the fewest ones. Both must give the same D-messages (the
published thresholds cannot tell the two roundings apart), and the phase-2 view (as few
D-messages as possible) must be the same everywhere.
"""

from collections import Counter

import numpy as np
import pytest

from benor_lib import run, standard_rules
from benor_lib.distributions.exact import round_chain
from benor_lib.protocol.events import ADOPT, COIN, DECIDE, PROPOSE
from benor_lib.simulation.schedulers import split_proposal_ds, split_report_ones

SETTINGS = [(4, 1), (5, 2), (6, 2), (7, 3), (7, 1)]


@pytest.mark.parametrize("n, t", SETTINGS)
def test_the_scheduler_shows_what_the_split_view_function_says(n, t):
    rules = standard_rules(n, t)
    need = rules.quorum - 1
    for ones in range(n + 1):
        inputs = [0] * (n - ones) + [1] * ones
        r = run(n, t, inputs, scheduler="split", seed=ones, max_rounds=1)
        for e in r.events(PROPOSE):
            if e.round != 1:
                continue
            x = r.inputs[e.pid]
            seen = sum(1 for s, v in zip(e.senders, e.heard, strict=True) if s != e.pid and v)
            fewest, most = split_report_ones(x, 1, ones - x, (n - 1) - (ones - x), need)
            assert fewest <= seen <= most
            # the sampler's and chain's choice (fewest) sends the same D-message
            c = x + int(fewest)
            expect = 1 if rules.sends_d(c) else 0 if rules.sends_d(rules.quorum - c) else None
            assert e.value == expect
        proposed = {e.pid: e.value for e in r.events(PROPOSE) if e.round == 1}
        for e in r.events(ADOPT, COIN, DECIDE):
            if e.round != 1:
                continue
            plain_others = sum(1 for p, v in proposed.items() if p != e.pid and v is None)
            shown = [v for p, v in zip(e.senders, e.heard, strict=True) if p != e.pid]
            assert len(shown) == need
            assert sum(v is not None for v in shown) == split_proposal_ds(need, plain_others)


@pytest.mark.parametrize("n, t", SETTINGS)
def test_the_chain_and_the_sampler_use_the_same_view(n, t):
    # the chain's one-round law from s ones equals the law of the sampler's round,
    # estimated from many sampled rounds (tolerance from the sample size)
    from benor_lib.distributions.sample import _Block

    chain = round_chain(n, t, scheduler="split", coin="local")
    rules = standard_rules(n, t)
    runs = 4000
    for s in range(n + 1):
        x = np.array([[0] * (n - s) + [1] * s] * runs)
        block = _Block(np.random.default_rng(s), x, rules, "split", "local", 1)
        block.advance()
        got = Counter(int(v) for v in block.x.sum(axis=1))  # the runs nobody finished
        for s2 in range(n + 1):
            p = chain.stay[s, s2]
            freq = got.get(s2, 0) / runs
            tol = 5 * np.sqrt(p * (1 - p) / runs) + 1e-9
            assert abs(freq - p) <= tol, (n, t, s, s2, freq, p)


@pytest.mark.parametrize("n, t", SETTINGS)
def test_split_round_ends_run_says_when_the_scheduler_lets_round_one_decide(n, t):
    from benor_lib.analysis import split_round_ends_run

    for ones in range(n + 1):
        inputs = [0] * (n - ones) + [1] * ones
        r = run(n, t, inputs, scheduler="split", seed=ones, max_rounds=2)
        deciders = {e.pid for e in r.events(DECIDE) if e.round == 1}
        assert (len(deciders) == n) == split_round_ends_run(n, t, ones), (n, t, ones)
