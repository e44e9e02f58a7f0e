"""The trace of a run: typed events (benor_lib.protocol.events) and their narration
(benor_lib.simulation.narrate)."""

from __future__ import annotations

import pytest

from benor_lib import Crash, run
from benor_lib.protocol.events import (
    CRASH,
    DECIDE,
    DELIVER,
    PROPOSAL,
    REPORT,
    SEND,
    Delivery,
    EventKind,
)
from benor_lib.simulation.narrate import narrate_event, value_name


@pytest.fixture(scope="module")
def crash_run():
    return run(5, 1, [0, 1, 1, 0, 1], faults=[Crash(4, round=1, phase=1, after=2)], seed=4)


def test_every_event_is_typed_and_its_fields_mean_one_thing(crash_run) -> None:
    assert crash_run.trace
    for e in crash_run.trace:
        assert isinstance(e.kind, EventKind) and 0 <= e.pid < crash_run.n and e.round >= 1
        if e.kind == DELIVER:
            assert isinstance(e.delivery, Delivery) and e.sender is not None
        if e.kind == SEND:
            assert e.receivers and e.sender is None
        if e.kind == DECIDE:
            assert crash_run.decisions[e.pid] == e.value
            assert len(e.heard) == len(e.senders) == crash_run.rules.quorum


def test_a_cut_short_send_reaches_only_the_first_receivers(crash_run) -> None:
    sends = [e for e in crash_run.trace if e.kind == SEND and e.pid == 4]
    assert [s.receivers for s in sends if s.cut_short] == [(0, 1)]
    assert any(e.kind == CRASH and e.pid == 4 for e in crash_run.trace)


def test_every_event_has_a_sentence(crash_run) -> None:
    for e in crash_run.trace:
        sentence = narrate_event(e, crash_run.rules)
        assert sentence and f"p{e.pid}" in sentence, (e, sentence)


def test_value_names() -> None:
    assert value_name(REPORT, 1) == "1"
    assert value_name(PROPOSAL, 0) == "D(0)" and value_name(PROPOSAL, None) == "?"
