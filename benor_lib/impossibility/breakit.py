"""The break-it search: exhaustive over the round abstraction when it is small, otherwise a
random search over concrete runs (its own scheduler, coin and Byzantine scripts), shrunk to a
short replayable counterexample.

At about 650 lines this module is longer than the others on purpose: the two searches share
the result types, the phrasing of a violation and the shrinking step, and
:func:`find_violation` chooses between them, so it is one algorithm in one place.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from benor_lib.impossibility.abstraction import (
    _UNDECIDED,
    EXHAUSTIVE_MAX_CORRECT,
    Config,
    Key,
    _all_decided,
    _config,
    _decmask,
    _explore,
    _Model,
    _path,
    _State,
    _TableScript,
)
from benor_lib.protocol.events import COIN, DECIDE, DELIVER, REPORT
from benor_lib.protocol.rules import (
    DECIDED_POLICIES,
    RUN_VARIANTS,
    Rules,
    check_choice,
    check_int,
    check_n_t,
    check_rules,
    make_rng,
    standard_rules,
)
from benor_lib.protocol.validate import check_budget
from benor_lib.simulation.checks import check_agreement, check_validity
from benor_lib.simulation.faults import Byzantine, Crash
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Message, Run
from benor_lib.simulation.schedulers import Scheduler


@dataclass(frozen=True)
class Counterexample:
    """A run that breaks agreement, validity or termination, replayable with ``run.replay()``.

    For "agreement" and "validity", ``run.violations`` contains that kind. For "termination"
    either ``run.status`` is "blocked" (a correct process waits forever), or the run reaches
    ``dead_config``, a configuration from which no choice of deliveries, coins (and Byzantine
    messages) leads to a decision: ``proof`` says why. ``tried``: concrete runs simulated by the
    search; ``explored``: abstract configurations examined.
    """

    kind: str
    run: Run
    tried: int
    explored: int
    elapsed: float
    found_by: str
    message: str
    dead_config: Config | None = None
    proof: str = ""
    _model: _Model | None = field(default=None, repr=False, compare=False)

    def __bool__(self) -> bool:
        return True

    @property
    def deliveries(self) -> int:
        """Length of the run in deliveries."""
        return sum(1 for e in self.run.trace if e.kind == DELIVER)

    def reproduces(self) -> bool:
        """Replay the run and check that it shows the same violation."""
        again = self.run.replay()
        if self.kind != "termination":
            return any(v.kind == self.kind for v in again.violations)
        if self.dead_config is None:
            return again.status == "blocked"
        model = self._model
        assert model is not None
        cfg = Config.from_run(again)
        state = tuple(cfg._state()[p] for p in model.correct)
        return state == self.dead_config._state() and not _decision_reachable(model, state)

    def explain(self) -> str:
        """A few plain sentences: what broke, in which run, and how the search found it."""
        r = self.run
        if self.kind == "termination" and self.dead_config is not None:
            body = f"Termination fails: {self.proof.rstrip('.')}."
        elif self.kind == "termination":
            body = f"Termination fails: {r.reason}."
        else:
            body = f"{self.kind.capitalize()} fails: {self.message}."
        k = self.deliveries
        run_words = f"The run takes {_counted(k, 'delivery', 'deliveries')}"
        if self.kind != "termination" and r.decisions:
            last = max(r.decision_rounds[p] for p in r.decisions)
            run_words += f", and every decision in it is made by round {last}"
        setup = _rules_phrase(r.rules)
        if r.faulty:
            setup += f", in which {_fault_phrase(r)}"
        policy = _POLICY_WORDS.get(r.decided_policy, f"the policy {r.decided_policy!r}")
        searched = f"trying {_counted(self.tried, 'run')}"
        if self.explored:
            searched += f" and exploring {_counted(self.explored, 'configuration')}"
        finder = ("A " if self.found_by.startswith("random") else "The ") + self.found_by
        return (
            f"{body} {run_words}. It is a run of {setup}{policy}. {finder} found it after "
            f"{searched}."
        )


@dataclass(frozen=True)
class NoViolation:
    """The break-it search found nothing. It is falsy; ``tried`` says how many runs it tried.

    ``exhaustive``: the round-by-round abstraction was explored completely and has no
    violating configuration (so only crashes mid-broadcast or halting policies could break it).
    """

    tried: int
    explored: int
    elapsed: float
    exhaustive: bool
    setting: str
    kind: None = None
    run: None = None
    looking_for: str | None = None

    def __bool__(self) -> bool:
        return False

    def explain(self) -> str:
        """One plain sentence: what was searched and that nothing broke."""
        checked = []
        if self.exhaustive:
            checked.append(
                "the one round-by-round configuration"
                if self.explored == 1
                else f"all {self.explored} round-by-round configurations"
            )
            checked[-1] += " reachable under any choice of deliveries and coins"
        if self.tried or not checked:
            checked.append(_counted(self.tried, "random run"))
        one = len(checked) == 1 and (self.explored if self.exhaustive else self.tried) == 1
        verb = "was" if one else "were"
        what = (
            f"no {self.looking_for} violation"
            if self.looking_for
            else ("no violation of agreement, validity or termination")
        )
        return (
            f"The search found {what} for {self.setting}: {_and_list(checked)} {verb} "
            f"checked in {self.elapsed:.2f} s."
        )


_POLICY_WORDS = {
    "keep_running": "",
    "halt_after_next": ", where a process that decides sends the next round's messages and halts",
    "halt": ", where a process that decides halts at once",
}


def _counted(k: int, noun: str, plural: str | None = None) -> str:
    """``k`` and the noun, singular or plural: "1 run", "2 runs", "3 deliveries"."""
    return f"{k} {noun if k == 1 else plural or noun + 's'}"


def _d_messages(count: float) -> str:
    return f"{count:g} D-message" + ("" if count == 1 else "s")


def _rules_phrase(rules: Rules) -> str:
    """The configuration in words: the variant, n and t, and every rule changed from the
    standard one ("the crash variant with n = 5 and t = 2, adopting on exactly one ...")."""
    std = standard_rules(rules.n, rules.t, rules.variant, allow_unsafe=True)
    changes = []
    if rules.quorum != std.quorum:
        changes.append(f"waiting for {rules.quorum} messages instead of {std.quorum}")
    if rules.d_twice != std.d_twice:
        changes.append(
            f"sending a D-message on more than {rules.d_twice / 2:g} equal reports instead of "
            f"more than {std.d_twice / 2:g}"
        )
    if rules.adopt_max is not None:
        if rules.adopt_max == rules.adopt_min:
            count = _d_messages(rules.adopt_max).replace(f"{rules.adopt_max:g} ", "", 1)
            words = "one" if rules.adopt_max == 1 else f"{rules.adopt_max}"
            changes.append(f"adopting a value only on exactly {words} {count}")
        else:
            changes.append(
                f"adopting a value only on {rules.adopt_min} to {_d_messages(rules.adopt_max)}"
            )
    elif rules.adopt_min != std.adopt_min:
        changes.append(
            f"adopting a value on {_d_messages(rules.adopt_min)} or more instead of {std.adopt_min}"
        )
    if rules.decide_twice != std.decide_twice:
        changes.append(
            f"deciding on more than {_d_messages(rules.decide_twice / 2)} instead of more "
            f"than {std.decide_twice / 2:g}"
        )
    variant = {"byzantine": "Byzantine", "bracha": "Bracha"}.get(rules.variant, rules.variant)
    base = f"the {variant} variant with n = {rules.n} and t = {rules.t}"
    if not changes:
        return base
    return base + ", " + ", ".join(changes[:-1]) + (" and " if changes[:-1] else "") + changes[-1]


def _fault_phrase(r: Run) -> str:
    """Who is faulty, and how: "p4 and p5 are Byzantine (scripted)", "p2 crashed before
    starting"."""
    groups: dict[str, list[int]] = {}
    for p, description in sorted(r.faulty.items()):
        groups.setdefault(description, []).append(p)
    parts = []
    for description, pids in groups.items():
        who = _and_list([f"p{p}" for p in pids])
        if description.startswith("byzantine"):
            verb = "is" if len(pids) == 1 else "are"
            parts.append(f"{who} {verb} Byzantine{description.removeprefix('byzantine')}")
        else:
            parts.append(f"{who} {description}")
    return _and_list(parts)


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def static_termination_reason(rules: Rules, q: int | None = None) -> str:
    """Why no process can ever decide under ``rules`` when each hears ``q`` messages (the
    quorum by default), or "" when the thresholds alone do not rule a decision out."""
    q = rules.quorum if q is None else q
    reasons = []
    if not rules.sends_d(q):
        reasons.append(
            f"a D-message needs more than {rules.d_twice / 2:g} equal reports but a process "
            f"hears only {q}"
        )
    if not rules.decides(q):
        reasons.append(
            f"deciding needs more than {rules.decide_twice / 2:g} D-messages but a process "
            f"hears only {q} proposals"
        )
    return "; ".join(reasons)


