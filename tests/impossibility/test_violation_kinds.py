"""The break-it search looks for a named kind of violation: agreement fails at n = 5t."""

import pytest

from benor_lib import find_violation


def test_agreement_violation_at_n_equal_5t():
    c = find_violation(5, 1, variant="byzantine", byzantine=1, seed=0, kind="agreement")
    assert c and c.kind == "agreement"
    r = c.run
    correct = r.correct
    assert len({r.decisions[p] for p in correct if p in r.decisions}) == 2
    # from mixed inputs, so validity has nothing to say: agreement alone is broken
    assert len({r.inputs[p] for p in correct}) == 2
    assert [v.kind for v in r.violations] == ["agreement"]
    assert c.reproduces() and r.replay().trace == r.trace


def test_default_search_still_reports_the_first_violation_it_prefers():
    c = find_violation(5, 1, variant="byzantine", byzantine=1, seed=0)
    assert c and c.kind == "validity"


def test_no_agreement_violation_above_5t():
    c = find_violation(
        6, 1, variant="byzantine", byzantine=1, seed=0, kind="agreement", search="exhaustive"
    )
    assert not c and c.exhaustive
    assert "agreement violations only" in c.explain()


def test_kind_is_checked():
    with pytest.raises(ValueError, match="kind"):
        find_violation(5, 1, kind="safety")
