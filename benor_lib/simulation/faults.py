"""The adversary's faulty processes: crashes and Byzantine behaviours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benor_lib.protocol.events import PROPOSAL, REPORT, Phase
from benor_lib.protocol.validate import check_choice, check_int, is_int

BYZANTINE_BEHAVIOURS = ("silent", "always", "equivocate", "adaptive", "scripted")


@dataclass(frozen=True)
class Crash:
    """Process ``pid`` crashes during its broadcast of (``round``, ``phase``) after ``after`` sends.

    The defaults (round 1, phase 1, after 0) crash it before it starts. Its sends go to
    p0, p1, ... in order, so ``after=2`` means only p0 and p1 receive that message.
    """

    pid: int
    round: int = 1
    phase: Phase = REPORT
    after: int = 0

    def describe(self) -> str:
        """A short phrase for tables and narration."""
        if (self.round, self.phase, self.after) == (1, REPORT, 0):
            return "crashed before starting"
        what = "report" if self.phase == REPORT else "proposal"
        return f"crashed in round {self.round} after sending its {what} to {self.after}"

    def describe_unreached(self) -> str:
        """The phrase for a crash the run ended before reaching (the process never crashed)."""
        what = "report" if self.phase == REPORT else "proposal"
        return (
            f"set to crash in round {self.round} during its {what}, which the run never "
            "reached (it did not crash)"
        )


@dataclass(frozen=True)
class Byzantine:
    """Process ``pid`` is Byzantine with one of the behaviours.

    "silent": sends nothing; "always": reports ``value`` and sends D(``value``) every round;
    "equivocate": sends 0 / D(0) to the lower half of the processes and 1 / D(1) to the
    upper half; "adaptive": sees all states and sends each process the report that keeps
    the correct processes split, and ``?`` as its proposal; "scripted": ``script(receiver,
    round, phase, correct_xs)`` returns the value (0, 1, or None for ``?``).
    """

    pid: int
    behaviour: str = "equivocate"
    value: int = 1
    script: Callable[[int, int, int, Sequence[int]], int | None] | None = None

    def describe(self) -> str:
        """A short phrase for tables and narration."""
        extra = f" {self.value}" if self.behaviour == "always" else ""
        return f"byzantine ({self.behaviour}{extra})"

    def values(self, rnd: int, phase: int, n: int, correct_xs: Sequence[int]) -> list[int | None]:
        """The value it sends to each receiver 0..n-1 for (rnd, phase)."""
        b = self.behaviour
        if b == "always":
            return [self.value] * n
        if b == "equivocate":
            return [0 if r < n // 2 else 1 for r in range(n)]
        if b == "adaptive":
            if phase == PROPOSAL:
                return [None] * n
            ones = sum(correct_xs)
            minority = 1 if 2 * ones < len(correct_xs) else 0
            return [minority] * n
        if b == "scripted":
            assert self.script is not None
            out = []
            for r in range(n):
                v = self.script(r, rnd, phase, correct_xs)
                if v not in (0, 1, None) or (phase == REPORT and v is None):
                    raise ValueError(f"Byzantine script returned {v!r} for p{r}, round {rnd}")
                out.append(v)
            return out
        return []


Fault = Crash | Byzantine


def normalise_faults(faults: object, n: int) -> dict[int, Fault]:
    """Validate ``faults`` (an int k, or a sequence of Crash/Byzantine) as a pid -> fault map.

    An int k (Python or numpy) crashes processes n-k .. n-1 before they start.
    """
    if is_int(faults):
        k = check_int("faults", faults, 0, n - 1)
        return {p: Crash(p) for p in range(n - k, n)}
    if isinstance(faults, (Crash, Byzantine)):
        faults = [faults]
    if not isinstance(faults, Sequence) or isinstance(faults, str):
        raise ValueError(
            f"faults must be a number of crashed processes or a list of Crash/Byzantine, "
            f"got {faults!r}"
        )
    out: dict[int, Fault] = {}
    for f in faults:
        if not isinstance(f, (Crash, Byzantine)):
            raise ValueError(f"each fault must be a Crash or a Byzantine, got {f!r}")
        pid = check_int("fault pid", f.pid, 0, n - 1)
        if pid in out:
            raise ValueError(f"process p{pid} is listed as faulty twice")
        if isinstance(f, Crash):
            check_int("Crash.round", f.round, 1, 2**31 - 1)
            check_int("Crash.phase", f.phase, 1, 2)
            check_int("Crash.after", f.after, 0, n)
        else:
            check_choice("Byzantine.behaviour", f.behaviour, BYZANTINE_BEHAVIOURS)
            check_int("Byzantine.value", f.value, 0, 1)
            if f.behaviour == "scripted" and not callable(f.script):
                raise ValueError("a scripted Byzantine process needs script=callable")
        out[pid] = f
    if len(out) == n:
        raise ValueError("at least one process must be correct")
    return out
