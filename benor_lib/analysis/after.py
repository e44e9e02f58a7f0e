"""What the "After Ben-Or" chapter computes: quorum overlaps and the results table.

- :func:`smallest_overlap` and :func:`enumerated_overlap`: the fewest processes two quorums
  of a given size must share, by the count ``2q - n`` and by trying every pair of sets;
- :func:`quorum_rows`: that count for Ben-Or's thresholds (crash, ``n = 2t + 1``) and for
  Byzantine quorums (``n = 3t + 1``), the argument Paxos and Raft share with Ben-Or;
- :func:`messages_per_round`: the messages a run sent in each round, counted from its trace;
- :data:`RESULTS` and :func:`results_rows`: the chapter's table of results, with the numbers
  the library can compute (expected rounds, messages per round) computed and the others
  stated with their citations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

from benor_lib.distributions.phase_type import round_distribution
from benor_lib.protocol.rules import standard_rules
from benor_lib.simulation.network import run as simulate
from benor_lib.simulation.result import Run

#: Enumeration tries every pair of subsets, so it stops at this many processes.
ENUMERATE_MAX_N = 11


def _check_sizes(n: int, q: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a whole number of processes, at least 1; got {n!r}")
    if isinstance(q, bool) or not isinstance(q, int) or not 0 <= q <= n:
        raise ValueError(f"a quorum size must be a whole number from 0 to n = {n}; got {q!r}")


def smallest_overlap(n: int, q: int) -> int:
    """The fewest processes that two sets of ``q`` of ``n`` processes must share: ``2q - n``,
    or 0 when that is negative."""
    _check_sizes(n, q)
    return max(0, 2 * q - n)


def enumerated_overlap(n: int, q: int) -> int:
    """The same number as :func:`smallest_overlap`, found by trying every pair of sets of
    ``q`` processes (``n`` at most :data:`ENUMERATE_MAX_N`)."""
    _check_sizes(n, q)
    if n > ENUMERATE_MAX_N:
        raise ValueError(f"enumeration is for n <= {ENUMERATE_MAX_N}; got n = {n}")
    sets = [frozenset(c) for c in combinations(range(n), q)]
    first = sets[0]  # by symmetry one set may be fixed; the other ranges over all
    return min(len(first & other) for other in sets)


def d_quorum(n: int, t: int) -> int:
    """The fewest equal reports of the same value that make a process of protocol A send a
    D-message: the smallest count ``c`` with ``standard_rules(n, t).sends_d(c)``."""
    rules = standard_rules(n, t, allow_unsafe=True)
    return next(c for c in range(n + 1) if rules.sends_d(c))


@dataclass(frozen=True)
class QuorumRow:
    """One system: its quorums and the fewest processes two of them share."""

    variant: str  # "crash" or "byzantine"
    n: int
    t: int
    waits_for: int  # n - t: the messages a process waits for
    waits_overlap: int  # two sets of n - t processes share at least this many
    majority: int  # crash: more than n/2 (a D-message, a Paxos quorum); Byzantine: > (n+t)/2
    majority_overlap: int  # two such sets share at least this many
    enumerated: bool  # True when the overlaps were also found by enumeration

    @property
    def correct_in_common(self) -> bool:
        """True when two majorities are sure to share a correct process."""
        faulty = self.t if self.variant == "byzantine" else 0
        return self.majority_overlap > faulty


def quorum_rows(ts: Sequence[int] = (1, 2, 3, 4, 5)) -> list[QuorumRow]:
    """For each ``t``: the crash system ``n = 2t + 1`` and the Byzantine ``n = 3t + 1``, with
    their quorum sizes and overlaps (checked by enumeration where :data:`ENUMERATE_MAX_N`
    allows)."""
    rows = []
    for t in ts:
        if isinstance(t, bool) or not isinstance(t, int) or t < 1:
            raise ValueError(f"every t must be a whole number, at least 1; got {t!r}")
        for model, n, majority in (
            ("crash", 2 * t + 1, d_quorum(2 * t + 1, t)),
            ("byzantine", 3 * t + 1, (3 * t + 1 + t) // 2 + 1),
        ):
            wait, maj = smallest_overlap(n, n - t), smallest_overlap(n, majority)
            small = n <= ENUMERATE_MAX_N
            if small:
                assert (wait, maj) == (
                    enumerated_overlap(n, n - t),
                    enumerated_overlap(n, majority),
                )
            rows.append(QuorumRow(model, n, t, n - t, wait, majority, maj, small))
    return rows


def messages_per_round(run: Run) -> dict[int, int]:
    """The messages the run's processes sent in each round (a broadcast to ``k`` receivers
    counts ``k``), from its trace."""
    counts: Counter[int] = Counter()
    for event in run.trace:
        if str(getattr(event.kind, "value", event.kind)) == "send":
            counts[event.round] += len(event.receivers)
    return dict(sorted(counts.items()))


@dataclass(frozen=True)
class Result:
    """One row of the results table. A field that is a function is computed by the library
    for the example system ``(n, t)``; a string is stated, with the citation."""

    name: str
    cite: str  # Markdown citation, "[(Ben-Or, 1983)](#benor1983)"
    model: str
    resilience: str
    rounds: str | Callable[[int, int], str]
    messages: str | Callable[[int, int], str]
    assumes: str


def _benor_rounds(coin: str) -> Callable[[int, int], str]:
    def rounds(n: int, t: int) -> str:
        uniform = round_distribution(n, t, coin=coin).mean
        split = round_distribution(n, t, scheduler="split", coin=coin).mean
        return f"{uniform:.2f} (uniform scheduler), {split:.2f} (split adversary)"

    return rounds


def _all_to_all(n: int, t: int) -> str:
    # a full round: every process broadcasts twice to all n (the last round may be cut short)
    sent = messages_per_round(simulate(n, t, "random", seed=0))
    return f"$2n^2$; {max(sent.values())} in a run"


def _bracha_messages(n: int, t: int) -> str:
    # a fault-free run: every process reliably broadcasts three values a round
    sent = messages_per_round(simulate(n, t, "random", variant="bracha", seed=0))
    return f"$3n(n + 2n^2)$; {max(sent.values())} in a run"


RESULTS: tuple[Result, ...] = (
    Result(
        "Ben-Or, protocol A",
        "[(Ben-Or, 1983)](#benor1983)",
        "asynchronous, crashes",
        "$n > 2t$",
        _benor_rounds("local"),
        _all_to_all,
        "private coins; termination with probability 1",
    ),
    Result(
        "Ben-Or, protocol B",
        "[(Ben-Or, 1983)](#benor1983)",
        "asynchronous, Byzantine",
        "$n > 5t$",
        "constant when $t = O(\\sqrt{n})$; up to exponential in $n$ against the worst adversary",
        "$2n^2$",
        "private coins; authenticated links",
    ),
    Result(
        "Bracha",
        "[(Bracha, 1987)](#bracha1987)",
        "asynchronous, Byzantine",
        "$n > 3t$ (optimal)",
        "as protocol B: up to exponential in $n$ when $t$ grows in proportion to $n$",
        _bracha_messages,
        "private coins; authenticated links",
    ),
    Result(
        "Ben-Or with a common coin",
        "[(Rabin, 1983)](#rabin1983)",
        "asynchronous, crashes (Rabin: Byzantine, $n > 10t$)",
        "$n > 2t$",
        _benor_rounds("common"),
        _all_to_all,
        "a coin every process sees the same, unpredictable until it is used",
    ),
    Result(
        "Canetti and Rabin",
        "[(Canetti and Rabin, 1993)](#canetti1993)",
        "asynchronous, Byzantine",
        "$n > 3t$ (optimal)",
        "constant expected; terminates with probability $1 - \\varepsilon$",
        "polynomial in $n$",
        "private channels; a coin built by verifiable secret sharing",
    ),
    Result(
        "Cachin, Kursawe and Shoup",
        "[(Cachin et al., 2005)](#cachin2005)",
        "asynchronous, Byzantine",
        "$n > 3t$ (optimal)",
        "constant expected",
        "$O(n^2)$",
        "a dealer at set-up; threshold signatures and coin; a computationally bounded "
        "adversary (random oracle model)",
    ),
    Result(
        "Mostéfaoui, Moumen and Raynal",
        "[(Mostéfaoui et al., 2014)](#mmr2014)",
        "asynchronous, Byzantine",
        "$n > 3t$ (optimal)",
        "constant expected",
        "$O(n^2)$, no signatures",
        "a common coin (from elsewhere); binary values",
    ),
    Result(
        "HoneyBadgerBFT",
        "[(Miller et al., 2016)](#miller2016)",
        "asynchronous, Byzantine; a replicated log",
        "$n > 3t$ (optimal)",
        "constant expected per batch",
        "$O(n)$ bits per transaction, for large batches",
        "threshold encryption and a threshold coin; a dealer at set-up",
    ),
    Result(
        "Dwork, Lynch and Stockmeyer",
        "[(Dwork et al., 1988)](#dls1988)",
        "partially synchronous (unknown bounds, or bounds from an unknown time)",
        "$n > 2t$ crashes, $n > 3t$ Byzantine",
        "none while the system is asynchronous; a bounded number after stabilisation",
        "polynomial in $n$",
        "deterministic; safe in every run, live after stabilisation",
    ),
    Result(
        "Paxos",
        "[(Lamport, 1998)](#lamport1998)",
        "asynchronous for safety, partially synchronous for liveness; crashes",
        "$n > 2t$",
        "two round trips per ballot; one per value with a stable leader (Multi-Paxos)",
        "$O(n)$ per ballot, through the leader",
        "a leader, elected with timeouts; majority quorums",
    ),
    Result(
        "Raft",
        "[(Ongaro and Ousterhout, 2014)](#ongaro2014)",
        "as Paxos; a replicated log",
        "$n > 2t$",
        "one round trip per entry with a stable leader",
        "$O(n)$ per entry",
        "randomised election timeouts; majority quorums",
    ),
    Result(
        "PBFT",
        "[(Castro and Liskov, 1999)](#castro1999)",
        "as Paxos, with Byzantine replicas",
        "$n > 3t$",
        "three message steps with a correct, stable leader",
        "$O(n^2)$ per request",
        "a leader (primary), view changes on timeouts; authenticated messages",
    ),
    Result(
        "Chandra and Toueg, $\\Diamond S$",
        "[(Chandra and Toueg, 1996)](#chandra1996)",
        "asynchronous plus a failure detector; crashes",
        "$n > 2t$",
        "finite once the detector stops suspecting some correct coordinator",
        "$O(n)$ per round, through the coordinator, and one reliable broadcast of the decision",
        "an eventually accurate failure detector; a rotating coordinator",
    ),
)
"""The rows of the chapter's results table, in the order the chapter discusses them."""


def results_rows(n: int = 5, t: int = 1) -> list[list[str]]:
    """The results table as rows of text: computed cells for the example system ``(n, t)``
    (crash variant; ``n > 2t``), the others as stated."""
    standard_rules(n, t)  # a clear ValueError outside protocol A's bound

    def cell(value: str | Callable[[int, int], str]) -> str:
        return value(n, t) if callable(value) else value

    return [
        [
            f"{r.name} {r.cite}",
            r.model,
            r.resilience,
            cell(r.rounds),
            cell(r.messages),
            r.assumes,
        ]
        for r in RESULTS
    ]


RESULTS_HEADERS = [
    "result",
    "model",
    "tolerates",
    "expected rounds",
    "messages per round",
    "assumes",
]
"""The column headings of :func:`results_rows`."""
