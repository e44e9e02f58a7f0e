"""The configurations behind the FLP chapter's pictures, computed from real runs.

The valence explorer (:func:`benor_lib.impossibility.explore_valence`) classifies
configurations at round boundaries. Lemma 2 of FLP's proof is about single steps, one
message delivered to one process, so this module looks inside round 1:

- :func:`report_phase_valence`: the exact valence of a configuration in the report phase
  of round 1 (some reports delivered), by trying every way the round can be completed and
  classifying each configuration it ends in with the explorer;
- :func:`find_diamond`: two deliveries e and e' to different processes from a bivalent
  configuration, applied in both orders to the library's processes, with the valence of
  every corner and a check that both orders reach the same configuration.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from benor_lib.impossibility import Config
from benor_lib.protocol.events import DELIVER, PROPOSE, REPORT
from benor_lib.simulation.network import run as simulate
from benor_lib.simulation.schedulers import Scripted

Key = tuple[int, int, int, int]
"""A delivery: (sender, receiver, round, phase)."""

_VALUES = {"0-valent": {0}, "1-valent": {1}, "bivalent": {0, 1}, "no decision": set()}


def _label(values: set[int]) -> str:
    return {frozenset(): "no decision", frozenset({0}): "0-valent", frozenset({1}): "1-valent"}.get(
        frozenset(values), "bivalent"
    )


def _scripted(report, inputs: Sequence[int], script: Sequence[Key]):
    return simulate(
        report.n,
        report.t,
        list(inputs),
        rules=report.rules,
        scheduler=Scripted(list(script)),
        coin=report.coin,
        allow_unsafe=True,
    )


def configuration(report, inputs: Sequence[int], script: Sequence[Key]) -> tuple:
    """The configuration the library's processes reach from ``inputs`` after the deliveries
    of ``script``: every process's state, what it has received, and the messages in flight.

    Two scripts reach the same configuration exactly when their results compare equal.
    """
    r = _scripted(report, inputs, script)
    states = tuple((s.x, s.round, int(s.phase), s.decision, s.halted) for s in r.final)
    received = frozenset(
        (e.sender, e.pid, e.round, int(e.phase), e.value) for e in r.trace if e.kind == DELIVER
    )
    inflight = frozenset((m.sender, m.receiver, m.round, int(m.phase), m.value) for m in r.pending)
    return states, received, inflight


def _check_report_phase(report, delivered: Sequence[Key]) -> list[set[int]]:
    n, q = report.n, report.rules.quorum
    heard: list[set[int]] = [set() for _ in range(n)]
    for key in delivered:
        s, p, rnd, phase = key
        if rnd != 1 or phase != REPORT or not (0 <= s < n and 0 <= p < n):
            raise ValueError(f"only round-1 reports can be delivered here; got {key!r}")
        if s in heard[p]:
            raise ValueError(f"the report of p{s} is delivered to p{p} twice")
        heard[p].add(s)
        if len(heard[p]) > q:
            raise ValueError(f"p{p} is given more than the {q} reports it waits for")
    return heard


def report_phase_valence(report, inputs: Sequence[int], delivered: Sequence[Key] = ()) -> str:
    """The valence of the configuration reached from ``inputs`` by the round-1 report
    deliveries ``delivered``, over every way the adversary can complete the round (which
    reports and which proposals each process still hears); the configurations the round
    ends in are classified by ``report`` (a :class:`~benor_lib.impossibility.ValenceReport`).

    With no deliveries this is the valence of the initial configuration itself.
    """
    return _Completions(report, inputs).valence(delivered)


class _Completions:
    """Every way to complete round 1 from inside its report phase, with caches."""

    def __init__(self, report, inputs: Sequence[int]) -> None:
        self.report = report
        self.inputs = tuple(int(v) for v in inputs)
        if len(self.inputs) != report.n or any(v not in (0, 1) for v in self.inputs):
            raise ValueError(f"inputs must be {report.n} zeros and ones; got {inputs!r}")
        self.n, self.q = report.n, report.rules.quorum
        self._proposal: dict[tuple[int, frozenset[int]], int | None] = {}
        self._after: dict[tuple, frozenset[int]] = {}

    def proposal(self, p: int, senders: frozenset[int]) -> int | None:
        """What p proposes after hearing the reports of ``senders`` (the library's Process)."""
        k = (p, senders)
        if k not in self._proposal:
            r = _scripted(self.report, self.inputs, [(s, p, 1, REPORT) for s in sorted(senders)])
            (ev,) = [e for e in r.trace if e.kind == PROPOSE and e.pid == p]
            self._proposal[k] = ev.value
        return self._proposal[k]

    def after(self, vector: tuple[tuple[int | None, frozenset[int]], ...]) -> frozenset[int]:
        """The values reachable once every process has proposed as in ``vector`` (pairs of
        proposal and the senders that gave it). After the report phase a process's state is
        its value and its proposal, so the proposals alone fix the configuration."""
        k = tuple(v for v, _ in vector)
        if k not in self._after:
            reports = [(s, p, 1, REPORT) for p, (_, got) in enumerate(vector) for s in sorted(got)]
            values: set[int] = set()
            subsets = list(itertools.combinations(range(self.n), self.q))
            for choice in itertools.product(subsets, repeat=self.n):
                props = [(s, p, 1, 2) for p, senders in enumerate(choice) for s in senders]
                r = _scripted(self.report, self.inputs, reports + props)
                values |= _VALUES[self.report.classify(Config.from_run(r))]
            self._after[k] = frozenset(values)
        return self._after[k]

    def valence(self, delivered: Sequence[Key]) -> str:
        heard = _check_report_phase(self.report, delivered)
        options = []
        for p in range(self.n):
            rest = [s for s in range(self.n) if s not in heard[p]]
            got = {}
            for fill in itertools.combinations(rest, self.q - len(heard[p])):
                senders = frozenset(heard[p] | set(fill))
                got.setdefault(self.proposal(p, senders), senders)
            options.append(sorted(got.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))
        values: set[int] = set()
        for vector in itertools.product(*options):
            values |= self.after(tuple(vector))
        return _label(values)


@dataclass(frozen=True)
class Diamond:
    """Lemma 2's commuting diamond in a real configuration.

    ``delivered`` leads from the initial configuration ``inputs`` to C; ``e`` and ``e2``
    (e') are deliveries to different processes. ``valence`` gives the valence of C, e(C),
    e'(C) and of the configuration both orders reach (keys "C", "e", "e2", "both");
    ``same`` says whether e'(e(C)) and e(e'(C)) are the same configuration.
    """

    inputs: tuple[int, ...]
    delivered: tuple[Key, ...]
    e: Key
    e2: Key
    valence: dict[str, str]
    same: bool
    states: dict[str, tuple]

    def script(self, corner: str) -> list[Key]:
        """The deliveries that reach a corner: "C", "e", "e2", "e_then_e2" or "e2_then_e"."""
        extra = {
            "C": [],
            "e": [self.e],
            "e2": [self.e2],
            "e_then_e2": [self.e, self.e2],
            "e2_then_e": [self.e2, self.e],
        }[corner]
        return list(self.delivered) + extra


def find_diamond(report, inputs: Sequence[int] | None = None, max_prefix: int = 3) -> Diamond:
    """The first diamond, in a fixed search order, that shows Lemma 2's situation: from a
    bivalent configuration C inside round 1, one delivery e makes the configuration
    univalent while the other, e', to a different process, leaves it bivalent.

    C is reached from ``inputs`` (default: the explorer's first bivalent initial
    configuration) by at most ``max_prefix`` report deliveries. Raises ValueError if the
    search finds no such diamond.
    """
    if inputs is None:
        if not report.bivalent_initial:
            raise ValueError("the explorer found no bivalent initial configuration")
        inputs = report.bivalent_initial[0]
    inputs = tuple(int(v) for v in inputs)
    done = _Completions(report, inputs)
    n = report.n
    keys = [(s, p, 1, REPORT) for p in range(n) for s in range(n)]
    for size in range(max_prefix + 1):
        for prefix in itertools.combinations(keys, size):
            try:
                _check_report_phase(report, prefix)
            except ValueError:
                continue
            if done.valence(prefix) != "bivalent":
                continue
            rest = [k for k in keys if k not in prefix]
            for e, e2 in itertools.permutations(rest, 2):
                if e[1] == e2[1]:
                    continue
                try:
                    _check_report_phase(report, (*prefix, e, e2))
                except ValueError:
                    continue
                ve = done.valence((*prefix, e))
                ve2 = done.valence((*prefix, e2))
                if ve in ("0-valent", "1-valent") and ve2 == "bivalent":
                    both = done.valence((*prefix, e, e2))
                    return _diamond(report, inputs, prefix, e, e2, (ve, ve2, both))
    raise ValueError(f"no diamond found within {max_prefix} deliveries")


def _diamond(report, inputs, prefix, e, e2, valences) -> Diamond:
    ve, ve2, both = valences
    one = configuration(report, inputs, (*prefix, e, e2))
    other = configuration(report, inputs, (*prefix, e2, e))
    states = {
        corner: configuration(report, inputs, script)
        for corner, script in (
            ("C", prefix),
            ("e", (*prefix, e)),
            ("e2", (*prefix, e2)),
            ("both", (*prefix, e, e2)),
        )
    }
    return Diamond(
        inputs=inputs,
        delivered=tuple(prefix),
        e=e,
        e2=e2,
        valence={"C": "bivalent", "e": ve, "e2": ve2, "both": both},
        same=one == other,
        states=states,
    )
