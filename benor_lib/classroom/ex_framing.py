"""Exercises of chapter 9, what an impossibility result says (``book/framing.ipynb``).

framing-1 (predict): which result applies to a real coin, crash faults, n = 4, t = 2 and a
single crash?
framing-2 (prove, then compute): N >= ln(1/delta)/p random runs find a bug that shows up in a
fraction p of runs with probability 1 - delta; the checker takes the exact N for p = delta = 1%.
framing-3 (adversary): change one threshold of protocol A (n = 5, t = 1, one crash) so that
the break-it search finds a termination violation.

:func:`break_it_checker` is shared with the Byzantine chapter's break-it exercise.
"""

from __future__ import annotations

from benor_lib.analysis.breakit import (
    RESULT_LABELS,
    changed_thresholds,
    rules_from_answer,
    safe_find_violation,
)
from benor_lib.classroom.core import Checker, Feedback, choice, exact_int, register
from benor_lib.impossibility import classify_model

CHAPTER = "framing"

#: Section titles of the chapter, named in the hints.
EXPLORER_SECTION = "The model explorer"
LAB_SECTION = "The break-it lab"

#: framing-1: the model whose result the reader predicts (coin, fault model, n, t, faults).
PREDICT_MODEL = ("local", "crash", 4, 2, 1)

#: framing-2: a bug that shows up in this share of runs, found with this probability.
BUG_SHARE, CONFIDENCE = 0.01, 0.99

#: framing-3: the system whose thresholds the reader breaks, and the property to break.
BREAK_N, BREAK_T, BREAK_CRASHES, BREAK_KIND = 5, 1, 1, "termination"

#: How long and how many random runs a break-it checker lets the search try.
CHECK_BUDGET_S, CHECK_MAX_RUNS, CHECK_SEED = 2.0, 300, 0


def predicted_result() -> str:
    """The answer to framing-1, from :func:`benor_lib.classify_model`."""
    return classify_model(*PREDICT_MODEL).result


def miss_probability(share: float, runs: int) -> float:
    """The chance that ``runs`` independent runs all miss a bug that shows up in a fraction
    ``share`` of runs."""
    return (1.0 - share) ** runs


def runs_needed(share: float = BUG_SHARE, confidence: float = CONFIDENCE) -> int:
    """The fewest independent runs that find a bug showing up in a fraction ``share`` of
    runs with probability at least ``confidence``."""
    if not 0 < share < 1 or not 0 < confidence < 1:
        raise ValueError("share and confidence must lie strictly between 0 and 1")
    runs = 1
    while 1.0 - miss_probability(share, runs) < confidence:
        runs += 1
    return runs


def break_it_checker(
    n: int,
    t: int,
    variant: str,
    *,
    want: str,
    crashes: int = 0,
    byzantine: int = 0,
    section: str,
    hint: str,
) -> Checker:
    """A checker for "change one threshold so that find_violation finds a ``want``
    violation". The answer is ``standard_rules(n, t, variant).with_changes(...)`` or a dict
    of the changes; the checker runs :func:`benor_lib.find_violation` on it (fixed seed,
    bounded time and runs)."""
    article = "an" if want[0] in "aeiou" else "a"

    def check_rules(answer: object) -> Feedback:
        try:
            rules = rules_from_answer(answer, n, t, variant)
        except ValueError as exc:
            text = str(exc).rstrip(".")
            return Feedback("malformed", f"{text[:1].upper()}{text[1:]}.")
        changed = changed_thresholds(rules)
        again = f"(Reread: {section}.)"
        if not changed:
            return Feedback(
                "wrong",
                "These are the published thresholds: nothing is broken yet.",
                f"{hint} {again}",
            )
        if len(changed) > 1:
            names = ", ".join(changed)
            return Feedback(
                "malformed", f"Change exactly one threshold; this answer changes {names}."
            )
        (name, (old, new)), *_ = changed.items()
        found = safe_find_violation(
            n,
            t,
            variant=variant,
            crashes=crashes,
            byzantine=byzantine,
            rules=rules,
            seed=CHECK_SEED,
            budget_s=CHECK_BUDGET_S,
            max_runs=CHECK_MAX_RUNS,
        )
        what = f"With {name}={new} (published: {old})"
        if found and found.kind == want:
            return Feedback(
                "correct",
                f"{what}, find_violation finds {article} {want} violation in "
                f"{found.deliveries} deliveries: {found.message.rstrip('.')}.",
            )
        if found:
            return Feedback(
                "wrong",
                f"{what}, find_violation finds a violation, but of {found.kind}, not of "
                f"{want}: {found.message.rstrip('.')}.",
                f"{hint} {again}",
            )
        return Feedback(
            "wrong",
            f"{what}, find_violation found nothing in {found.tried} runs.",
            f"{hint} {again}",
        )

    return check_rules


register(
    "framing-1",
    choice(
        tuple(RESULT_LABELS),
        predicted_result,
        section=EXPLORER_SECTION,
        hint=(
            "Only one process crashes, but what matters is the t the protocol is built for: "
            "check the bound for n = 4 and t = 2."
        ),
    ),
    chapter=CHAPTER,
    kind="predict",
    section=EXPLORER_SECTION,
)

register(
    "framing-2",
    exact_int(
        runs_needed,
        section=LAB_SECTION,
        hint=(
            f"N independent runs all miss the bug with probability (1 - {BUG_SHARE:g})^N; "
            f"find the smallest N for which that is at most {1 - CONFIDENCE:g}."
        ),
        close=2,
    ),
    chapter=CHAPTER,
    kind="compute",
    section=LAB_SECTION,
)

register(
    "framing-3",
    break_it_checker(
        BREAK_N,
        BREAK_T,
        "crash",
        want=BREAK_KIND,
        crashes=BREAK_CRASHES,
        section=LAB_SECTION,
        hint=(
            "Termination fails when a correct process can wait forever, or when the "
            "thresholds can never be reached with the messages a process waits for: how "
            "many messages does a process wait for, and how many can a crash take away?"
        ),
    ),
    chapter=CHAPTER,
    kind="adversary",
    section=LAB_SECTION,
    example=lambda: {"quorum": BREAK_N},
)