def _decision_reachable(model: _Model, state: _State) -> bool:
    """True when some choice of deliveries and coins makes every correct process decide."""
    g = _explore(model, [state])
    if not g.complete:
        return True
    return any(_all_decided(s) for s in g.rep.values())


def _safety(state: _State, flag: int) -> str | None:
    mask = _decmask(state)
    if mask == 3:
        return "agreement"
    if flag >= 0 and mask & (1 << (1 - flag)):
        return "validity"
    return None


def _violation_message(r: Run, kind: str) -> str:
    for v in r.violations:
        if v.kind == kind:
            return v.message
    return r.reason


def _exhaustive(
    rules: Rules,
    crashes: int,
    byzantine: int,
    deadline: float,
    max_states: int,
    prefer_mixed: bool = False,
) -> tuple[list[tuple[str, Run, _Model, _State | None, str]], int, bool]:
    """Search the round-by-round abstraction, real coins as free choices.

    Returns candidate (kind, run, model, dead state, proof), configurations explored, and
    whether every model was explored completely. ``prefer_mixed``: among equally short
    agreement violations, take one from mixed inputs (so validity is not broken too).
    """
    n = rules.n
    found = []
    explored, complete = 0, True
    byz = tuple(range(n - byzantine, n))
    for k in range(crashes + 1):
        crashed = tuple(range(n - byzantine - k, n - byzantine))
        correct = tuple(range(n - byzantine - k))
        if len(correct) > EXHAUSTIVE_MAX_CORRECT:
            complete = False
            continue
        model = _Model(rules, "free", correct, byz, crashed)
        if not model.can_move:
            # fewer than n - t processes send anything: every run blocks at once
            blocked = run(
                n,
                rules.t,
                [0] * n,
                variant=rules.variant,
                rules=rules,
                scheduler="fifo",
                faults=[Crash(p) for p in crashed]
                + [Byzantine(b, "scripted", script=_TableScript({})) for b in byz],
                allow_unsafe=True,
            )
            if blocked.status == "blocked":
                found.append(("termination", blocked, model, None, ""))
            continue
        nc = model.nc
        starts = [((1, _UNDECIDED),) * s + ((0, _UNDECIDED),) * (nc - s) for s in range(nc + 1)]

        def tag(state: _State, nc: int = nc) -> int:
            s = sum(x for x, _ in state)
            return 0 if s == 0 else (1 if s == nc else -1)

        first: dict[str, tuple] = {}

        def stop(state: _State) -> bool:
            return _decmask(state) == 3

        g = _explore(model, starts, max_states=max_states, deadline=deadline, stop=stop, tag=tag)
        explored += len(g.rep)
        complete = complete and g.complete
        for key in sorted(g.rep, key=lambda k: (g.depth[k], prefer_mixed and k[0] != -1)):
            kind = _safety(g.rep[key], key[0])
            if kind is not None and kind not in first:
                first[kind] = key
        if g.complete:
            # configurations from which no all-decided (or violating) one is reachable
            good = {k for k, s in g.rep.items() if _all_decided(s) or _safety(s, k[0])}
            back: dict[tuple, list[tuple]] = {}
            for k, nexts in g.succ.items():
                for k2 in nexts:
                    back.setdefault(k2, []).append(k)
            queue = deque(good)
            while queue:
                k2 = queue.popleft()
                for k in back.get(k2, ()):
                    if k not in good:
                        good.add(k)
                        queue.append(k)
            dead = [k for k in g.rep if k not in good]
            if dead:
                first["termination"] = min(dead, key=g.depth.__getitem__)
        for kind, key in first.items():
            start, moves = _path(g, key)
            dead_state = None
            if kind == "termination":
                dead_state = g.rep[key]
                if not moves:  # show one round, so the reader sees why nothing happens
                    nxt, move = next(iter(model.successors(start)))
                    moves, dead_state = [move], nxt
            r, _ = model.simulate(start, moves)
            proof = ""
            if kind == "termination":
                static = static_termination_reason(rules, model.q)
                proof = (
                    f"after round {len(moves)} the configuration is "
                    f"{_config(dead_state)}, and from it no choice of deliveries"
                    f"{', coins or Byzantine messages' if byzantine else ' or coins'} "
                    "leads to a decision"
                    + (f" ({static})" if static else " (every reachable configuration checked)")
                )
            found.append((kind, r, model, dead_state, proof))
    return found, explored, complete


