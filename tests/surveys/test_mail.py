"""Mail through a real SMTP server on loopback (aiosmtpd), read back as it arrived:
invitations, reminders and digests; a server that is down; nothing sent twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from graph_models import EngagementCreate, ReferralCreate
from graph_models.enums import EngagementKind, EngagementStatus
from graph_models.mail import MailKind
from service import cli
from service.app import create_app
from service.surveys.digest import queue_digests
from service.surveys.mail import send_pending
from tests.conftest import ADMIN_TOKEN, free_port
from tests.surveys.conftest import AT_CLINIC, AT_HUB, AT_WIC, ratings, round_body
from tests.surveys.smtp import Inbox, body_of, link_in, smtp_server


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port) -> Iterator[Inbox]:
    """A real SMTP server on a loopback port, keeping what it receives."""
    with smtp_server(smtp_port) as received:
        yield received


@pytest.fixture
def mail_settings(settings, smtp_port):
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_starttls": False,
            "smtp_from": "Hub surveys <surveys@hub.example>",
            "public_url": "http://testserver",
        }
    )


@pytest.fixture
def mail_client(mail_settings, network):
    with TestClient(create_app(mail_settings, store=network)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        yield client


def test_each_respondent_is_mailed_their_own_link_and_it_opens_their_form(inbox, mail_client):
    started = mail_client.post(
        "/api/v1/survey-rounds", json=round_body(title='Spring "partner" survey & check-in <3')
    )
    assert started.status_code == 201
    assert len(inbox.messages) == len(AT_HUB + AT_WIC + AT_CLINIC)
    [to_wen] = inbox.to("wen@wic.example")
    assert to_wen["Subject"] == 'Hub asks: Spring "partner" survey & check-in <3'
    assert to_wen["From"] == "Hub surveys <surveys@hub.example>"
    assert to_wen.get_content_type() == "text/plain"
    assert "Dear Wen," in body_of(to_wen)
    form = mail_client.get(link_in(to_wen).replace("/survey/", "/api/survey-links/"))
    assert (form.json()["respondent"], form.json()["title"]) == (
        "Wen",
        'Spring "partner" survey & check-in <3',
    )
    page = mail_client.get(link_in(to_wen), headers={"Authorization": ""})
    assert "Spring &#34;partner&#34; survey &amp; check-in &lt;3" in page.text
    outbox = mail_client.get(f"/api/v1/survey-rounds/{started.json()['id']}/mail").json()
    assert {m["kind"] for m in outbox} == {"invitation"}
    assert all(m["sent_at"] and m["attempts"] == 1 for m in outbox)


def test_a_reminder_goes_only_to_those_who_have_not_answered(inbox, mail_client):
    round_id = mail_client.post("/api/v1/survey-rounds", json=round_body()).json()["id"]
    [to_wen] = inbox.to("wen@wic.example")
    token = link_in(to_wen).rsplit("/", 1)[1]
    saved = mail_client.put(
        f"/api/survey-links/{token}/answers",
        json={"version": 0, "answers": [ratings("wic", 3, 3, "green")]},
    )
    assert saved.status_code == 200
    inbox.messages.clear()
    reminded = mail_client.post(f"/api/v1/survey-rounds/{round_id}/reminders")
    assert reminded.status_code == 201
    assert len(reminded.json()) == len(AT_HUB + AT_WIC + AT_CLINIC) - 1
    page = mail_client.post(f"/surveys/{round_id}/remind")
    assert "7 reminder(s) on their way" in page.text
    assert len(inbox.to("will@wic.example")) == 2
    inbox.messages.remove(inbox.to("will@wic.example")[1])
    assert inbox.to("wen@wic.example") == []
    [to_will] = inbox.to("will@wic.example")
    assert to_will["Subject"] == "Reminder: Spring partner survey"
    assert "/survey/" in link_in(to_will)


def test_with_the_server_down_the_round_opens_and_each_send_is_kept_then_sent_once(
    mail_settings, network, smtp_port
):
    with TestClient(create_app(mail_settings, store=network)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        started = client.post("/api/v1/survey-rounds", json=round_body())
        assert started.status_code == 201
        outbox = client.get(f"/api/v1/survey-rounds/{started.json()['id']}/mail").json()
        page = client.get(f"/surveys/{started.json()['id']}").text
    assert "Mail: 0 sent; <strong>8 not sent yet</strong>" in page
    assert "cannot reach the SMTP server" in page
    assert len(outbox) == 8
    assert all(m["sent_at"] is None and m["attempts"] == 1 for m in outbox)
    assert all("cannot reach the SMTP server" in m["last_error"] for m in outbox)

    with smtp_server(smtp_port) as received:
        report = send_pending(network, mail_settings)
        again = send_pending(network, mail_settings)
    assert (len(report.sent), report.failed) == (8, [])
    assert (again.sent, again.failed) == ([], [])
    assert sorted(m["To"].addresses[0].addr_spec for m in received.messages) == sorted(
        m["to_address"] for m in outbox
    )
    assert len({m["X-Stakeholder-Graph-Mail"] for m in received.messages}) == 8
    assert all(m.sent_at for m in network.list_mail())


def test_the_cli_sends_each_organization_its_digest_without_a_case_ref(
    inbox, mail_settings, network, monkeypatch
):
    network.create_referral(
        ReferralCreate(
            case_ref="C-SECRET-77",
            from_org="wic",
            to_org="hub",
            sent_at=datetime.now(UTC) - timedelta(days=60),
            consent=True,
            category="domestic_violence",
        ),
        recorded_by="seed",
    )
    network.create_engagement(
        EngagementCreate(
            kind=EngagementKind.MEETING,
            title="Check-in with WIC & Lane",
            date=date.today() + timedelta(days=2),
            status=EngagementStatus.PLANNED,
            org_ids=["hub", "wic"],
        )
    )
    for name, value in mail_settings.model_dump(mode="json").items():
        if value is not None and not isinstance(value, dict):
            monkeypatch.setenv(f"STAKEHOLDER_GRAPH_{name.upper()}", str(value))
    for secret in ("smtp_password", "neo4j_password", "admin_token"):
        value = getattr(mail_settings, secret)
        if value is not None:
            monkeypatch.setenv(f"STAKEHOLDER_GRAPH_{secret.upper()}", value.get_secret_value())
    network.close()  # the command opens the store itself, as it would in its own process
    assert cli.main(["mail", "digest"]) == 0
    [to_hana] = inbox.to("hana@hub.example")
    text = body_of(to_hana)
    assert to_hana["Subject"] == "What needs doing at Hub"
    assert "1 referral(s) you received still need your feedback" in text
    assert "Check-in with WIC & Lane (meeting)" in text
    [to_wen] = inbox.to("wen@wic.example")
    assert "1 referral(s) you sent are still waiting for feedback" in body_of(to_wen)
    assert all("C-SECRET-77" not in body_of(m) for m in inbox.messages)
    assert inbox.to("cleo@clinic.example") == []  # nothing to do at the clinic
    assert cli.main(["mail", "send"]) == 0
    assert len(inbox.messages) == len(AT_HUB) + len(AT_WIC)


def test_digests_name_the_open_rounds_an_organization_runs_or_is_asked_in(network, mail_client):
    mail_client.post("/api/v1/survey-rounds", json=round_body())
    report = queue_digests(network, org_id=None, now=datetime.now(UTC))
    by_org = {m.org_id: m.body for m in report.queued if m.kind is MailKind.DIGEST}
    assert 'your round "Spring partner survey": 0 of 8 answered' in by_org["hub"]
    assert '"Spring partner survey" asks 4 of your people (0 answered so far)' in by_org["wic"]
    assert "library" in report.nobody_to_tell or "library" in report.nothing_to_do
