"""The "After Ben-Or" chapter's computations (benor_lib.analysis.after) and its exercise
checkers (benor_lib.classroom.ex_after)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import benor_lib as bl
from benor_lib.analysis import after
from benor_lib.classroom import REGISTRY, check, ex_after

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("n", range(1, 9))
def test_the_overlap_count_agrees_with_enumeration(n: int) -> None:
    for q in range(n + 1):
        assert after.smallest_overlap(n, q) == after.enumerated_overlap(n, q), (n, q)


def test_overlap_rejects_bad_sizes_clearly() -> None:
    for n, q in [(0, 0), (5, 6), (5, -1), (True, 1), (5, 2.5)]:
        with pytest.raises(ValueError, match="n|quorum"):
            after.smallest_overlap(n, q)
    with pytest.raises(ValueError, match="enumeration"):
        after.enumerated_overlap(after.ENUMERATE_MAX_N + 1, 3)
    with pytest.raises(ValueError, match="t must be"):
        after.quorum_rows((0,))


def test_quorums_meet_exactly_at_the_bounds() -> None:
    rows = after.quorum_rows((1, 2, 3, 4, 5, 6))
    for r in rows:
        faulty = r.t if r.variant == "byzantine" else 0
        assert r.majority_overlap == faulty + 1  # n = 2t + 1 / 3t + 1: one to spare, no more
        assert r.correct_in_common and r.waits_overlap == r.n - 2 * r.t
        # a Byzantine quorum can be waited for (t may stay silent) exactly when n > 3t
        if r.variant == "byzantine":
            assert r.majority <= r.n - r.t
            n3 = 3 * r.t
            assert (n3 + r.t) // 2 + 1 > n3 - r.t
    # below the crash bound, n = 2t, two waiting quorums can be disjoint
    assert all(after.smallest_overlap(2 * t, t) == 0 for t in range(1, 8))
    # Ben-Or's D-message quorum is a majority of all n, whatever t
    assert [after.d_quorum(n, 1) for n in (3, 4, 5, 6)] == [2, 3, 3, 4]


def test_messages_per_round_counts_broadcasts() -> None:
    n = 5
    run = bl.run(n, 1, [0, 0, 1, 1, 1], seed=1)
    counts = after.messages_per_round(run)
    assert set(counts) <= set(range(1, run.rounds + 2))
    full = [counts[r] for r in sorted(counts)[:-1]]  # the last round may be cut short
    assert full and all(c == 2 * n * n for c in full)


def test_results_table_computes_what_it_can_and_cites_the_rest() -> None:
    rows = after.results_rows(5, 1)
    assert len(rows) == len(after.RESULTS) and all(
        len(r) == len(after.RESULTS_HEADERS) for r in rows
    )
    mean = bl.round_distribution(5, 1).mean
    split = bl.round_distribution(5, 1, scheduler="split").mean
    assert f"{mean:.2f}" in rows[0][3] and f"{split:.2f}" in rows[0][3]
    assert "50" in rows[0][4]  # 2 n^2, counted in a run
    bib = (REPO / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"@\w+\{(\w+),", bib))
    for r in after.RESULTS:
        cited = set(re.findall(r"\]\(#([\w,]+)\)", r.cite))
        assert cited and cited <= keys, r.name
    with pytest.raises(ValueError):
        after.results_rows(4, 2)  # outside protocol A's bound


# --- exercise checkers ------------------------------------------------------------------


def test_after_exercises_are_registered_one_of_each_kind() -> None:
    kinds = {e.kind for e in REGISTRY.values() if e.chapter == "after"}
    assert kinds == {"compute", "adversary", "predict"}


def test_after_1_is_the_byzantine_quorum() -> None:
    for n, t in [(4, 1), (7, 2), (10, 3), (9, 1)]:
        q = ex_after.byzantine_quorum(n, t)
        assert q == (n + t) // 2 + 1
        assert after.smallest_overlap(n, q) > t >= after.smallest_overlap(n, q - 1)
    assert check("after-1", 5).ok
    assert check("after-1", 4).status == "close"
    wrong = check("after-1", 7)
    assert wrong.status == "wrong" and ex_after.QUORUM_SECTION in wrong.hint


def test_after_2_checks_disjoint_quorums() -> None:
    assert check("after-2", ([0, 1, 2], [3, 4, 5])).ok
    assert check("after-2", [(5, 1, 3), [0, 2, 4]]).ok
    shared = check("after-2", ([0, 1, 2], [2, 3, 4]))
    assert shared.status == "wrong" and "p2" in shared.message
    cases = {
        "not a pair": [0, 1, 2],
        "sizes": ([0, 1], [2, 3]),
        "ids": ([0, 1, 7], [2, 3, 4]),
        "repeat": ([0, 0, 1], [3, 4, 5]),
        "text": "([0,1,2],[3,4,5])",
        "bools": ([True, False, 1], [3, 4, 5]),
    }
    for name, answer in cases.items():
        feedback = check("after-2", answer)
        assert feedback.status == "malformed", name
        assert feedback.message[:1].isupper(), name
    assert "Process ids" in check("after-2", ([0, 1, 7], [2, 3, 4])).message
    assert "3 processes" in check("after-2", ([0, 1], [2, 3])).message


def test_after_3_is_flexible_paxos() -> None:
    for n in range(3, 10):
        for q2 in range(1, n + 1):
            q1 = ex_after.phase_one_quorum(n, q2)
            assert q1 + q2 > n and q1 - 1 + q2 <= n
    assert check("after-3", 4).ok
    assert check("after-3", 3).status == "wrong"
