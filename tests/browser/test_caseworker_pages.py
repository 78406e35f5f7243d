"""A caseworker's referral pages in headless Chromium: two caseworkers of two organizations
record, flag, move on and close a referral by filling and submitting the forms; bad input
comes back next to its field; a leader and a planner see no case refs; axe-core finds no
serious or critical violation on the new pages, at 1280 and 375 px."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from graph_models import ReferralQuery, Role
from service.data.seeds import load_seed
from service.store.shared.copying import RecordKind
from tests.browser import test_answer_pages
from tests.browser.conftest import as_text_field, screenshot, submit
from tests.browser.test_accessibility import blocking_violations

SENDER = "latino-network"
RECEIVER = "or-local-wic-sites"
RECEIVER_NAME = "Local public health and WIC sites"
SEED_REFERRALS = 9
sign_in = test_answer_pages.sign_in
"""The fixture that signs a fresh page in with a new token of a role (and organization)."""
HOSTILE = '<img src=x onerror="window.pwned=1">'


@pytest.fixture
def network(live_server):
    load_seed(live_server.store, "oregon")
    return live_server


def fill_referral(page, case_ref: str, to_name: str, *, consent: bool = True):  # type: ignore[no-untyped-def]
    page.fill("#case_ref", case_ref)
    page.locator("#to_name").fill("")
    page.locator("#to_name").press_sequentially(to_name[:12])
    page.fill("#to_name", to_name)
    page.select_option("#category", "home_visiting")
    if consent:
        page.check("#consent")
    submit(page, "form.record-referral button[type=submit]")


def test_a_referral_recorded_by_name_is_flagged_once_moved_on_and_closed_for_both(sign_in, network):
    sender = sign_in(Role.CASEWORKER, SENDER)
    submit(sender, "header nav >> text=My referrals")
    submit(sender, "text=Record a referral")
    sender.locator("#to_name").press_sequentially("public health")
    sender.wait_for_selector("#to_name-names option", state="attached", timeout=5000)
    assert RECEIVER_NAME in sender.locator("#to_name-names option").first.get_attribute("value")
    fill_referral(sender, "OR-C-0412", RECEIVER_NAME)
    assert sender.locator("h1").inner_text() == "Referral of case OR-C-0412"
    buttons = sender.locator("form.move-on button").all_inner_texts()
    assert buttons == ["Received", "Accepted", "Declined", "Unable to contact", "Closed"]
    screenshot(sender, "referral")

    sender.goto(f"{network.url}/my/referrals/new")
    fill_referral(sender, "OR-C-0412", RECEIVER_NAME)
    assert "Recorded already today?" in sender.locator("section.repeated").inner_text()
    screenshot(sender, "referral-repeated")
    assert (
        network.store.list_referrals(ReferralQuery(case_ref="OR-C-0412"), visible_to=None).total
        == 1
    )

    receiver = sign_in(Role.CASEWORKER, RECEIVER)
    receiver.goto(f"{network.url}/my/referrals?direction=received")
    row = receiver.locator("section.open-loops tr", has_text="OR-C-0412")
    assert "received from" in row.inner_text()
    with receiver.expect_navigation():
        row.locator("a.case-ref").click()
    submit(receiver, "form.move-on button[value=accepted]")
    submit(receiver, "form.move-on button[value=enrolled]")
    assert receiver.locator("[data-loop]").inner_text() == "closed"
    assert receiver.locator("[data-status]").inner_text() == "enrolled"

    sender.goto(f"{network.url}/my/referrals")
    answered = sender.locator("section.answered tr", has_text="OR-C-0412")
    assert "closed" in answered.locator(".badge").inner_text()
    assert "OR-C-0412" not in sender.locator("section.open-loops").inner_text()
    screenshot(sender, "my-referrals")
    [referral] = network.store.list_referrals(
        ReferralQuery(case_ref="OR-C-0412"), visible_to=None
    ).items
    via_api = sender.request.get(f"{network.url}/api/v1/referrals/{referral.id}").json()
    assert (via_api["status"], via_api["loop_closed"]) == ("enrolled", True)


@pytest.mark.parametrize(
    ("case_ref", "to_name", "consent", "field", "message"),
    [
        ("Maria Lopez", RECEIVER_NAME, True, "case_ref", "it may be a person's name"),
        ("OR-2019-04-03", RECEIVER_NAME, True, "case_ref", "it may be a birth date"),
        ("OR-C-1", RECEIVER_NAME, False, "consent", "needs the family's consent"),
        ("OR-C-1", "Nowhere Agency", True, "to_name", "no organization is named 'Nowhere Agency'"),
        (HOSTILE, HOSTILE, True, "to_name", f"no organization is named '{HOSTILE}'"),
    ],
)
def test_bad_input_is_said_next_to_its_field_and_records_nothing(
    sign_in, network, case_ref, to_name, consent, field, message
):
    page = sign_in(Role.CASEWORKER, SENDER)
    page.goto(f"{network.url}/my/referrals/new")
    fill_referral(page, case_ref, to_name, consent=consent)
    assert message in page.locator(f"#{field}-error").inner_text()
    assert page.locator(f"#{field}").get_attribute("aria-invalid") == "true"
    assert page.evaluate("window.pwned") is None
    assert network.store.count_records(RecordKind.REFERRALS) == SEED_REFERRALS


def test_a_referral_sent_last_week_is_recorded_on_that_day_and_a_day_to_come_is_refused(
    sign_in, network
):
    page = sign_in(Role.CASEWORKER, SENDER)
    page.goto(f"{network.url}/my/referrals/new")
    assert page.input_value("#sent_on") == date.today().isoformat()
    # two days ahead, not one: tomorrow's 00:00 UTC is within the 5-minute clock allowance
    page.fill("#sent_on", (date.today() + timedelta(days=2)).isoformat())
    fill_referral(page, "OR-C-0977", RECEIVER_NAME)
    assert "is in the future" in page.locator("#sent_on-error").inner_text()
    page.fill(as_text_field(page, "#sent_on"), "2024-02-30")
    submit(page, "form.record-referral button[type=submit]")
    assert "day value is outside expected range" in page.locator("#sent_on-error").inner_text()
    assert page.input_value("#case_ref") == "OR-C-0977"
    assert network.store.count_records(RecordKind.REFERRALS) == SEED_REFERRALS
    last_week = (date.today() - timedelta(days=7)).isoformat()
    page.fill("#sent_on", last_week)
    submit(page, "form.record-referral button[type=submit]")
    page.wait_for_url("**/my/referrals/*")
    assert f"sent {last_week}" in page.locator("p.summary").inner_text()
    referral_id = page.url.rsplit("/", 1)[1]
    via_api = page.request.get(f"{network.url}/api/v1/referrals/{referral_id}").json()
    assert via_api["sent_at"].startswith(last_week)


@pytest.mark.parametrize("role", [Role.LEADER, Role.PLANNER])
def test_a_leader_or_planner_is_offered_no_referral_pages_and_sees_no_case_refs(
    sign_in, network, role
):
    page = sign_in(role)
    assert page.locator("header nav >> text=My referrals").count() == 0
    page.goto(f"{network.url}/my/referrals")
    assert "may not read case-level referral records" in page.locator("main").inner_text()
    assert "OR-DEMO" not in page.content()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_caseworker_pages_pass_axe_and_fit_the_width(sign_in, network, width):
    page = sign_in(Role.CASEWORKER, SENDER)
    page.set_viewport_size({"width": width, "height": 900})
    referral = "or-demo-ref-03"
    for path in ("/my/referrals", "/my/referrals/new", f"/my/referrals/{referral}"):
        page.goto(f"{network.url}{path}")
        assert blocking_violations(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        screenshot(page, f"caseworker{path.replace('/', '-')}-{width}")
