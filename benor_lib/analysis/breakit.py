"""The break-it search on deliberately broken configurations, and on sound ones where it must
find nothing: the framing chapter's lab (:func:`break_it_lab`); the search with a fallback
(:func:`safe_find_violation`) and a reader's broken thresholds (:func:`rules_from_answer`),
which the model explorer and the exercises share."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from benor_lib.impossibility import Counterexample, NoViolation, find_violation
from benor_lib.protocol.rules import Rules, check_rules, standard_rules
from benor_lib.protocol.validate import check_int


@dataclass(frozen=True)
class LabCase:
    """A configuration for the break-it search: ``find_violation(**settings)``."""

    label: str
    settings: Mapping[str, Any]
    expected: str | None = None  # the violation the theory predicts; None: nothing to find


def _broken_cases() -> tuple[LabCase, ...]:
    s = standard_rules
    return (
        LabCase(
            "$n = 2t$: $n = 4$, $t = 2$, two crashes", dict(n=4, t=2, crashes=2), "termination"
        ),
        LabCase(
            "decide on a single D-message: $n = 5$, $t = 1$, one crash",
            dict(n=5, t=1, crashes=1, rules=s(5, 1).with_changes(decide_twice=1)),
            "agreement",
        ),
        LabCase(
            "wait for fewer than $n - t$ messages (3 of 5), one crash",
            dict(n=5, t=1, crashes=1, rules=s(5, 1).with_changes(quorum=3)),
            "agreement",
        ),
        LabCase(
            "D-message on a majority of the $n - t$ reports: $n = 5$, $t = 2$, two crashes",
            dict(n=5, t=2, crashes=2, rules=s(5, 2).with_changes(d_twice=3)),
            "agreement",
        ),
        LabCase(
            "halt at once after deciding: $n = 5$, $t = 1$, one crash",
            dict(n=5, t=1, crashes=1, decided_policy="halt"),
            "termination",
        ),
        LabCase(
            "Byzantine, $n = 6$, $t = 1$, two liars",
            dict(n=6, t=1, variant="byzantine", byzantine=2),
            "agreement",
        ),
    )


SOUND_CASES: tuple[LabCase, ...] = (
    LabCase("$n = 3$, $t = 1$, one crash", dict(n=3, t=1, crashes=1)),
    LabCase("$n = 5$, $t = 1$, one crash", dict(n=5, t=1, crashes=1)),
    LabCase("$n = 5$, $t = 2$, two crashes", dict(n=5, t=2, crashes=2)),
    LabCase(
        "$n = 5$, $t = 1$, one crash, halt after the next round's messages",
        dict(n=5, t=1, crashes=1, decided_policy="halt_after_next"),
    ),
    LabCase(
        "Byzantine, $n = 6$, $t = 1$, one liar", dict(n=6, t=1, variant="byzantine", byzantine=1)
    ),
)
"""Configurations within the protocol's guarantees: the search must find nothing."""

BROKEN_CASES: tuple[LabCase, ...] = _broken_cases()
"""Deliberately broken configurations, each with the violation the theory predicts."""


@dataclass(frozen=True)
class LabResult:
    """What the search returned for one case, and how long it took (seconds)."""

    case: LabCase
    result: Counterexample | NoViolation
    elapsed: float

    @property
    def as_expected(self) -> bool:
        """A broken case found its predicted, replayable violation; a sound one found none."""
        if self.case.expected is None:
            return not self.result
        return bool(self.result) and (
            self.result.kind == self.case.expected and self.result.reproduces()
        )


def break_it_lab(
    cases: Sequence[LabCase],
    *,
    seed: int = 0,
    budget_s: float = 5.0,
    max_runs: int | None = None,
) -> list[LabResult]:
    """Run :func:`benor_lib.find_violation` on every case, timing each search."""
    if not cases:
        raise ValueError("cases must hold at least one LabCase")
    if not isinstance(budget_s, int | float) or budget_s <= 0:
        raise ValueError(f"budget_s must be a positive number of seconds, got {budget_s!r}")
    results = []
    for case in cases:
        if not isinstance(case, LabCase):
            raise TypeError(f"cases must be LabCase objects, got {type(case).__name__}")
        extra = {} if case.expected is not None or max_runs is None else {"max_runs": max_runs}
        start = time.perf_counter()
        found = find_violation(seed=seed, budget_s=budget_s, **extra, **dict(case.settings))
        results.append(LabResult(case, found, time.perf_counter() - start))
    return results


