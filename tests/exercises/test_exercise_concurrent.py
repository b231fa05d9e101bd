"""Two controllers release the same inject at once (issue 16 known gap, now closed): the
release and its message's outbox rows are one transaction that claims the exercise first, so
exactly one message is queued and leaves, and the other controller is refused with a clear
error; on SQLite and on PostGIS. The start with a communication test likewise, and a release
whose message cannot be sent records nothing."""

from __future__ import annotations

import threading

import pytest
from tests.exercises.conftest import ACCIDENT, T0

from hazatlas.delivery.outbox import Outbox
from hazatlas.domain.errors import ConflictError, PermissionDeniedError
from hazatlas.services import exercises
from hazatlas.services.exercises import play
from hazatlas.services.notify import NotifyService, outbox_config

pytestmark = pytest.mark.usefixtures("directory", "plan")


def _exercise(db, people, clock, settings) -> None:
    md = people["md"]
    exercises.create(db, md, exercise_id="dd-twice", title="Two controllers (example)",
                     type="table_top", parties=["MDA", "ROU", "UKR"], plan_id="danube-delta",
                     scheduled_on=T0.date().isoformat(), accident=ACCIDENT,
                     staff=[("admin", "controller")])
    exercises.add_inject(db, md, "dd-twice", inject_id="W", offset_s=0, from_party="MDA",
                         synopsis="Slick drifts downstream", to=["ROU", "UKR"],
                         expected_action="Acknowledge", message={"type": "early_warning"})
    exercises.start(db, md, settings, "dd-twice", clock=clock.at(0))


def _warnings(db, people, settings) -> list[str]:
    reports = NotifyService(db, people["admin"], settings).list_reports()
    return [r["id"] for r in reports if r["type"] == "early_warning"]


def test_two_controllers_release_one_inject(db, people, clock, settings, mailbox, monkeypatch):
    _exercise(db, people, clock, settings)
    clock.at(5)
    outcome: dict[str, object] = {}

    def release(who: str) -> None:
        try:
            got = exercises.release(db, people[who], settings, "dd-twice", "W", clock=clock)
            outcome[who] = got["released"]
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome[who] = exc

    second = threading.Thread(target=release, args=("admin",))
    send = play._send
    entered: list[str] = []

    def interleave(*args, **kwargs):
        # The first caller, while its message is being written, lets the second controller
        # release the same inject. The second must wait for the first's claim (or, without
        # one, would send a second message); the first then goes on.
        entered.append(threading.current_thread().name)
        if len(entered) == 1:
            second.start()
            second.join(timeout=2)  # it stays blocked on the claim: the first goes on anyway
        return send(*args, **kwargs)

    monkeypatch.setattr(play, "_send", interleave)
    release("md")
    second.join()

    assert outcome["md"] == ["W"]
    refused = outcome["admin"]
    assert isinstance(refused, ConflictError), refused
    assert "inject 'W' was released at" in str(refused)
    assert "by md; nothing was sent" in str(refused)
    assert len(entered) == 1  # the second caller never reached the message

    warnings = _warnings(db, people, settings)
    assert len(warnings) == 1
    ex = exercises.get(db, people["md"], "dd-twice")
    assert ex["injects"][0]["report_id"] == warnings[0]
    assert [e["inject_id"] for e in ex["journal"] if e["kind"] == "inject"] == ["W"]
    assert Outbox(db, outbox_config(settings, db, threads=1)).run_once() == 2  # ROU and UKR
    for address in ("poc@ro.example", "poc@ua.example"):
        mails = [m for m in mailbox.to(address)
                 if warnings[0] in str(m["Subject"]) + m.get_body(("plain",)).get_content()]
        assert len(mails) == 1


def test_simultaneous_releases(db, people, clock, settings):
    """Without any interleaving forced: both start together; one wins."""
    _exercise(db, people, clock, settings)
    clock.at(5)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def release(who: str) -> None:
        barrier.wait()
        try:
            results.append(exercises.release(db, people[who], settings, "dd-twice", "W",
                                             clock=clock)["released"])
        except ConflictError as exc:
            results.append(exc)

    threads = [threading.Thread(target=release, args=(w,)) for w in ("md", "admin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(type, results), key=str) == sorted([list, ConflictError], key=str)
    assert len(_warnings(db, people, settings)) == 1


def test_a_message_that_cannot_be_sent_records_nothing(db, people, clock, settings):
    """The release of an inject sent as Romania by Moldova's controller is refused whole: the
    inject stays unreleased, no report, no journal entry."""
    _exercise(db, people, clock, settings)
    exercises.add_inject(db, people["md"], "dd-twice", inject_id="R", offset_s=0,
                         from_party="ROU", synopsis="Romania warns", to=["UKR"],
                         message={"type": "early_warning"})
    with pytest.raises(PermissionDeniedError, match="inject 'R' is sent as ROU"):
        exercises.release(db, people["md"], settings, "dd-twice", clock=clock.at(5))
    ex = exercises.get(db, people["md"], "dd-twice")
    assert all(i["released_at"] is None for i in ex["injects"])  # W, due too, is not released
    assert not [e for e in ex["journal"] if e["kind"] == "inject"]
    assert _warnings(db, people, settings) == []


def test_two_controllers_start_with_a_communication_test(db, people, clock, settings,
                                                          monkeypatch):
    """Starting the clock with a communication test is claimed the same way: the second start
    waits for the first and is refused; one campaign, one Test message."""
    md = people["md"]
    exercises.create(db, md, exercise_id="dd-start", title="Two starts (example)",
                     type="table_top", parties=["MDA", "ROU", "UKR"], plan_id="danube-delta",
                     scheduled_on=T0.date().isoformat(), accident=ACCIDENT,
                     staff=[("admin", "controller")])
    outcome: dict[str, object] = {}

    def start(who: str) -> None:
        try:
            outcome[who] = exercises.start(db, people[who], settings, "dd-start",
                                           communication_test_window_s=900,
                                           clock=clock.at(0))["campaign_id"]
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome[who] = exc

    second = threading.Thread(target=start, args=("admin",))
    campaign = NotifyService.start_campaign
    calls: list[str] = []

    def interleave(self, *args, **kwargs):
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            second.start()
            second.join(timeout=2)  # it stays blocked on the claim: the first goes on anyway
        return campaign(self, *args, **kwargs)

    monkeypatch.setattr(NotifyService, "start_campaign", interleave)
    start("md")
    second.join()
    assert isinstance(outcome["md"], int)
    assert isinstance(outcome["admin"], ConflictError), outcome["admin"]
    assert "is running, not planned" in str(outcome["admin"])
    assert len(calls) == 1
    tests = [r for r in NotifyService(db, people["admin"], settings).list_reports()
             if r["type"] == "test"]
    assert [r["campaign_id"] for r in tests] == [outcome["md"]]