class _OutOfTime(Exception):
    """Raised inside a run of the random search once the search's deadline has passed."""


class _CampScheduler(Scheduler):
    """Adversary for the random search: each process has a target value; it is shown the
    messages that push it towards its target first (with some randomness). It scans every
    message in flight per delivery, so it checks the search's ``deadline``
    (``time.perf_counter``) each time and raises :class:`_OutOfTime` once it has passed."""

    name = "camp adversary"

    def __init__(self, target: dict[int, int], noise: float, deadline: float = float("inf")):
        self.target, self.noise, self.deadline = target, noise, deadline

    def next(self) -> Message | None:
        if time.perf_counter() > self.deadline:
            raise _OutOfTime
        net = self.net
        inflight = net.inflight
        if not inflight:
            return None
        rng = self.rng
        active = set(net.active())
        current: dict[int, list[Message]] = {}
        for msg in inflight.values():
            if msg.receiver in active and (msg.round, msg.phase) == net.position(msg.receiver):
                current.setdefault(msg.receiver, []).append(msg)
        if not current:
            msgs = list(inflight.values())
            return msgs[int(rng.integers(len(msgs)))]
        receivers = sorted(current)
        p = receivers[int(rng.integers(len(receivers)))]
        msgs = current[p]
        if rng.random() < self.noise:
            return msgs[int(rng.integers(len(msgs)))]
        want = self.target.get(p, 0)

        def score(m: Message) -> int:
            if m.phase == REPORT:
                return 0 if m.value == want else 1
            return 0 if m.value == want else (1 if m.value is None else 2)

        best = min(score(m) for m in msgs)
        pool = [m for m in msgs if score(m) == best]
        return pool[int(rng.integers(len(pool)))]


