"""Vectorised Monte Carlo of many runs of the crash variant at once (numpy).

:func:`sample_rounds` simulates every live process of every run, round by round, with
the same rules as the event simulator (the :class:`~benor_lib.protocol.rules.Rules`
predicates, applied to arrays), but a whole block of runs per numpy operation.
:mod:`benor_lib.distributions.compare` compares samples with exact distributions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from benor_lib.distributions.exact import EXACT_COINS, EXACT_SCHEDULERS
from benor_lib.protocol.rules import (
    Rules,
    check_bound,
    check_choice,
    check_int,
    check_n_t,
    make_rng,
    published_rules,
    resolve_inputs,
)
from benor_lib.protocol.validate import check_bool, check_number
from benor_lib.simulation.schedulers import split_proposal_ds, split_report_ones

CHUNK_ELEMENTS = 100_000
"""Processes simulated per numpy block by default: chunk_size = CHUNK_ELEMENTS // live."""

MAX_RUNS = 20_000_000
"""The most runs one call samples: its result arrays take 9 bytes per run (about 170 MiB
here), allocated at once; for more, call :func:`sample_rounds` several times with
different seeds."""

HEAVY_CENSORING = 0.1
"""A sample with at least this share of censored runs says so (``censored_note``)."""

__all__ = [
    "CHUNK_ELEMENTS",
    "RoundSample",
    "RoundSampler",
    "chunk_sizes",
    "sample_rounds",
]


@dataclass(frozen=True, eq=False)
class RoundSample:
    """Round counts of many runs, with the settings that produced them.

    ``rounds[i]``: the round in which the last live process of run i decided, or
    ``max_rounds`` for a censored run (``censored[i]`` True: undecided after
    ``max_rounds`` rounds, or blocked). Statistics count censored runs as ``max_rounds``,
    so they are lower bounds when ``censored_share > 0``.
    """

    rounds: np.ndarray
    censored: np.ndarray
    n: int
    t: int
    inputs: object
    scheduler: str
    faults: int
    coin: str
    seed: object
    max_rounds: int

    @property
    def runs(self) -> int:
        """Number of runs."""
        return int(self.rounds.size)

    @property
    def censored_share(self) -> float:
        """Fraction of runs that did not finish within ``max_rounds``."""
        return float(self.censored.mean())

    @property
    def heavily_censored(self) -> bool:
        """True when at least ``HEAVY_CENSORING`` of the runs were cut off undecided."""
        return self.censored_share >= HEAVY_CENSORING

    @property
    def censored_note(self) -> str:
        """A warning in words when the sample is heavily censored ("" otherwise)."""
        if not self.heavily_censored:
            return ""
        return (
            f"Heavily censored: {100 * self.censored_share:.1f}% of the {self.runs:,} runs were "
            f"still undecided after max_rounds={self.max_rounds:,} rounds, so the mean, median "
            "and percentiles are lower bounds of the real ones."
        )

    @property
    def mean(self) -> float:
        """Mean round count."""
        return float(self.rounds.mean())

    @property
    def median(self) -> int:
        """Median round count (the smallest r with at least half of the runs <= r)."""
        return self.quantile(0.5)

    def quantile(self, q: float) -> int:
        """Smallest r such that at least a share q of the runs took <= r rounds (0 <= q <= 1)."""
        q = check_number("q", q, 0, 1)
        return int(np.quantile(self.rounds, q, method="inverted_cdf"))

    def histogram(self) -> np.ndarray:
        """``h[r-1]`` = number of finished runs that took r rounds, r = 1..max observed.

        Censored runs are not counted here (there are ``censored.sum()`` of them).
        """
        done = self.rounds[~self.censored]
        return np.bincount(done, minlength=1)[1:]

    def summary(self) -> dict[str, object]:
        """Settings and statistics as one flat dict (one row of a table)."""
        return {
            "n": self.n,
            "t": self.t,
            "inputs": self.inputs,
            "scheduler": self.scheduler,
            "faults": self.faults,
            "coin": self.coin,
            "runs": self.runs,
            "max_rounds": self.max_rounds,
            "mean": self.mean,
            "median": self.median,
            "p99": self.quantile(0.99),
            "censored_share": self.censored_share,
        }


