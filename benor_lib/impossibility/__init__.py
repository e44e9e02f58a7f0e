"""Impossibility made visible: the valence explorer, the endless-run finder, the break-it search.

The abstraction
---------------
Ben-Or's processes are *communication-closed*: in round r, phase k a process acts on exactly
the first n - t messages of that round and phase it receives, keeps messages of later rounds
and phases for later, and ignores late messages of earlier ones. So when no process halts,
every asynchronous run is equivalent, process by process, to one delivered round by round
and phase by phase (Elrad and Francez's communication-closed layers): each process's view,
and so everything it does, depends only on *which* n - t messages it hears in each phase.
This module explores exactly that choice, and nothing finer.

A *configuration* is the state at a round boundary: for every correct process its x and its
decision (if any). One step of the explorer is one round:

* phase 1: the adversary picks, for every process, n - t of the reports of the round
  (Byzantine processes may send a different value to each process); only how many 0s and 1s
  a process hears matters, so the choice is a count;
* phase 2: likewise for the proposals, D(0), D(1) and ``?``;
* a process that hears no D-message flips its coin: a deterministic rule ("keep", "zero",
  "pid_parity") gives one value; a real coin gives either (both are explored, nature's
  choice).

What each process does with the counts it hears is computed by the library's own
:class:`~benor_lib.protocol.process.Process`, fed the corresponding messages, so the explorer can
never disagree with the simulator. Processes whose future behaviour is the same (equal x and
decision, and equal pid parity under "pid_parity") are interchangeable, so configurations
are merged up to such permutations; the graph is finite and is explored to a fixpoint (or,
for the valence classification, to ``max_rounds`` rounds). A configuration is *0-valent* or
*1-valent* when every decision reachable from it is 0 (or 1), *bivalent* when both are
reachable, and "no decision" when none is.

Every path of the graph is realised by a concrete delivery script: each process is handed
the n - t messages the path says it hears, in that order (optionally followed by every other
message of the phase, which then arrives late and is ignored, so that the schedule is fair).
Scripts run through :func:`benor_lib.run` with the :class:`~benor_lib.Scripted` scheduler,
so every configuration, endless run and counterexample reported here is a replayable
:class:`~benor_lib.Run`.

The abstraction covers crash-free runs, processes crashed from the start, and Byzantine
processes, under the default policy (decided processes keep running). Crashes in the middle
of a broadcast and the halting policies are outside it; :func:`find_violation` covers those
by random search over concrete runs with many schedulers, crash points and Byzantine scripts.

The package's modules: :mod:`~benor_lib.impossibility.abstraction` (configurations and the
graph of rounds), :mod:`~benor_lib.impossibility.valence` (valence and endless runs),
:mod:`~benor_lib.impossibility.breakit` (the break-it search),
:mod:`~benor_lib.impossibility.models` (which result applies to a model) and
:mod:`~benor_lib.impossibility.coin_attack` (an adversary that reads the common coin).
"""

from __future__ import annotations

from benor_lib.impossibility.abstraction import (
    EXHAUSTIVE_MAX_CORRECT,
    VALENCE_MAX_N,
    VALENCES,
    Config,
)
from benor_lib.impossibility.breakit import (
    Counterexample,
    NoViolation,
    find_violation,
    static_termination_reason,
)
from benor_lib.impossibility.models import (
    DEMO_DELIVERIES_PER_S,
    Demonstration,
    ModelVerdict,
    classify_model,
    demonstrate,
)
from benor_lib.impossibility.valence import (
    Lasso,
    ValenceReport,
    adversary_success,
    classify,
    explore_valence,
    find_endless_run,
)

__all__ = [
    "DEMO_DELIVERIES_PER_S",
    "EXHAUSTIVE_MAX_CORRECT",
    "VALENCE_MAX_N",
    "VALENCES",
    "Config",
    "Counterexample",
    "Demonstration",
    "Lasso",
    "ModelVerdict",
    "NoViolation",
    "ValenceReport",
    "adversary_success",
    "classify",
    "classify_model",
    "demonstrate",
    "explore_valence",
    "find_endless_run",
    "find_violation",
    "static_termination_reason",
]
