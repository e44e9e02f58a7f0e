"""The FLP chapter's pictures: valence inside round 1 (benor_lib.analysis.flp) against the
valence explorer, Lemma 2's diamond replayed in both orders, and the figures drawn from them."""

import itertools

import numpy as np
import pytest
from matplotlib.figure import Figure

from benor_lib import impossibility
from benor_lib.analysis.flp import configuration, find_diamond, report_phase_valence
from benor_lib.figures.flp import (
    diamond_alt_text,
    diamond_figure,
    successors_alt_text,
    successors_figure,
    valence_box,
)

VALUES = {"0-valent": {0}, "1-valent": {1}, "bivalent": {0, 1}, "no decision": set()}


@pytest.fixture(scope="module")
def parity():
    return impossibility.explore_valence(3, 1, "pid_parity")


@pytest.mark.parametrize("rule", ["pid_parity", "keep"])
def test_no_deliveries_gives_the_explorers_valence(rule):
    report = impossibility.explore_valence(3, 1, rule)
    for inputs in itertools.product((0, 1), repeat=3):
        assert report_phase_valence(report, inputs) == report.classify(list(inputs)), inputs


def test_a_delivery_never_adds_a_reachable_value(parity):
    # every configuration after a delivery is reachable from the one before it
    rng = np.random.default_rng(7)
    keys = [(s, p, 1, 1) for p in range(3) for s in range(3)]
    for inputs in ((0, 1, 1), (0, 0, 1)):
        for _ in range(2):
            order = [keys[i] for i in rng.permutation(len(keys))]
            done, before = [], VALUES[report_phase_valence(parity, inputs)]
            for key in order:
                if sum(1 for k in done if k[1] == key[1]) == 2:
                    continue  # p already has the two reports it waits for
                done.append(key)
                after = VALUES[report_phase_valence(parity, inputs, done)]
                assert after <= before, (inputs, done)
                before = after


def test_diamond_commutes_and_matches_lemma_2(parity):
    d = find_diamond(parity)
    assert d.e[1] != d.e2[1]  # steps of different processes
    assert d.valence["C"] == "bivalent" == report_phase_valence(parity, d.inputs, d.delivered)
    assert d.valence["e"] in ("0-valent", "1-valent") and d.valence["e2"] == "bivalent"
    assert d.same
    one = configuration(parity, d.inputs, d.script("e_then_e2"))
    other = configuration(parity, d.inputs, d.script("e2_then_e"))
    assert one == other
    # the comparison can tell configurations apart: e(C) and e'(C) differ
    assert configuration(parity, d.inputs, d.script("e")) != configuration(
        parity, d.inputs, d.script("e2")
    )
    # the merged corner is reachable from both sides: its values lie in both
    assert VALUES[d.valence["both"]] <= VALUES[d.valence["e"]] & VALUES[d.valence["e2"]]


def test_bad_deliveries_are_refused(parity):
    with pytest.raises(ValueError, match="round-1 reports"):
        report_phase_valence(parity, (0, 1, 1), [(0, 1, 1, 2)])
    with pytest.raises(ValueError, match="twice"):
        report_phase_valence(parity, (0, 1, 1), [(0, 1, 1, 1), (0, 1, 1, 1)])
    with pytest.raises(ValueError, match="more than"):
        report_phase_valence(parity, (0, 1, 1), [(0, 1, 1, 1), (1, 1, 1, 1), (2, 1, 1, 1)])
    with pytest.raises(ValueError, match="inputs"):
        report_phase_valence(parity, (0, 1), [])


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_figures_show_the_computed_valences(parity):
    d = find_diamond(parity)
    fig = diamond_figure(d)
    assert isinstance(fig, Figure)
    texts = " | ".join(_texts(fig))
    assert f"e(C): {d.valence['e']}" in texts and f"C: {d.valence['C']}" in texts
    alt = diamond_alt_text(d)
    assert d.valence["e"] in alt and "the same configuration" in alt
    start = parity.bivalent_initial[0]
    succ = parity.successors(start)
    config = impossibility.Config.initial(start)
    fig2 = successors_figure(config, parity.classify(start), succ)
    texts2 = _texts(fig2)
    assert sum(1 for t in texts2 if t.startswith("x = ")) == len(succ) + 1
    alt2 = successors_alt_text(config, parity.classify(start), succ)
    moves = sum(1 for _, v in succ if v == "bivalent")
    assert f"{moves} of them" in alt2
    with pytest.raises(ValueError, match="at least one"):
        successors_figure(config, "bivalent", [])
    with pytest.raises(ValueError, match="valence"):
        valence_box(fig2.axes[0], 0, 0, 1, 1, "trivalent")