# --- the search with its fallback, and a reader's broken thresholds ----------------

THRESHOLD_FIELDS = ("quorum", "d_twice", "adopt_min", "decide_twice")
"""The fields of :class:`~benor_lib.protocol.rules.Rules` a broken variant may change."""

RESULT_LABELS = {
    "FLP": "FLP impossibility",
    "Ben-Or": "Ben-Or's theorem",
    "bound violated": "outside the bound",
    "no fault to tolerate": "no fault to tolerate",
}
"""Words for the results of :func:`~benor_lib.impossibility.classify_model`."""


def safe_find_violation(
    n: int,
    t: int,
    **kwargs: Any,
) -> Counterexample | NoViolation:
    """:func:`~benor_lib.impossibility.find_violation`, falling back to the random search
    when the exhaustive round-by-round search cannot replay a setting (it raises
    ``ValueError`` for some Byzantine settings in which a Byzantine process's own copy of
    the protocol would flip a coin). Arguments are checked first, so that a caller's mistake
    is still reported as the ``ValueError`` it is.
    """
    try:
        return find_violation(n, t, **kwargs)
    except ValueError:
        if kwargs.get("search", "auto") == "random" or not kwargs.get("byzantine"):
            raise
    return find_violation(n, t, **{**kwargs, "search": "random"})


def changed_thresholds(rules: Rules) -> dict[str, tuple[int, int]]:
    """field -> (standard value, this value) for every threshold that differs from the
    published protocol's."""
    std = standard_rules(rules.n, rules.t, rules.variant, allow_unsafe=True)
    return {
        f: (getattr(std, f), getattr(rules, f))
        for f in THRESHOLD_FIELDS
        if getattr(std, f) != getattr(rules, f)
    }


def rules_from_answer(answer: object, n: int, t: int, variant: str) -> Rules:
    """A reader's broken thresholds as :class:`~benor_lib.protocol.rules.Rules`.

    ``answer`` is a ``Rules`` object for (n, t, variant), made with
    ``standard_rules(n, t, variant).with_changes(...)``, or a dict of the changes, such as
    ``{"decide_twice": 2}``. Raises ``ValueError`` saying what is wrong with it.
    """
    base = standard_rules(n, t, variant, allow_unsafe=True)
    example = f"standard_rules({n}, {t}, {variant!r}).with_changes(decide_twice=...)"
    if isinstance(answer, Rules):
        if (answer.n, answer.t, answer.variant) != (n, t, variant):
            raise ValueError(
                f"these rules are for the {answer.variant} variant with n={answer.n}, "
                f"t={answer.t}; the exercise is about the {variant} variant with n={n}, t={t}: "
                f"start from {example}"
            )
        rules = answer
        for f in (x.name for x in fields(Rules)):
            if f not in (*THRESHOLD_FIELDS, "name") and getattr(rules, f) != getattr(base, f):
                raise ValueError(f"change only the thresholds {', '.join(THRESHOLD_FIELDS)}")
    elif isinstance(answer, Mapping):
        if not answer:
            raise ValueError(
                "the dict is empty: name the threshold to change, e.g. {'decide_twice': 2}"
            )
        unknown = [k for k in answer if k not in THRESHOLD_FIELDS]
        if unknown:
            names = ", ".join(repr(k) for k in THRESHOLD_FIELDS)
            raise ValueError(
                f"there is no threshold called {unknown[0]!r}; the thresholds are {names}"
            )
        changes = {}
        for k, v in answer.items():
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"{k} must be a whole number, got {v!r}")
            changes[k] = int(v)
        rules = base.with_changes(**changes)
    else:
        raise ValueError(
            f"the answer should be Rules, made with {example}, or a dict of changes such as "
            f"{{'decide_twice': 2}}; got {type(answer).__name__}"
        )
    for f in THRESHOLD_FIELDS:
        value = getattr(rules, f)
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{f} must be a whole number, got {value!r}")
    check_int("quorum", rules.quorum, 1, n)
    check_int("adopt_min", rules.adopt_min, 1, n)
    check_int("d_twice", rules.d_twice, 0, 2 * n)
    check_int("decide_twice", rules.decide_twice, 0, 2 * n)
    return check_rules(rules, n, t)
