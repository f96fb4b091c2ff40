"""Third parties, the faults and the clock (issue 17): servers down keep messages pending and
retried; reminders, escalation and overdue follow an injected "now", never the wall clock; a
kill goes out as ninjs `canceled`; a Superdesk publish_queue export maps onto deliveries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from recipients_servers import SmtpServer, WebhookReceiver, free_port

from wirefix.config import HttpSettings
from wirefix.deliveries import Delivery
from wirefix.model import Correction, Event, Notice
from wirefix.recipients import config as rconfig
from wirefix.recipients.ack import AckRefused, acknowledge
from wirefix.recipients.deliveries import read
from wirefix.recipients.notify import notify
from wirefix.storage import Database
from wirefix.storage.deliveries import RecipientStore

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECRET = "k" * 32
HTTP = HttpSettings(connect_timeout=2, read_timeout=5, retries=1, backoff=0)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.ensure_schema()
    yield database
    database.close()


def cfg(smtp_port: int, hook_url: str, max_reminders: int = 1) -> rconfig.RecipientsConfig:
    return rconfig.parse(
        {
            "recipients": [
                {"name": "alpha", "email": "desk@alpha.example"},
                {"name": "beta", "webhook": hook_url, "secret_env": "WIREFIX_TEST_BETA"},
            ],
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "from": "w@newsroom.example"},
            "ack": {"base_url": "https://ack.example/a"},
            "recipients_policy": {
                "remind_after_hours": 24,
                "max_reminders": max_reminders,
                "retry_minutes": 5,
            },
        }
    )


def notice(kind: str = "correction") -> Notice:
    return Notice(
        agency="AFP",
        kind=kind,  # type: ignore[arg-type]
        language="en",
        corrections=[Correction("byline", "ERIC FEFERBERG", "MOHAMAD ABAZEED")]
        if kind == "correction"
        else [],
        identifiers={"transmission_ref": "000_NG3LP"},
        event=Event(date="2017-02-20"),
        photographer=None,
        urgency=None,
        status="parsed",
        text=f"AFP {kind} of 000_NG3LP",
        source="test",
        source_kind="text",
    )


def deliver(db: Database, *names: str, ref: str = "000_NG3LP") -> None:
    RecipientStore(db).add_deliveries(
        [
            Delivery(
                recipient=name,
                delivered_at=T0 - timedelta(days=3),
                source="test",
                identifiers=(ref.casefold(),),
                file_name="SYRIA-CONFLICT-000_NG3LP.jpg",
                uri="urn:newsml:sd.example:2017:abc",
                version=3,
            )
            for name in names
        ]
    )


def test_servers_down_keep_messages_pending_then_retried(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREFIX_TEST_BETA", SECRET)
    smtp = SmtpServer(free_port())  # not started: connection refused
    hook = WebhookReceiver(SECRET.encode(), status=503).start()
    try:
        config = cfg(smtp.port, hook.url)
        db.add_notice(notice())
        deliver(db, "alpha", "beta")
        clock = Clock(T0)
        first = notify(db, config, "op", HTTP, clock=clock, sleep=lambda s: None)
        assert first.told == []
        assert {(p["recipient"], p["attempts"]) for p in first.pending} == {
            ("alpha", 1),
            ("beta", 1),
        }
        assert "HTTP 503" in next(p["error"] for p in first.pending if p["recipient"] == "beta")
        assert len(hook.received) == 2, "retried once, with backoff, within the attempt"
        # Before the retry delay nothing is tried again.
        clock.now = T0 + timedelta(minutes=1)
        assert notify(db, config, "op", HTTP, clock=clock).pending == []
        smtp.start()
        hook.status = 202
        clock.now = T0 + timedelta(minutes=6)
        later = notify(db, config, "op", HTTP, clock=clock)
        assert {
            (t["recipient"], t["detail"].startswith(("<", "HTTP 202"))) for t in later.told
        } == {
            ("alpha", True),
            ("beta", True),
        }
        assert len(smtp.messages) == 1 and hook.received[-1].signature_ok
        item = hook.received[-1].item
        assert item["uri"] == "urn:newsml:sd.example:2017:abc" and item["version"] == "4"
        entries = [json.loads(r.payload) for r in db.audit_entries(1)]
        assert [e["action"] for e in entries] == ["notify", "notify"], "failures are not entries"
        clock.now = T0 + timedelta(hours=2)
        assert notify(db, config, "op", HTTP, clock=clock).told == []
    finally:
        smtp.stop()
        hook.stop()


def test_reminders_then_escalation_follow_the_injected_clock(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREFIX_TEST_BETA", SECRET)
    smtp = SmtpServer().start()
    try:
        config = cfg(smtp.port, "http://127.0.0.1:9/unused", max_reminders=1)
        db.add_notice(notice())
        deliver(db, "alpha")
        clock = Clock(T0)
        assert len(notify(db, config, "op", HTTP, clock=clock).told) == 1
        clock.now = T0 + timedelta(hours=23)
        quiet = notify(db, config, "op", HTTP, clock=clock)
        assert quiet.reminded == [] and quiet.overdue == 0
        clock.now = T0 + timedelta(hours=24)
        due = notify(db, config, "op", HTTP, clock=clock)
        assert [r["round"] for r in due.reminded] == [1] and due.overdue == 1
        assert smtp.messages[-1][1]["Subject"].startswith("Reminder 1:")
        clock.now = T0 + timedelta(hours=47)
        assert notify(db, config, "op", HTTP, clock=clock).escalated == []
        clock.now = T0 + timedelta(hours=48)
        flagged = notify(db, config, "op", HTTP, clock=clock)
        assert [e["recipient"] for e in flagged.escalated] == ["alpha"]
        assert notify(db, config, "op", HTTP, clock=clock).escalated == [], "flagged once"
        assert len(smtp.messages) == 2
        # Any link sent (the first or the reminder's) acknowledges; then none does again.
        text = smtp.messages[0][1].get_payload(decode=True).decode()
        token = text.split("Acknowledge: https://ack.example/a/", 1)[1].split()[0]
        done = acknowledge(db, token, "Ann", "cli", "op", clock=clock)
        assert done.notification.acknowledged_by == "Ann"
        with pytest.raises(AckRefused, match="already acknowledged"):
            acknowledge(db, token, None, "cli", "op", clock=clock)
        with pytest.raises(AckRefused, match="unknown"):
            acknowledge(db, token[:-2] + "xx", None, "cli", "op", clock=clock)
        clock.now = T0 + timedelta(hours=100)
        assert notify(db, config, "op", HTTP, clock=clock).overdue == 0
        actions = [json.loads(r.payload)["action"] for r in db.audit_entries(1)]
        assert actions == ["notify", "remind", "escalate", "ack", "ack"]
    finally:
        smtp.stop()


def test_kill_goes_out_canceled_and_unrelated_recipients_hear_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIREFIX_TEST_BETA", SECRET)
    hook = WebhookReceiver(SECRET.encode()).start()
    try:
        config = cfg(free_port(), hook.url)
        db.add_notice(notice("kill"))
        deliver(db, "beta")
        deliver(db, "alpha", ref="000_OTHER")  # another photo
        result = notify(db, config, "op", HTTP, clock=Clock(T0))
        assert [t["recipient"] for t in result.told] == ["beta"] and result.pending == []
        item = hook.received[0].item
        assert item["pubstatus"] == "canceled" and "KILL" in item["ednote"]
        assert "by" not in item
    finally:
        hook.stop()


def test_superdesk_publish_queue_export_maps_onto_deliveries(tmp_path: Path) -> None:
    config = rconfig.parse(
        {
            "recipients": [
                {"name": "alpha", "email": "a@x.example", "subscriber_id": "5b1f00aa"},
                {"name": "beta-cms", "email": "b@x.example"},
            ],
            "smtp": {"host": "127.0.0.1"},
            "ack": {"base_url": "https://ack.example/"},
        }
    )
    rows = [
        {"subscriber_id": "5b1f00aa", "item_id": "urn:newsml:afp.com:20170220:000_NG3LP",
         "item_version": 3, "state": "success", "completed_at": "2017-02-20T10:05:00+0000",
         "destination": {"name": "ftp-alpha"}},
        {"subscriber_id": "77", "destination": {"name": "beta-cms"}, "item_id": "urn:x:1",
         "state": "success", "transmit_started_at": "2017-02-20T11:00:00Z"},
        {"subscriber_id": "5b1f00aa", "item_id": "urn:x:2", "state": "failed",
         "completed_at": "2017-02-20T12:00:00Z"},
    ]  # fmt: skip
    export = tmp_path / "publish_queue.jsonl"
    export.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    found = read(export, config, {})
    assert found.skipped == [f"{export}:3"], "only state success was delivered"
    first, second = found.deliveries
    assert first.recipient == "alpha" and first.version == 3
    assert first.uri == "urn:newsml:afp.com:20170220:000_NG3LP"
    assert "000_ng3lp" in first.identifiers
    assert first.delivered_at == datetime(2017, 2, 20, 10, 5, tzinfo=UTC)
    assert second.recipient == "beta-cms" and second.delivered_at.hour == 11


def test_an_ack_token_never_reads_as_an_option(monkeypatch) -> None:
    """`wirefix ack TOKEN` with a token starting with "-" was taken for an option (exit 2)."""
    import secrets

    from wirefix.recipients import notify

    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: "-" + "x" * 42)
    token = notify.new_token()
    assert not token.startswith("-") and token.endswith("-" + "x" * 42)
