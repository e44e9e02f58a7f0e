"""The round-by-hand table (benor_lib.analysis.round_table) against the runs it is read from.

Each row is checked against facts the table does not compute itself: the inputs, the
protocol's thresholds and the other rows. Then the table is played back: a scripted run
that delivers exactly the messages the table lists, with the coins it lists, must give
the same table.
"""

import pytest

import benor_lib as bl
from benor_lib.analysis.round_table import ROUND_TABLE_HEADERS, round_rows, round_table
from benor_lib.simulation.schedulers import Scripted

CASES = [
    (5, 1, [0, 0, 1, 1, 1], "uniform", (), 3),  # the algorithm chapter's run
    (5, 1, [0, 0, 1, 1, 1], "split", (), 0),
    (5, 2, [0, 1, 1, 0, 1], "uniform", (), 7),
    (7, 3, [1, 1, 1, 0, 0, 0, 1], "random_order", (), 11),
    (5, 1, [1, 1, 0, 1, 0], "uniform", (bl.Crash(4, round=1, phase=2, after=2),), 5),
]


def _run(n, t, inputs, scheduler, faults, seed):
    return bl.run(n, t, inputs, scheduler=scheduler, faults=list(faults), seed=seed)


@pytest.mark.parametrize(("n", "t", "inputs", "scheduler", "faults", "seed"), CASES)
def test_rows_follow_the_rules(n, t, inputs, scheduler, faults, seed):
    r = _run(n, t, inputs, scheduler, faults, seed)
    rules = r.rules
    rows = round_rows(r, 1)
    assert [row.pid for row in rows] == list(range(n))
    sent = {row.pid: row.proposal for row in rows if row.sent_proposal}
    for row in rows:
        assert row.x == inputs[row.pid]  # round 1 reports carry the inputs
        if not row.sent_proposal:
            continue
        senders = [s for s, _ in row.reports]
        assert len(set(senders)) == len(senders) == rules.quorum
        assert all(v == inputs[s] for s, v in row.reports)
        ones = sum(v for _, v in row.reports)
        zeros = rules.quorum - ones
        expect = 1 if 2 * ones > n else 0 if 2 * zeros > n else None
        assert row.proposal == expect
        if row.proposals is None:
            continue
        assert len({s for s, _ in row.proposals}) == rules.quorum
        assert all(v == sent[s] for s, v in row.proposals)  # what the senders' rows sent
        d = [v for _, v in row.proposals if v is not None]
        assert len(set(d)) <= 1
        if len(d) > t:
            assert row.outcome == "decide" and row.x_after == d[0]
        elif d:
            assert row.outcome == "adopt" and row.x_after == d[0]
        else:
            assert row.outcome == "coin" and row.x_after in (0, 1)


@pytest.mark.parametrize(("n", "t", "inputs", "scheduler", "faults", "seed"), CASES)
def test_table_plays_back_to_itself(n, t, inputs, scheduler, faults, seed):
    r = _run(n, t, inputs, scheduler, faults, seed)
    rows = round_rows(r, 1)
    script = [(s, row.pid, 1, 1) for row in rows if row.sent_proposal for s, _ in row.reports]
    script += [(s, row.pid, 1, 2) for row in rows if row.proposals for s, _ in row.proposals]
    coins = {(row.pid, 1): row.x_after for row in rows if row.outcome == "coin"}
    again = bl.run(n, t, inputs, scheduler=Scripted(script), faults=list(faults), coin=coins)
    assert round_rows(again, 1) == rows


def test_chapter_round_cells():
    r = bl.run(5, 1, [0, 0, 1, 1, 1], seed=3)
    headers, cells = round_table(r, 1)
    assert headers == ROUND_TABLE_HEADERS and len(cells) == 5
    rows = round_rows(r, 1)
    for row, cell in zip(rows, cells, strict=True):
        assert cell[0] == f"p{row.pid}" and cell[1] == str(row.x)
        (missed,) = {0, 1, 2, 3, 4} - {s for s, _ in row.reports}
        assert cell[2].startswith(f"all but p{missed}: ")
        assert cell[2].split(": ")[1].split() == [str(v) for _, v in row.reports]
        assert cell[3] == ("?" if row.proposal is None else f"D({row.proposal})")
        assert cell[5].split()[-1] == str(row.x_after)
    # the two narrow tables are the two halves of the whole one
    h2, two = round_table(r, 1, step=2)
    h3, three = round_table(r, 1, step=3)
    assert len(h2) == 4 and len(h3) == 3 and h2[0] == h3[0] == headers[0]
    assert [a + b[1:] for a, b in zip(two, three, strict=True)] == cells
    with pytest.raises(ValueError, match="step"):
        round_table(r, 1, step=4)
    # a later round of the same run: everyone unanimous, everyone decides
    later = round_rows(r, r.rounds)
    assert {row.outcome for row in later} == {"decide"}


def test_bad_round_and_missing_trace():
    r = bl.run(5, 1, [0, 0, 1, 1, 1], seed=3)
    for bad in (0, -1, 1.0, True, r.rounds + 5):
        with pytest.raises(ValueError, match="round"):
            round_rows(r, bad)
    quiet = bl.run(5, 1, [0, 0, 1, 1, 1], seed=3, keep_trace=False)
    with pytest.raises(ValueError, match="keep_trace"):
        round_rows(quiet, 1)
