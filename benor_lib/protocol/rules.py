"""The protocol's parameters and thresholds, and validation of everything a caller passes in.

Every threshold is compared in integers: "more than n/2 of them" is ``2 * count > n``.
A :class:`Rules` object is plain data, so the crash variant (protocol A), the Byzantine
variant (protocol B) and deliberately broken variants share the same process code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from benor_lib.protocol.validate import check_choice, check_int, check_keys

VARIANTS = ("crash", "byzantine")
"""Ben-Or's two protocols: A (crash faults) and B (Byzantine faults)."""
RUN_VARIANTS = (*VARIANTS, "bracha")
"""Every variant :func:`benor_lib.run` takes: Ben-Or's two and Bracha's (1987) protocol."""
BOUND_FACTOR = {"crash": 2, "byzantine": 5, "bracha": 3}
"""The resilience bound of each variant as data: it is safe and live when n > factor * t."""
DECIDED_POLICIES = ("keep_running", "halt_after_next", "halt")
MAX_N = 64


@dataclass(frozen=True)
class Rules:
    """Thresholds of one Ben-Or configuration.

    ``quorum``: how many distinct senders a process waits for in each phase (n - t).
    ``d_twice``: send D(v) when ``2 * count(v) > d_twice`` among the reports heard.
    ``adopt_min``: set x := v when at least ``adopt_min`` D(v) messages were heard.
    ``decide_twice``: decide v when ``2 * count(D(v)) > decide_twice``.
    ``adopt_max``: None in the published protocol; a number caps adoption (set x := v only
    on at most ``adopt_max`` D(v)), so ``adopt_max=1`` is the essay's misread "only one".
    """

    n: int
    t: int
    variant: str
    quorum: int
    d_twice: int
    adopt_min: int
    decide_twice: int
    name: str = ""
    adopt_max: int | None = None

    def sends_d(self, count: int) -> bool:
        """True when ``count`` equal reports are enough to send a D-message."""
        return 2 * count > self.d_twice

    def adopts(self, count: int) -> bool:
        """True when ``count`` D(v) messages make a process set x := v."""
        enough = count >= self.adopt_min  # (elementwise on arrays, like every predicate here)
        return enough if self.adopt_max is None else enough & (count <= self.adopt_max)

    def decides(self, count: int) -> bool:
        """True when ``count`` D(v) messages make a process decide v."""
        return 2 * count > self.decide_twice

    @property
    def is_standard(self) -> bool:
        """True when these are exactly the thresholds of the published protocol."""
        return self == standard_rules(self.n, self.t, self.variant, allow_unsafe=True)

    def describe(self) -> str:
        """One line stating every threshold in words."""
        return (
            f"{self.variant} variant, n={self.n}, t={self.t}: wait for {self.quorum} messages; "
            f"send D(v) when 2*count > {self.d_twice}; adopt on >= {self.adopt_min} D(v); "
            f"decide when 2*count(D(v)) > {self.decide_twice}"
            + ("" if self.adopt_max is None else f"; adopt on <= {self.adopt_max} D(v) only")
        )

    def with_changes(self, **changes: int | str) -> Rules:
        """A copy with some thresholds changed (for the break-it material).

        Allowed keys: the fields of :class:`Rules`; thresholds must be whole numbers in
        range (``quorum`` and ``adopt_min`` 1..n, ``d_twice`` and ``decide_twice`` 0..2n).
        """
        check_keys("with_changes", changes, [f.name for f in fields(self)])
        return checked_rules(replace(self, **changes))  # type: ignore[arg-type]


def check_n_t(n: object, t: object) -> tuple[int, int]:
    """Validate n and t as integers with 1 <= n <= MAX_N and 0 <= t < n."""
    n = check_int("n", n, 1, MAX_N)
    t = check_int("t", t, 0)
    if t >= n:
        raise ValueError(
            f"t must be smaller than n (t={t}, n={n}): at least one process is correct"
        )
    return n, t


def bound_holds(n: int, t: int, variant: str) -> bool:
    """True when the variant's resilience bound holds: n > 2t (crash), n > 5t (Byzantine)
    or n > 3t (Bracha)."""
    return n > BOUND_FACTOR.get(variant, 5) * t


def bound_text(variant: str) -> str:
    """The variant's resilience bound in words: "n > 2t", "n > 5t" or "n > 3t"."""
    return f"n > {BOUND_FACTOR[check_choice('variant', variant, RUN_VARIANTS)]}t"


def max_t(n: int, variant: str = "crash") -> int:
    """The largest t the variant tolerates with n processes (0 when it tolerates none)."""
    check_choice("variant", variant, RUN_VARIANTS)
    return (check_int("n", n, 1) - 1) // BOUND_FACTOR[variant]