def chunk_sizes(runs: int, live: int, chunk_size: int | None = None) -> list[int]:
    """How many runs each numpy block simulates (the working memory is proportional to one)."""
    if chunk_size is None:
        chunk_size = max(1, CHUNK_ELEMENTS // max(1, live))
    full, rest = divmod(runs, chunk_size)
    return [chunk_size] * full + ([rest] if rest else [])


def _check_inputs(n: int, inputs: object) -> object:
    """Validate inputs; return them in the form stored on the RoundSample."""
    if isinstance(inputs, str) and inputs == "random":
        return "random"
    values = resolve_inputs(n, inputs, np.random.default_rng(0))
    if isinstance(inputs, (int, np.integer)):
        return int(inputs)
    return tuple(int(v) for v in values)


class _Block:
    """A block of runs simulated round by round; it can stop between rounds and resume.

    ``x`` has one row per run and one column per live process, holding its input.
    ``result[i]`` is run i's round count (0 while it is undecided); ``round`` is the number
    of rounds simulated so far.
    """

    def __init__(
        self,
        rng: np.random.Generator,
        x: np.ndarray,
        rules: Rules,
        scheduler: str,
        coin: str,
        max_rounds: int,
    ) -> None:
        runs, self.live = x.shape
        self.rng, self.rules, self.scheduler, self.coin = rng, rules, scheduler, coin
        self.max_rounds = max_rounds
        self.result = np.zeros(runs, dtype=np.int64)
        self.index = np.arange(runs)
        self.x = x.astype(np.int64)
        self.decided = np.zeros(x.shape, dtype=bool)
        self.round = 0

    @property
    def done(self) -> bool:
        """True when every run has decided or ``max_rounds`` rounds have been simulated."""
        return self.index.size == 0 or self.round >= self.max_rounds

    def advance(self, over: Callable[[], bool] | None = None) -> bool:
        """Simulate rounds until the block is done or ``over()`` says stop; True when done."""
        while not self.done:
            self._one_round()
            if over is not None and over():
                break
        return self.done

    def _one_round(self) -> None:
        rng, rules, scheduler, x, live = self.rng, self.rules, self.scheduler, self.x, self.live
        others = rules.quorum - 1  # messages heard besides a process's own
        self.round = r = self.round + 1
        # phase 1: reports. ones_others = ones among the other live processes' reports
        ones_others = x.sum(axis=1, keepdims=True) - x
        zeros_others = (live - 1) - ones_others
        if scheduler == "uniform":
            heard_ones = rng.hypergeometric(ones_others, zeros_others, others)
        else:  # split: the most balanced set of reports, own report included
            heard_ones, _ = split_report_ones(x, 1, ones_others, zeros_others, others)
        c1 = x + heard_ones
        d_one = rules.sends_d(c1)
        d_zero = rules.sends_d(rules.quorum - c1)
        sent_d = d_one | d_zero
        value = d_one.any(axis=1, keepdims=True)  # the D value of the run, if any D was sent
        # phase 2: proposals. d_others = D-messages among the other live processes'
        d_others = sent_d.sum(axis=1, keepdims=True) - sent_d
        plain_others = (live - 1) - d_others
        if scheduler == "uniform":
            heard_d = sent_d + rng.hypergeometric(d_others, plain_others, others)
        else:  # split: as few D-messages as possible, own message included
            heard_d = sent_d + split_proposal_ds(others, plain_others)
        if self.coin == "local":
            flips = rng.integers(0, 2, size=x.shape)
        else:
            flips = rng.integers(0, 2, size=(x.shape[0], 1))
        x = np.where(rules.adopts(heard_d), value, flips)
        decided = self.decided | rules.decides(heard_d)
        finished = decided.all(axis=1)
        if finished.any():
            self.result[self.index[finished]] = r
            keep = ~finished
            x, decided, self.index = x[keep], decided[keep], self.index[keep]
        self.x, self.decided = x, decided


def _simulate_block(
    rng: np.random.Generator,
    x: np.ndarray,
    rules: Rules,
    scheduler: str,
    coin: str,
    max_rounds: int,
) -> np.ndarray:
    """Round counts for a block of runs (0 = still undecided after max_rounds).

    ``x`` has one row per run and one column per live process, holding its input.
    """
    block = _Block(rng, x, rules, scheduler, coin, max_rounds)
    block.advance()
    return block.result


def sample_rounds(
    n: int, t: int, runs: int, *, progress: bool = False, **settings: Any
) -> RoundSample:
    """Round counts of ``runs`` independent runs of the crash variant.

    ``settings`` are the keyword arguments of :class:`RoundSampler` (``inputs``,
    ``scheduler``, ``faults``, ``coin``, ``seed``, ``max_rounds``, ``allow_unsafe``,
    ``chunk_size``), with its defaults.
    ``inputs``: ``"random"`` (fresh fair coins for every run), a number k of ones (the last
    k processes start with 1) or a 0/1 sequence of length n. ``scheduler``: ``"uniform"``
    (the canonical one) or ``"split"`` (the split adversary). ``faults=k``: processes
    n-k..n-1 crash before starting (k <= t unless ``allow_unsafe``). ``coin``: ``"local"``
    (own coin per process) or ``"common"`` (one shared coin per round). Runs not finished
    after ``max_rounds`` are kept and marked censored. Settings outside the guarantees
    (``allow_unsafe=True``) never finish: with n <= 2t nobody can send a D-message, with
    more than t crashes every process waits forever for n - t reports; every such run is
    censored. The same seed and chunk_size give the same arrays; ``progress=True`` shows a
    progress bar over the blocks of ``chunk_size`` runs. At most ``MAX_RUNS`` runs per
    call; a heavily censored sample says so in :attr:`RoundSample.censored_note`.
    """
    progress = check_bool("progress", progress)
    sampler = RoundSampler(n, t, runs, **settings)
    bar = None
    if progress and not sampler.done:
        from tqdm.auto import tqdm

        bar = tqdm(total=sampler.runs, desc="sample_rounds", unit="runs")
    while not sampler.done:
        before = sampler.runs_done
        sampler.advance_block()
        if bar is not None:
            bar.update(sampler.runs_done - before)
    if bar is not None:
        bar.close()
    return sampler.result()


class RoundSampler:
    """:func:`sample_rounds` in pieces: the same runs, simulated a slice at a time.

    Takes the arguments of :func:`sample_rounds` (without ``progress``) and checks them the
    same way. :meth:`advance` simulates until a callback says the slice is over (between
    two rounds of a block), :meth:`partial` is the sample so far, and :meth:`result`, once
    :attr:`done`, is exactly what :func:`sample_rounds` returns for the same arguments,
    however the work was sliced.
    """

    def __init__(
        self,
        n: int,
        t: int,
        runs: int,
        *,
        inputs: object = "random",
        scheduler: str = "uniform",
        faults: int = 0,
        coin: str = "local",
        seed: object = None,
        max_rounds: int = 10_000,
        allow_unsafe: bool = False,
        chunk_size: int | None = None,
    ) -> None:
        n, t = check_n_t(n, t)
        runs = check_int("runs", runs)
        if runs < 1:
            raise ValueError(f"runs must be between 1 and {MAX_RUNS:,}, got {runs}")
        if runs > MAX_RUNS:
            size = f"{9 * runs / 2**30:.1f} GiB" if runs < 10**20 else "more than any machine has"
            raise ValueError(
                f"runs must be at most {MAX_RUNS:,} per call, got {runs:,}: the results alone "
                f"would take {size} of memory. Call sample_rounds several "
                "times with different seeds and combine the samples"
            )
        scheduler = check_choice("scheduler", scheduler, EXACT_SCHEDULERS)
        coin = check_choice("coin", coin, EXACT_COINS)
        faults = check_int("faults", faults, 0, n - 1)
        max_rounds = check_int("max_rounds", max_rounds, 1, 2**31 - 1)
        if chunk_size is not None:
            chunk_size = check_int("chunk_size", chunk_size, 1)
        allow_unsafe = check_bool("allow_unsafe", allow_unsafe)
        check_bound(n, t, "crash", allow_unsafe)
        if faults > t and not allow_unsafe:
            raise ValueError(
                f"faults must be at most t={t} (the protocol tolerates t crashes), got {faults}; "
                "pass allow_unsafe=True to run it anyway"
            )
        self.n, self.t, self.runs, self.scheduler, self.coin = n, t, runs, scheduler, coin
        self.faults, self.max_rounds, self.seed = faults, max_rounds, seed
        self.inputs = _check_inputs(n, inputs)
        self._rng = make_rng(seed)
        self._rules = published_rules(n, t, "crash")
        self.live = n - faults
        self._rounds = np.full(runs, max_rounds, dtype=np.int64)
        self._censored = np.ones(runs, dtype=bool)
        can_finish = self.live >= self._rules.quorum and self._rules.sends_d(self._rules.quorum)
        self._sizes = chunk_sizes(runs, self.live, chunk_size) if can_finish else []
        self._fixed = None
        if can_finish and self.inputs != "random":
            self._fixed = resolve_inputs(n, inputs, self._rng)[: self.live]
        self._start = 0  # the first run of the current block
        self._block: _Block | None = None

    @property
    def done(self) -> bool:
        """True when every run has been simulated."""
        return not self._sizes and self._block is None

    @property
    def runs_done(self) -> int:
        """Runs of the completed blocks (every run, when :attr:`done`)."""
        return self.runs if self.done else self._start

    @property
    def started(self) -> int:
        """Runs simulated so far, or being simulated now."""
        if self._block is None:
            return self.runs_done
        return self._start + self._block.result.size

    @property
    def round(self) -> int:
        """Rounds the block in progress has simulated so far (0 between blocks)."""
        return 0 if self._block is None else self._block.round

    def _inputs(self) -> np.ndarray:
        """The inputs of the next block's runs (drawn from the stream, in order)."""
        size = self._sizes.pop(0)
        if self._fixed is None:
            return self._rng.integers(0, 2, size=(size, self.n), dtype=np.int8)[:, : self.live]
        return np.broadcast_to(self._fixed, (size, self.live))

    def _store(self, result: np.ndarray) -> None:
        size = result.size
        finished = result > 0
        self._rounds[self._start : self._start + size][finished] = result[finished]
        self._censored[self._start : self._start + size] = ~finished
        self._start += size

    def advance_block(self) -> None:
        """Simulate the rest of the current block, or the whole next one."""
        if self._block is not None:
            self._block.advance()
            self._store(self._block.result)
            self._block = None
        elif self._sizes:
            x = self._inputs()
            rules, scheduler, coin = self._rules, self.scheduler, self.coin
            self._store(_simulate_block(self._rng, x, rules, scheduler, coin, self.max_rounds))

    def advance(self, over: Callable[[], bool] | None = None) -> bool:
        """Simulate rounds until every run is done or ``over()`` is true; True when done.

        ``over`` is asked after every simulated round, so one slice overruns by at most
        one round of one block (a few milliseconds).
        """
        if over is None:
            while not self.done:
                self.advance_block()
            return True
        while not self.done:
            if self._block is None:
                x = self._inputs()
                rules, scheduler, coin = self._rules, self.scheduler, self.coin
                self._block = _Block(self._rng, x, rules, scheduler, coin, self.max_rounds)
            if self._block.advance(over):
                self._store(self._block.result)
                self._block = None
            if over():
                break
        return self.done

    def _sample(self, rounds: np.ndarray, censored: np.ndarray) -> RoundSample:
        rounds.setflags(write=False)
        censored.setflags(write=False)
        return RoundSample(
            rounds=rounds,
            censored=censored,
            n=self.n,
            t=self.t,
            inputs=self.inputs,
            scheduler=self.scheduler,
            faults=self.faults,
            coin=self.coin,
            seed=self.seed,
            max_rounds=self.max_rounds,
        )

    def result(self) -> RoundSample:
        """The finished sample (:func:`sample_rounds`'s answer); ValueError before :attr:`done`."""
        if not self.done:
            raise ValueError("the sample is not finished yet: call advance() until done")
        return self._sample(self._rounds, self._censored)

    def partial(self) -> RoundSample | None:
        """The runs started so far (None before the first round): finished runs with their
        round counts; runs of the block in progress that are still undecided are marked
        censored at the rounds they have reached, so the statistics are lower bounds."""
        if self.done:
            return self.result()
        started = self.started
        if started == 0 or (
            self._block is not None and self._block.round == 0 and self._start == 0
        ):
            return None
        rounds = self._rounds[:started].copy()
        censored = self._censored[:started].copy()
        if self._block is not None:
            got = self._block.result
            finished = got > 0
            rounds[self._start :] = np.where(finished, got, self._block.round)
            censored[self._start :] = ~finished
        return self._sample(rounds, censored)
