"""Exercises of chapter 8, Byzantine Ben-Or (``book/byzantine.ipynb``).

byzantine-1 (predict): with n = 5t (n = 5, t = 1) and one Byzantine process, can the
correct processes decide 1 when every one of them starts with 0?
byzantine-2 (prove, then compute): a correct process is sure to send D(v) when every correct
process holds v iff n > 5t; the checker takes the smallest such n for t = 2.
byzantine-3 (adversary): change one threshold of protocol B (n = 6, t = 1, one Byzantine
process) so that the break-it search finds an agreement violation.
"""

from __future__ import annotations

from benor_lib.analysis.breakit import safe_find_violation
from benor_lib.classroom.core import choice, exact_int, register
from benor_lib.classroom.ex_framing import break_it_checker
from benor_lib.impossibility import Counterexample, NoViolation
from benor_lib.protocol.rules import MAX_N, standard_rules

CHAPTER = "byzantine"

#: Section titles of the chapter, named in the hints.
THRESHOLDS_SECTION = "The thresholds of protocol B"
WHY_SECTION = "Why protocol B needs n > 5t"
BROKEN_SECTION = "When the bound is broken"

#: byzantine-1: n = 5t, with t Byzantine processes.
EDGE_N, EDGE_T = 5, 1

#: byzantine-2: the t of the question.
SURE_T = 2

#: byzantine-3: the system whose thresholds the reader breaks.
BREAK_N, BREAK_T, BREAK_BYZANTINE = 6, 1, 1


def edge_counterexample(seed: int = 0, budget_s: float = 5.0) -> Counterexample | NoViolation:
    """What the break-it search finds for protocol B with n = 5t and t Byzantine processes."""
    return safe_find_violation(
        EDGE_N, EDGE_T, variant="byzantine", byzantine=EDGE_T, seed=seed, budget_s=budget_s
    )


def unanimous_can_flip() -> str:
    """The answer to byzantine-1: "yes" when the search finds a run in which every correct
    process starts with the same value and some correct process decides the other one."""
    found = edge_counterexample()
    return "yes" if found and found.kind == "validity" else "no"


def sure_to_send_d(n: int, t: int) -> bool:
    """True when a correct process of protocol B is sure to send D(v) once every correct
    process holds v: of the n - t reports it hears, at most t are lies, so at least n - 2t
    carry v, and the thresholds of ``standard_rules`` decide whether that is enough."""
    rules = standard_rules(n, t, "byzantine", allow_unsafe=True)
    return n - 2 * t > 0 and rules.sends_d(n - 2 * t)


def smallest_sure_n(t: int = SURE_T) -> int:
    """The smallest n for which :func:`sure_to_send_d` holds for this t."""
    for n in range(t + 1, MAX_N + 1):
        if sure_to_send_d(n, t):
            return n
    raise RuntimeError(f"no n up to {MAX_N} works for t={t}")


register(
    "byzantine-1",
    choice(
        ("yes", "no"),
        unanimous_can_flip,
        section=WHY_SECTION,
        hint=(
            "Every correct process starts with 0. How many 0s does a correct process hear "
            "at least, and is that more than (n + t)/2? If nobody sends a D-message, what "
            "happens next?"
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=WHY_SECTION,
)

register(
    "byzantine-2",
    exact_int(
        smallest_sure_n,
        section=WHY_SECTION,
        hint=(
            f"With t = {SURE_T}, a process hears n - {SURE_T} reports of which {SURE_T} may "
            "be lies. Find the smallest n for which the remaining copies of v are more than "
            "(n + t)/2."
        ),
    ),
    chapter=CHAPTER,
    kind="compute",
    section=WHY_SECTION,
)

register(
    "byzantine-3",
    break_it_checker(
        BREAK_N,
        BREAK_T,
        "byzantine",
        want="agreement",
        byzantine=BREAK_BYZANTINE,
        section=WHY_SECTION,
        hint=(
            "Agreement rests on two facts: no two correct processes send D-messages for "
            "different values, and a decision pulls every other correct process to its "
            "value. Weaken the threshold behind one of them."
        ),
    ),
    chapter=CHAPTER,
    kind="adversary",
    section=WHY_SECTION,
    example=lambda: {"decide_twice": 2 * BREAK_T},
)