def check_bound(n: int, t: int, variant: str, allow_unsafe: bool) -> None:
    """Raise unless n and t satisfy the variant's bound or the caller allows unsafe settings."""
    if allow_unsafe or bound_holds(n, t, variant):
        return
    need = bound_text(variant)
    raise ValueError(
        f"the {variant} variant needs {need}, got n={n}, t={t}; "
        "pass allow_unsafe=True to run it anyway (the guarantees do not hold)"
    )


def checked_rules(rules: Rules) -> Rules:
    """``rules`` with every field checked (types and ranges), numpy integers made plain:
    ``quorum`` and ``adopt_min`` in 1..n, ``d_twice`` and ``decide_twice`` in 0..2n."""
    n, t = check_n_t(rules.n, rules.t)
    if not isinstance(rules.name, str):
        raise ValueError(f"name must be a string, got {rules.name!r}")
    return Rules(
        n,
        t,
        check_choice("variant", rules.variant, RUN_VARIANTS),
        quorum=check_int("quorum", rules.quorum, 1, n),
        d_twice=check_int("d_twice", rules.d_twice, 0, 2 * n),
        adopt_min=check_int("adopt_min", rules.adopt_min, 1, n),
        decide_twice=check_int("decide_twice", rules.decide_twice, 0, 2 * n),
        name=rules.name,
        adopt_max=None
        if rules.adopt_max is None
        else check_int("adopt_max", rules.adopt_max, 1, n),
    )


def standard_rules(n: int, t: int, variant: str = "crash", *, allow_unsafe: bool = False) -> Rules:
    """The published thresholds of protocol A (crash) or protocol B (Byzantine)."""
    n, t = check_n_t(n, t)
    check_choice("variant", variant, RUN_VARIANTS)
    check_bound(n, t, variant, allow_unsafe)
    return published_rules(n, t, variant)


def published_rules(n: int, t: int, variant: str) -> Rules:
    """:func:`standard_rules` for arguments the caller has already checked (no checks)."""
    if variant == "crash":
        return Rules(n, t, variant, quorum=n - t, d_twice=n, adopt_min=1, decide_twice=2 * t)
    if variant == "bracha":
        # Bracha (1987): (d, v) on more than n/2 reports; adopt on more than t (d, v);
        # decide on more than 2t (d, v), i.e. 2 * count > 4t
        return Rules(n, t, variant, quorum=n - t, d_twice=n, adopt_min=t + 1, decide_twice=4 * t)
    return Rules(n, t, variant, quorum=n - t, d_twice=n + t, adopt_min=t + 1, decide_twice=n + t)


def check_rules(rules: object, n: int, t: int) -> Rules:
    """Validate a caller-supplied Rules object against n and t (every field is checked)."""
    if not isinstance(rules, Rules):
        raise ValueError(f"rules must be a benor_lib.Rules object, got {type(rules).__name__}")
    if (rules.n, rules.t) != (n, t):
        raise ValueError(
            f"rules were made for n={rules.n}, t={rules.t} but the run has n={n}, t={t}"
        )
    try:
        return checked_rules(rules)
    except ValueError as exc:
        raise ValueError(f"rules.{exc}") from None


def resolve_inputs(n: int, inputs: object, rng: np.random.Generator) -> np.ndarray:
    """Turn ``inputs`` into a 0/1 int array of length n.

    Accepts ``"random"`` (independent fair coins from ``rng``), an int k (the last k
    processes start with 1, the others with 0) or a sequence of n values that are 0 or 1.
    """
    if isinstance(inputs, str):
        if inputs != "random":
            raise ValueError(
                f"inputs must be 'random', a number of ones, or a sequence of {n} zeros and ones; "
                f"got {inputs!r}"
            )
        return rng.integers(0, 2, size=n).astype(np.int8)
    if isinstance(inputs, (int, np.integer)) and not isinstance(inputs, bool):
        k = check_int("inputs (number of ones)", inputs, 0, n)
        return np.array([0] * (n - k) + [1] * k, dtype=np.int8)
    if isinstance(inputs, (Sequence, np.ndarray)):
        values = list(inputs)
        if len(values) != n:
            raise ValueError(f"inputs must have one value per process ({n}), got {len(values)}")
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v not in (0, 1):
                raise ValueError(f"inputs[{i}] must be 0 or 1, got {v!r}")
        return np.array(values, dtype=np.int8)
    raise ValueError(
        f"inputs must be 'random', a number of ones, or a sequence of {n} zeros and ones; "
        f"got {type(inputs).__name__}"
    )


def make_rng(seed: object) -> np.random.Generator:
    """A numpy Generator from ``seed`` (None, an int >= 0, or a Generator, which is used as is)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng(check_int("seed", seed, 0))
