"""benor_lib: Ben-Or's 1983 randomized consensus protocol, simulated, measured and drawn.

The public API, importable from the package itself (the README's table):

* one run, event by event: :func:`run` (returns a :class:`Run`, which replays and narrates
  itself), with :class:`Crash`, :class:`Byzantine` faults and the :class:`Scripted`
  scheduler; :func:`standard_rules` and :class:`Rules` (the thresholds as data);
* the round count of many runs: :func:`sample_rounds` (vectorised), :func:`exact_rounds`
  (exact, as an array), :func:`round_distribution` (exact, closed form, any size),
  :func:`distribution_distance` and :func:`sweep`;
* impossibility made visible: :func:`find_violation`, :func:`find_endless_run`,
  :func:`explore_valence`, :func:`adversary_success`, :func:`classify_model`,
  :func:`demonstrate`;
* the properties a run must have: :func:`check_agreement`, :func:`check_validity`,
  :func:`check_termination`, :func:`check_run`;

and the result types they return (:class:`Run` with :class:`RunStatus`,
:class:`EndReason`, :class:`Event`, :class:`EventKind`, :class:`Phase`,
:class:`Delivery`, :class:`Message`, :class:`Violation`; :class:`RoundSample`,
:class:`RoundDistribution`; :class:`Counterexample`, :class:`NoViolation`, :class:`Lasso`,
:class:`ValenceReport`, :class:`ModelVerdict`, :class:`Demonstration`). Everything else
lives in the layer packages (``protocol``, ``simulation``, ``distributions``,
``impossibility``, ``analysis``, ``figures``, ``publish``, ``apps``, ``classroom``); the
interactive apps are imported from ``benor_lib.apps``, never from here.
"""

from benor_lib.distributions.compare import distribution_distance, sweep
from benor_lib.distributions.exact import EXACT_MAX_N, exact_rounds
from benor_lib.distributions.phase_type import RoundDistribution, round_distribution
from benor_lib.distributions.sample import RoundSample, sample_rounds
from benor_lib.impossibility import (
    Counterexample,
    Demonstration,
    Lasso,
    ModelVerdict,
    NoViolation,
    ValenceReport,
    adversary_success,
    classify_model,
    demonstrate,
    explore_valence,
    find_endless_run,
    find_violation,
)
from benor_lib.protocol.coins import COIN_NAMES
from benor_lib.protocol.events import Delivery, Event, EventKind, Phase
from benor_lib.protocol.process import Process
from benor_lib.protocol.rules import Rules, bound_holds, max_t, standard_rules
from benor_lib.simulation.checks import (
    check_agreement,
    check_run,
    check_termination,
    check_validity,
)
from benor_lib.simulation.faults import Byzantine, Crash
from benor_lib.simulation.network import replay, run
from benor_lib.simulation.result import EndReason, Message, Run, RunStatus, Violation
from benor_lib.simulation.schedulers import SCHEDULER_NAMES, Scripted

__all__ = [
    # one run
    "run",
    "replay",
    "Crash",
    "Byzantine",
    "Scripted",
    "Rules",
    "standard_rules",
    "bound_holds",
    "max_t",
    "Process",
    "SCHEDULER_NAMES",
    "COIN_NAMES",
    # round counts of many runs
    "sample_rounds",
    "exact_rounds",
    "round_distribution",
    "distribution_distance",
    "sweep",
    "EXACT_MAX_N",
    # impossibility
    "find_violation",
    "find_endless_run",
    "explore_valence",
    "adversary_success",
    "classify_model",
    "demonstrate",
    # properties
    "check_agreement",
    "check_validity",
    "check_termination",
    "check_run",
    # result types
    "Run",
    "RunStatus",
    "EndReason",
    "Event",
    "EventKind",
    "Phase",
    "Delivery",
    "Message",
    "Violation",
    "RoundSample",
    "RoundDistribution",
    "Counterexample",
    "NoViolation",
    "Lasso",
    "ValenceReport",
    "ModelVerdict",
    "Demonstration",
]
