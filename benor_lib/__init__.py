"""benor_lib: Ben-Or's 1983 randomized consensus protocol, simulated, measured and drawn.

The public API: :func:`run` simulates one run event by event; :func:`sample_rounds` samples
the round count of many runs at once; :func:`exact_rounds` computes its exact distribution;
:func:`round_distribution` gives it in closed form at any size.
"""

from benor_lib.apps.stepper.model import StepperSession, StepperSettings
from benor_lib.distributions.exact import EXACT_MAX_N, exact_rounds
from benor_lib.distributions.phase_type import RoundDistribution, round_distribution
from benor_lib.distributions.sample import RoundSample, distribution_distance, sample_rounds, sweep
from benor_lib.impossibility import (
    Counterexample,
    Lasso,
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
from benor_lib.protocol.events import Event
from benor_lib.protocol.process import Process
from benor_lib.protocol.rules import Rules, bound_holds, standard_rules
from benor_lib.simulation.checks import (
    check_agreement,
    check_run,
    check_termination,
    check_validity,
)
from benor_lib.simulation.faults import Byzantine, Crash
from benor_lib.simulation.network import run
from benor_lib.simulation.result import Message, Run, Violation
from benor_lib.simulation.schedulers import SCHEDULER_NAMES, Scripted

__all__ = [
    "COIN_NAMES",
    "Counterexample",
    "Lasso",
    "NoViolation",
    "ValenceReport",
    "adversary_success",
    "classify_model",
    "demonstrate",
    "explore_valence",
    "find_endless_run",
    "find_violation",
    "EXACT_MAX_N",
    "RoundDistribution",
    "RoundSample",
    "distribution_distance",
    "exact_rounds",
    "round_distribution",
    "sample_rounds",
    "sweep",
    "SCHEDULER_NAMES",
    "Byzantine",
    "Crash",
    "Event",
    "Message",
    "Process",
    "Rules",
    "Run",
    "Scripted",
    "StepperSession",
    "StepperSettings",
    "Violation",
    "bound_holds",
    "check_agreement",
    "check_run",
    "check_termination",
    "check_validity",
    "run",
    "standard_rules",
]
