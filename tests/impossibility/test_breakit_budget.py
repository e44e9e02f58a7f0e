"""The break-it search keeps to its time budget, even where one run is long (Bracha, n = 7)."""

import time

from benor_lib.impossibility.breakit import find_violation


def test_the_search_keeps_its_budget_for_bracha_at_n_7():
    # measured in CPU time of this process (never more than the wall time the budget counts),
    # with a generous margin for the shrink step and one delivery's work; before the camp
    # scheduler checked the deadline, one run overran the budget by about 100 s
    budget = 5.0
    start = time.process_time()
    result = find_violation(7, 2, variant="bracha", byzantine=2, seed=0, budget_s=budget)
    used = time.process_time() - start
    assert used < budget + 15.0, used
    assert result.tried >= 1
