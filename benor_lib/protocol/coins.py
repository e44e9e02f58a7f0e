"""Nature's choices: the coins a process flips when it hears no D-message."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from benor_lib.protocol.process import CoinRule
from benor_lib.protocol.validate import check_bit, is_int

#: The real coins: each process flips its own ("local"), or all share one per round ("common").
RANDOM_COINS = ("local", "common")
#: Deterministic rules in the coin's place (the FLP and framing chapters' experiments).
DETERMINISTIC_COINS = ("keep", "zero", "pid_parity")
#: Every coin :func:`benor_lib.run` accepts by name (``coin="common"``).
COIN_NAMES = RANDOM_COINS + DETERMINISTIC_COINS


def _local(rng: np.random.Generator) -> CoinRule:
    def flip(pid: int, rnd: int, x: int) -> int:
        return int(rng.integers(0, 2))

    return flip


def _common(rng: np.random.Generator) -> CoinRule:
    # A round's coin is drawn when the first process flips in that round, so a scheduler
    # that reads process states sees it from then on
    # (benor_lib.impossibility.coin_attack exploits that).
    per_round: dict[int, int] = {}

    def flip(pid: int, rnd: int, x: int) -> int:
        if rnd not in per_round:
            per_round[rnd] = int(rng.integers(0, 2))
        return per_round[rnd]

    return flip


def _scripted_sequence(bits: Sequence[object] | np.ndarray) -> CoinRule:
    values = [check_bit(f"coin[{i}]", b) for i, b in enumerate(bits)]
    it = iter(values)

    def flip(pid: int, rnd: int, x: int) -> int:
        try:
            return next(it)
        except StopIteration:
            raise ValueError(
                f"the scripted coin ran out: p{pid} needs flip number {len(values) + 1} "
                f"in round {rnd}, but only {len(values)} were given"
            ) from None

    return flip


def _scripted_mapping(coin: Mapping[tuple[int, int], int]) -> CoinRule:
    table: dict[tuple[int, int], int] = {}
    for key, b in coin.items():
        if not (isinstance(key, tuple) and len(key) == 2 and all(is_int(k) for k in key)):
            raise ValueError(
                f"the keys of a coin mapping must be (pid, round) pairs of whole numbers, "
                f"got {key!r}"
            )
        table[(int(key[0]), int(key[1]))] = check_bit(f"coin[{key!r}]", b)

    def flip(pid: int, rnd: int, x: int) -> int:
        if (pid, rnd) not in table:
            raise ValueError(f"the scripted coin has no value for (pid={pid}, round={rnd})")
        return table[(pid, rnd)]

    return flip


def _checked(func: Callable[[int, int, int], int]) -> CoinRule:
    def flip(pid: int, rnd: int, x: int) -> int:
        b = func(pid, rnd, x)
        if not is_int(b) or b not in (0, 1):
            raise ValueError(
                f"the coin callback returned {b!r} for p{pid}, round {rnd}; need 0 or 1"
            )
        return int(b)

    return flip


def make_coin(coin: object, rng: np.random.Generator) -> tuple[CoinRule, str]:
    """Return (coin rule, name) for ``coin``.

    ``coin`` is "local" (each process its own fair coin), "common" (one fair coin per round,
    shared, drawn at the round's first flip), a deterministic rule ("keep": keep x; "zero";
    "pid_parity": pid % 2, as in the FLP chapter), a sequence of bits used in order of
    flips, a mapping (pid, round) -> bit, or a callable (pid, round, x) -> bit.
    """
    if isinstance(coin, str):
        if coin == "local":
            return _local(rng), coin
        if coin == "common":
            return _common(rng), coin
        if coin == "keep":
            return (lambda pid, rnd, x: x), coin
        if coin == "zero":
            return (lambda pid, rnd, x: 0), coin
        if coin == "pid_parity":
            return (lambda pid, rnd, x: pid % 2), coin
        options = ", ".join(repr(c) for c in COIN_NAMES)
        raise ValueError(
            f"coin must be one of {options}, a sequence of bits, a mapping or a callable; "
            f"got {coin!r}"
        )
    if isinstance(coin, Mapping):
        return _scripted_mapping(coin), "scripted"
    if isinstance(coin, (Sequence, np.ndarray)):
        return _scripted_sequence(coin), "scripted"
    if callable(coin):
        return _checked(coin), "scripted"
    raise ValueError(
        f"coin must be a name ({', '.join(COIN_NAMES)}), a sequence of bits, a mapping or "
        f"a callable; got {type(coin).__name__}"
    )
