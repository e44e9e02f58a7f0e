"""benor_lib.protocol.rules: the thresholds and the resilience bounds, as data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from benor_lib.protocol.rules import bound_holds, bound_text, max_t, standard_rules

VARIANTS = {"crash": 2, "byzantine": 5}


@pytest.mark.parametrize("variant, factor", VARIANTS.items())
def test_max_t_is_the_largest_t_the_bound_allows(variant: str, factor: int) -> None:
    for n in range(1, 40):
        t = max_t(n, variant)
        assert bound_holds(n, t, variant) and not bound_holds(n, t + 1, variant)
        assert n > factor * t and n <= factor * (t + 1)
    assert bound_text(variant) == f"n > {factor}t"


@given(n=st.integers(1, 60), data=st.data())
def test_standard_thresholds_are_monotone_and_consistent(n: int, data) -> None:
    variant = data.draw(st.sampled_from(sorted(VARIANTS)))
    t = data.draw(st.integers(0, max_t(n, variant)))
    r = standard_rules(n, t, variant)
    assert r.quorum == n - t and r.is_standard
    counts = range(r.quorum + 1)
    for pred in (r.sends_d, r.adopts, r.decides):
        seen = [bool(pred(c)) for c in counts]
        assert seen == sorted(seen), "a threshold: false below it, true from it on"
    assert all(r.adopts(c) for c in counts if r.decides(c)), "who decides also adopts"
    # among the reports of one quorum, at most one value can be sent as a D-message
    assert not any(r.sends_d(c) and r.sends_d(r.quorum - c) for c in counts)


def test_the_predicates_work_on_arrays() -> None:
    r = standard_rules(9, 2, "crash")
    counts = np.arange(r.quorum + 1)
    for pred in (r.sends_d, r.adopts, r.decides):
        assert pred(counts).tolist() == [bool(pred(int(c))) for c in counts]


def test_with_changes_changes_one_threshold_and_checks_it() -> None:
    r = standard_rules(5, 1)
    changed = r.with_changes(d_twice=r.d_twice + 1)
    assert changed.d_twice == r.d_twice + 1 and changed.quorum == r.quorum
    assert not changed.is_standard and r.is_standard
    with pytest.raises(ValueError, match="quorum"):
        r.with_changes(quorum=0)
    with pytest.raises(ValueError):
        r.with_changes(nonsense=1)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_outside_the_bound_standard_rules_refuse_unless_allowed(variant: str) -> None:
    n = 10
    t = max_t(n, variant) + 1
    with pytest.raises(ValueError, match=bound_text(variant)):
        standard_rules(n, t, variant)
    assert standard_rules(n, t, variant, allow_unsafe=True).t == t
