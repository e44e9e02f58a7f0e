"""What the chapters compute for their tables and figures, as tested functions rather than
notebook cells. The chapters only format the results; everything that could be wrong is here.

One module per job:

- :mod:`~benor_lib.analysis.outcomes`: each process's value round by round, outcome tallies
  by the number of ones (chapters 2 to 4);
- :mod:`~benor_lib.analysis.safety`: what the safety lemmas and the termination argument
  are about, read from traces and tallied over many runs (correctness chapter);
- :mod:`~benor_lib.analysis.rounds`: undecided shares, the exact law split by how the last
  round ended, round statistics against n (rounds chapter);
- :mod:`~benor_lib.analysis.byzantine`: protocol B against liars of each behaviour;
- :mod:`~benor_lib.analysis.breakit`: the break-it lab (framing chapter), the search with a
  fallback and a reader's broken thresholds;
- :mod:`~benor_lib.analysis.key_rounds`: which round of a run to show, and its steps in words;
- :mod:`~benor_lib.analysis.round_table` and :mod:`~benor_lib.analysis.after`: one round as
  a table, and the "After Ben-Or" chapter's numbers.

This package re-exports the functions and result types of the first six.
"""

from benor_lib.analysis.breakit import (
    BROKEN_CASES,
    RESULT_LABELS,
    SOUND_CASES,
    THRESHOLD_FIELDS,
    LabCase,
    LabResult,
    break_it_lab,
    changed_thresholds,
    rules_from_answer,
    safe_find_violation,
)
from benor_lib.analysis.byzantine import (
    BEHAVIOURS,
    SURVIVAL_SCHEDULERS,
    SurvivalRow,
    SurvivalTally,
    byzantine_survival,
)
from benor_lib.analysis.key_rounds import key_round, key_sentences
from benor_lib.analysis.outcomes import outcomes_by_ones, round_values
from benor_lib.analysis.rounds import (
    EventRounds,
    cached_exact_rounds,
    decision_split,
    event_rounds,
    exact_by_n,
    exact_mean,
    exact_quantile,
    sampled_by_n,
    split_round_ends_run,
    split_success_probability,
    undecided_share,
    undecided_tail,
)
from benor_lib.analysis.safety import (
    d_values_by_round,
    first_decision_pull,
    reports_before_coins,
    safety_sweep,
)

__all__ = [
    "key_sentences",
    "key_round",
    "safe_find_violation",
    "rules_from_answer",
    "changed_thresholds",
    "THRESHOLD_FIELDS",
    "RESULT_LABELS",
    "BEHAVIOURS",
    "BROKEN_CASES",
    "SOUND_CASES",
    "SURVIVAL_SCHEDULERS",
    "EventRounds",
    "LabCase",
    "LabResult",
    "SurvivalRow",
    "SurvivalTally",
    "break_it_lab",
    "byzantine_survival",
    "cached_exact_rounds",
    "d_values_by_round",
    "decision_split",
    "event_rounds",
    "exact_by_n",
    "exact_mean",
    "exact_quantile",
    "first_decision_pull",
    "outcomes_by_ones",
    "reports_before_coins",
    "round_values",
    "safety_sweep",
    "sampled_by_n",
    "split_round_ends_run",
    "split_success_probability",
    "undecided_share",
    "undecided_tail",
]
