"""The apps' shared choices: one label table per kind, each app's range of n, the n/t checks."""

from __future__ import annotations

import pytest

from benor_lib.apps import choices
from benor_lib.apps.explorer import model as em
from benor_lib.apps.model_explorer import model as mm
from benor_lib.apps.stepper import model as sm
from benor_lib.protocol.rules import max_t


def test_each_app_offers_a_subset_of_one_table_with_the_same_words() -> None:
    for offered in (sm.SCHEDULER_LABELS, em.SCHEDULER_LABELS, mm.SCHEDULER_LABELS):
        assert all(choices.SCHEDULER_LABELS[k] == v for k, v in offered.items())
    for offered in (em.COIN_LABELS, mm.COIN_LABELS):
        assert all(choices.COIN_LABELS[k] == v for k, v in offered.items())
    assert list(sm.SCHEDULER_LABELS) == list(sm.STEPPER_SCHEDULERS)
    assert choices.labels(choices.COIN_LABELS, ("common", "local")) == {
        "common": "common coin",
        "local": "local coins",
    }


def test_each_app_reads_its_range_of_n_from_the_one_table() -> None:
    assert choices.N_RANGES["stepper"] == (sm.N_MIN, sm.N_MAX)
    assert choices.N_RANGES["explorer"] == (em.N_MIN, em.N_MAX)
    assert choices.N_RANGES["model explorer"] == (mm.N_MIN, mm.N_MAX)
    low, high = choices.N_RANGES["stepper"]
    assert choices.check_app_n(low, "stepper") == low
    with pytest.raises(ValueError, match=f"between {low} and {high} in the stepper"):
        choices.check_app_n(high + 1, "stepper")


@pytest.mark.parametrize("variant", ["crash", "byzantine"])
def test_the_largest_tolerated_t_passes_and_one_more_is_refused(variant: str) -> None:
    for n in range(2, 13):
        top = max_t(n, variant)
        assert choices.check_tolerated_t(n, top, variant) == top
        with pytest.raises(ValueError, match=f"t can be at most {top}"):
            choices.check_tolerated_t(n, top + 1, variant)
    with pytest.raises(ValueError, match="0 or more"):
        choices.check_tolerated_t(5, -1)


def test_settings_use_the_shared_checks() -> None:
    with pytest.raises(ValueError, match="the crash variant needs n > 2t"):
        em.ExplorerSettings(n=4, t=2)
    with pytest.raises(ValueError, match="the byzantine variant needs n > 5t"):
        sm.StepperSettings(n=5, t=1, variant="byzantine")
