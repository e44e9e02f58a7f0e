"""One round of a run as a table a reader can follow with a pencil.

:func:`round_rows` reads a round out of a run's trace: for each process, the value it
reported, the reports it acted on, the proposal it sent, the proposals it acted on and
what it concluded. :func:`round_table` turns those rows into short text cells for a
Markdown table (few columns, so that it reads on paper and on a phone). Because the rows
come from the trace, a table in a chapter cannot drift from the code that made the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benor_lib.protocol.events import ADOPT, COIN, DECIDE, PROPOSE, REPORT, SEND, START

if TYPE_CHECKING:
    from benor_lib.simulation.result import Run

OUTCOMES = ("decide", "adopt", "coin", "")
"""What a row's ``outcome`` can be ("" when the trace has no conclusion for the process)."""

ROUND_TABLE_HEADERS = [
    "process",
    "reports",
    "hears (step 2)",
    "sends",
    "hears (step 3)",
    "ends with",
]
"""The column headings of :func:`round_table` (the whole round in one table)."""

STEP_HEADERS = {
    2: ["process", "reports", "hears", "sends"],
    3: ["process", "hears", "ends with"],
}
"""The column headings of :func:`round_table` for one step, narrow enough for a phone."""


@dataclass(frozen=True)
class RoundRow:
    """What one process did in one round, as the trace records it.

    ``reports`` and ``proposals`` are the (sender, value) pairs it acted on, sorted by
    sender (a proposal's value is None for ``?``); ``proposal`` is the value of the D-message
    it sent, or None for ``?``; ``outcome`` is ``"decide"``, ``"adopt"``, ``"coin"``, or
    ``""`` when the trace shows no conclusion (the process crashed, or had decided earlier
    and heard no D-message); ``x_after`` is the value it holds when it enters the next
    round (None if the trace does not show it). A field the process never reached is None.
    """

    pid: int
    x: int | None
    reports: tuple[tuple[int, int | None], ...] | None
    proposal: int | None
    proposals: tuple[tuple[int, int | None], ...] | None
    outcome: str
    x_after: int | None

    @property
    def sent_proposal(self) -> bool:
        """Whether the process got as far as proposing (``proposal`` None then means ``?``)."""
        return self.reports is not None


def round_rows(run: Run, rnd: int = 1) -> list[RoundRow]:
    """The rows of round ``rnd`` of ``run``, one per process, read from its trace."""
    if not getattr(run, "kept_trace", True):
        raise ValueError("round_rows needs the run's trace: run it with keep_trace=True")
    if isinstance(rnd, bool) or not isinstance(rnd, int) or rnd < 1:
        raise ValueError(f"rnd must be a round number (an int >= 1); got {rnd!r}")
    if rnd > max(run.rounds, 1) + 1:
        raise ValueError(f"the run has {run.rounds} rounds; round {rnd} is not in its trace")
    n = run.n
    x: dict[int, int | None] = dict.fromkeys(range(n))
    x_after: dict[int, int | None] = dict.fromkeys(range(n))
    propose: dict[int, object] = {}
    conclude: dict[int, object] = {}
    for e in run.trace:
        if e.kind == START and rnd == 1:
            x[e.pid] = e.value
        elif e.kind == SEND and e.phase == REPORT:
            if e.round == rnd:
                x[e.pid] = e.value
            elif e.round == rnd + 1:
                x_after[e.pid] = e.value
        elif e.round == rnd and e.kind == PROPOSE:
            propose[e.pid] = e
        elif e.round == rnd and e.kind in (ADOPT, COIN, DECIDE):
            conclude[e.pid] = e
    rows = []
    for p in range(n):
        pe, ce = propose.get(p), conclude.get(p)
        after = x_after[p]
        if after is None and ce is not None:
            after = ce.value
        rows.append(
            RoundRow(
                pid=p,
                x=x[p],
                reports=None if pe is None else _pairs(pe.senders, pe.heard),
                proposal=None if pe is None else pe.value,
                proposals=None if ce is None else _pairs(ce.senders, ce.heard),
                outcome="" if ce is None else str(ce.kind),
                x_after=after,
            )
        )
    return rows


def _pairs(senders: Sequence[int], heard: Sequence[int | None]) -> tuple:
    return tuple(sorted(zip(senders, heard, strict=True)))


def _proposal_text(value: int | None) -> str:
    return "?" if value is None else f"D({value})"


def _heard_text(pairs: Sequence[tuple[int, int | None]], n: int, proposals: bool) -> str:
    """'all but p4: 0 0 1 1': the values by sender, naming the senders it did not hear."""
    got = {s for s, _ in pairs}
    missed = [f"p{s}" for s in range(n) if s not in got]
    head = "all" if not missed else "all but " + ", ".join(missed)
    # non-breaking spaces keep the values on one line when a narrow page wraps the cell
    values = "\u00a0".join(_proposal_text(v) if proposals else str(v) for _, v in pairs)
    return f"{head}: {values}"


def _ending_text(row: RoundRow) -> str:
    if row.outcome == "decide":
        return f"decides {row.x_after}"
    if row.outcome == "adopt":
        return f"adopts {row.x_after}"
    if row.outcome == "coin":
        return f"coin: {row.x_after}"
    if row.x_after is None:
        return "(stops)"
    return f"keeps {row.x_after}"


def round_table(
    run: Run, rnd: int = 1, step: int | None = None
) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) of short text cells for round ``rnd`` of ``run``.

    Columns: the process, the value it reports, the reports it hears (values in order of
    sender, after naming the senders it missed), the proposal it sends, the proposals it
    hears, and how it ends the round. ``step=2`` keeps the columns of step 2 (up to the
    proposal sent) and ``step=3`` those of step 3, two tables narrow enough for a phone.
    Pass them to a Markdown table helper.
    """
    if step not in (None, 2, 3):
        raise ValueError(f"step must be None (the whole round), 2 or 3; got {step!r}")
    n = run.n
    cells = []
    for row in round_rows(run, rnd):
        cells.append(
            [
                f"p{row.pid}",
                "–" if row.x is None else str(row.x),
                "–" if row.reports is None else _heard_text(row.reports, n, proposals=False),
                "–" if not row.sent_proposal else _proposal_text(row.proposal),
                "–" if row.proposals is None else _heard_text(row.proposals, n, proposals=True),
                _ending_text(row),
            ]
        )
    if step == 2:
        return list(STEP_HEADERS[2]), [row[:4] for row in cells]
    if step == 3:
        return list(STEP_HEADERS[3]), [[row[0], row[4], row[5]] for row in cells]
    return list(ROUND_TABLE_HEADERS), cells