class _CampCoin:
    """A coin the adversary loads: a process's coin shows its target value with probability
    ``follow``, else a fair bit."""

    def __init__(self, target: dict[int, int], follow: float, seed: int) -> None:
        self.target, self.follow = target, follow
        self.rng = np.random.default_rng(seed)

    def __call__(self, pid: int, rnd: int, x: int) -> int:
        if self.rng.random() < self.follow:
            return self.target.get(pid, 0)
        return int(self.rng.integers(2))


class _CampScript:
    """A Byzantine script that sends every receiver its camp's value (report and D-message)."""

    def __init__(self, target: dict[int, int]) -> None:
        self.target = target

    def __call__(self, receiver: int, rnd: int, phase: int, xs: Sequence[int]) -> int:
        return self.target.get(receiver, 0)


class _RandomScript:
    """A Byzantine script with random values, fixed once drawn (so replays agree)."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.memo: dict[tuple[int, int, int], int | None] = {}

    def __call__(self, receiver: int, rnd: int, phase: int, xs: Sequence[int]) -> int | None:
        key = (receiver, rnd, phase)
        if key not in self.memo:
            k = int(self.rng.integers(2 if phase == REPORT else 3))
            self.memo[key] = None if k == 2 else k
        return self.memo[key]


_SCHEDULERS = ("uniform", "random_order", "split", "fifo", "camp", "camp", "camp")
_BYZ_BEHAVIOURS = ("equivocate", "adaptive", "always", "silent", "random", "camp", "camp")


def _random_run(
    rules: Rules,
    crashes: int,
    byzantine: int,
    policy: str,
    rng: np.random.Generator,
    deadline: float = float("inf"),
) -> tuple[Run, str]:
    """One run with a random plan: inputs, faults, scheduler, coin (:class:`_OutOfTime` when
    a camp-scheduled run passes ``deadline``)."""
    n = rules.n
    pids = [int(p) for p in rng.permutation(n)]
    crashed, byz = pids[:crashes], pids[crashes : crashes + byzantine]
    correct = [p for p in range(n) if p not in crashed and p not in byz]
    if rng.random() < 0.3:
        inputs = [int(rng.integers(2))] * n
    else:
        inputs = [int(v) for v in rng.integers(0, 2, size=n)]
    if rng.random() < 0.5:
        target = {p: int(rng.integers(2)) for p in range(n)}
    else:
        lone = correct[int(rng.integers(len(correct)))]
        v = int(rng.integers(2))
        target = {p: v if p == lone else 1 - v for p in range(n)}
    faults: list = []
    for p in crashed:
        if rng.random() < 0.3:
            faults.append(Crash(p))
        else:
            rnd, phase = int(rng.integers(1, 4)), int(rng.integers(1, 3))
            faults.append(Crash(p, rnd, phase, int(rng.integers(0, n + 1))))
    behaviours = []
    for p in byz:
        b = _BYZ_BEHAVIOURS[int(rng.integers(len(_BYZ_BEHAVIOURS)))]
        behaviours.append(b)
        if b == "random":
            faults.append(Byzantine(p, "scripted", script=_RandomScript(int(rng.integers(2**31)))))
        elif b == "camp":
            faults.append(Byzantine(p, "scripted", script=_CampScript(target)))
        else:
            faults.append(Byzantine(p, b, value=int(rng.integers(2))))
    name = _SCHEDULERS[int(rng.integers(len(_SCHEDULERS)))]
    if name == "split" and rules.variant == "bracha":
        name = "random_order"  # the split adversary is Ben-Or's only
    scheduler: object = (
        _CampScheduler(target, float(rng.choice([0.0, 0.1, 0.3])), deadline)
        if name == "camp"
        else name
    )
    coin: object = "local"
    if rng.random() < 0.6:
        coin = _CampCoin(target, float(rng.choice([0.7, 0.9, 1.0])), int(rng.integers(2**31)))
    result = run(
        n,
        rules.t,
        inputs,
        variant=rules.variant,
        rules=rules,
        scheduler=scheduler,
        faults=faults,
        coin=coin,
        seed=int(rng.integers(2**31)),
        max_rounds=int(rng.integers(2, 7)),
        decided_policy=policy,
        allow_unsafe=True,
    )
    how = f"random search ({name} scheduler, {'loaded' if coin != 'local' else 'fair'} coins"
    if behaviours:
        how += ", Byzantine " + "/".join(behaviours)
    return result, how + ")"


def _kind_of(r: Run) -> str | None:
    kinds = [v.kind for v in r.violations]
    for k in ("agreement", "validity", "termination"):
        if k in kinds:
            return k
    return None


def _kind_if(r: Run, kind: str) -> str | None:
    return kind if any(v.kind == kind for v in r.violations) else None


def _rerun(base: Run, script: list[Key], coin: object) -> Run | None:
    try:
        return base.replay(script=script, coin=coin)
    except ValueError:  # a delivery no longer in flight, or a coin no longer scripted
        return None


def _shrink(base: Run, kind: str, deadline: float) -> Run:
    """Fewer deliveries with the same violation: cut after it, then drop deliveries greedily."""
    if kind == "termination":
        return base
    coins = {(e.pid, e.round): int(e.value) for e in base.trace if e.kind == COIN}
    byz = set(base.byzantine)
    decisions: dict[int, int] = {}
    count, cut = 0, None
    for e in base.trace:
        if e.kind == DELIVER:
            count += 1
        elif e.kind == DECIDE and e.pid not in byz:
            decisions[e.pid] = int(e.value)
            bad = check_agreement(decisions) + check_validity(base.inputs, base.correct, decisions)
            if any(v.kind == kind for v in bad):
                cut = count
                break
    script = base.deliveries()
    best = base
    if cut is not None and cut < len(script):
        r = _rerun(base, script[:cut], coins)
        if r is not None and _kind_of(r) == kind:
            best, script = r, script[:cut]
    i = len(script) - 1
    while i >= 0 and time.perf_counter() < deadline:
        cand = script[:i] + script[i + 1 :]
        r = _rerun(base, cand, coins)
        if r is not None and any(v.kind == kind for v in r.violations):
            best, script = r, cand
        i -= 1
    return best


def _length(r: Run) -> int:
    return sum(1 for e in r.trace if e.kind == DELIVER)


def find_violation(
    n: int,
    t: int,
    *,
    variant: str = "crash",
    crashes: int = 0,
    byzantine: int = 0,
    rules: Rules | None = None,
    decided_policy: str = "keep_running",
    budget_s: float = 10.0,
    seed: int | None = None,
    max_runs: int | None = None,
    search: str = "auto",
    kind: str | None = None,
) -> Counterexample | NoViolation:
    """Search for a run that breaks agreement, validity or termination; return the shortest.

    Configurations outside the protocol's guarantees are accepted (that is the point).
    ``crashes``/``byzantine``: how many processes may crash / are Byzantine. ``rules``:
    deliberately broken thresholds (``standard_rules(...).with_changes(...)``). ``search``:
    "auto" (the exhaustive round-by-round search where it applies, then random runs),
    "exhaustive" or "random". ``max_runs`` caps the random runs (for reproducible results),
    ``budget_s`` the time. ``kind`` ("agreement", "validity" or "termination") looks for that
    kind of violation only; an agreement violation from mixed inputs (validity intact) is
    preferred among equally short ones.

    Termination: with real coins a repeated configuration proves nothing (the next coins
    could end it), so a termination violation is a blocked run (a correct process waits
    forever) or a reachable configuration from which no choice of deliveries, coins (and
    Byzantine messages) leads to every correct process deciding.

    Returns a :class:`Counterexample` (truthy: ``.kind``, ``.run``, ``.tried``,
    ``.explain()``), the one with the fewest deliveries found, or a falsy
    :class:`NoViolation` that still reports ``.tried``: ``if not result: print(result.tried)``.
    """
    start_time = time.perf_counter()
    n, t = check_n_t(n, t)
    variant = check_choice("variant", variant, RUN_VARIANTS)
    if variant == "bracha" and search == "exhaustive":
        raise ValueError(
            "search='exhaustive' covers Ben-Or's variants only (its round-by-round abstraction "
            "has no reliable broadcast); use search='auto' or 'random' for variant='bracha'"
        )
    crashes = check_int("crashes", crashes, 0, n - 1)
    byzantine = check_int("byzantine", byzantine, 0, n - 1)
    if crashes + byzantine >= n:
        raise ValueError(
            f"crashes + byzantine must leave a correct process: {crashes} + {byzantine} >= n={n}"
        )
    decided_policy = check_choice("decided_policy", decided_policy, DECIDED_POLICIES)
    search = check_choice("search", search, ("auto", "exhaustive", "random"))
    if kind is not None:
        kind = check_choice("kind", kind, ("agreement", "validity", "termination"))
    if search == "exhaustive" and decided_policy != "keep_running":
        raise ValueError(
            "search='exhaustive' covers only decided_policy='keep_running' (halting processes "
            "break the round-by-round abstraction); use search='auto' or 'random'"
        )
    budget_s = check_budget("budget_s", budget_s)
    if max_runs is not None:
        max_runs = check_int("max_runs", max_runs, 0)
    if rules is None:
        rules = standard_rules(n, t, variant, allow_unsafe=True)
    else:
        rules = check_rules(rules, n, t)
        if rules.variant != variant:
            raise ValueError(
                f"rules are for the {rules.variant} variant but variant={variant!r}; "
                "pass the matching variant"
            )
    rng = make_rng(seed)
    deadline = start_time + float(budget_s)
    faulty = [
        _counted(crashes, "crash", "crashes") if crashes else "no crash",
        _counted(byzantine, "Byzantine process", "Byzantine processes")
        if byzantine
        else "no Byzantine process",
    ]
    setting = f"{_rules_phrase(rules)}, with {_and_list(faulty)}" + _POLICY_WORDS.get(
        decided_policy, f" and the policy {decided_policy!r}"
    )
    if kind is not None:
        setting += f", looking for {kind} violations only"

    candidates: list[tuple[Run, str, str, _Model | None, _State | None, str]] = []
    tried, explored, complete = 0, 0, False
    if search != "random" and decided_policy == "keep_running" and rules.variant != "bracha":
        try:
            found, explored, complete = _exhaustive(
                rules,
                crashes,
                byzantine,
                min(deadline, start_time + 0.6 * budget_s),
                200_000,
                prefer_mixed=kind == "agreement",
            )
        except ValueError as exc:  # a Byzantine process's own copy cannot follow the script
            if search == "exhaustive":
                raise ValueError(
                    f"search='exhaustive' cannot replay this setting as concrete runs ({exc}); "
                    "use search='auto' or 'random'"
                ) from None
            found, explored, complete = [], 0, False
        for found_kind, r, model, dead, proof in found:
            tried += 1
            if kind is None or found_kind == kind:
                candidates.append(
                    (r, found_kind, "exhaustive round-by-round search", model, dead, proof)
                )
    if not candidates and search != "exhaustive":
        extra = None  # after a first hit, try this many more runs for a shorter one
        while time.perf_counter() < deadline and (max_runs is None or tried < max_runs):
            if extra is not None:
                if extra == 0:
                    break
                extra -= 1
            try:
                r, how = _random_run(rules, crashes, byzantine, decided_policy, rng, deadline)
            except _OutOfTime:  # the budget ran out inside a run: that run is dropped
                break
            tried += 1
            found_kind = _kind_of(r) if kind is None else _kind_if(r, kind)
            if found_kind is not None:
                candidates.append((r, found_kind, how, None, None, ""))
                if extra is None:
                    extra = 100
    elapsed = time.perf_counter() - start_time
    if not candidates:
        return NoViolation(tried, explored, elapsed, complete, setting, looking_for=kind)
    shrink_deadline = time.perf_counter() + max(0.5, 0.15 * budget_s)
    best = None
    for r, kind, how, model, dead, proof in sorted(candidates, key=lambda c: _length(c[0])):
        if dead is None:
            r = _shrink(r, kind, shrink_deadline)
        if best is None or _length(r) < _length(best[0]):
            best = (r, kind, how, model, dead, proof)
    r, kind, how, model, dead, proof = best
    return Counterexample(
        kind=kind,
        run=r,
        tried=tried,
        explored=explored,
        elapsed=time.perf_counter() - start_time,
        found_by=how,
        message=_violation_message(r, kind) if dead is None else proof,
        dead_config=None if dead is None else _config(dead),
        proof=proof,
        _model=model,
    )
