"""A survey round in headless Chromium, on both stores: a leader starts it in the page, the
invitations arrive at a real SMTP server on loopback, thirty respondents follow the links in
them on a phone-sized screen and answer, and the leader reads the results (the k rule, the
disagreement flag) and adopts a suggested state. Without a mail server, the links are copied
from the round's page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from graph_models import ContactCreate, RelationshipCreate, RelationshipState, Role, TokenCreate
from graph_models.common import utc_now
from graph_models.evidence import CollaborativeCreate
from graph_models.surveys import AnswerCreate, AnswersSave, NewRespondent, NewSurveyRound, Side
from service.access.permissions import issue_token
from service.store.protocol import Store
from tests.browser.conftest import screenshot, serving, sign_in, submit
from tests.browser.test_accessibility import blocking_violations
from tests.conftest import add_orgs, free_port
from tests.surveys.smtp import Inbox, link_in, smtp_server

pytestmark = pytest.mark.browser

STAFF = [f"staff-{n}" for n in range(1, 7)]
PEOPLE = {"wic": 12, "clinic": 10, "library": 2}


def add_network(store: Store) -> None:
    """The hub, assessed green with WIC, yellow with the clinic and the library; six staff,
    twelve people at WIC, ten at the clinic, two at the library: thirty to ask."""
    add_orgs(
        store,
        ("hub", "early_learning_hub"),
        ("wic", "wic"),
        ("clinic", "primary_care"),
        ("library", "library"),
    )
    for partner, state in (
        ("wic", RelationshipState.GREEN),
        ("clinic", RelationshipState.YELLOW),
        ("library", RelationshipState.YELLOW),
    ):
        store.create_relationship(
            RelationshipCreate(org_a="hub", org_b=partner, state=state, reason="our view"),
            assessed_by="Lee",
        )
    for person in STAFF:
        store.create_contact(
            ContactCreate(
                id=person, org_id="hub", name=person, role="Staff", email=f"{person}@hub.example"
            )
        )
    for org_id, count in PEOPLE.items():
        for n in range(1, count + 1):
            store.create_contact(
                ContactCreate(
                    id=f"{org_id}-{n}",
                    org_id=org_id,
                    name=f"{org_id} person {n}",
                    role="Staff",
                    email=f"person-{n}@{org_id}.example",
                )
            )


@dataclass(frozen=True)
class Served:
    """The service on a loopback port over a store of the surveyed network."""

    url: str
    store: Store
    inbox: Inbox | None


@pytest.fixture
def served(settings, store) -> Iterator[Served]:
    """The network on the store under test, served with a real SMTP server on loopback."""
    add_network(store)
    port, web_port = free_port(), free_port()
    mail_settings = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_starttls": False,
            "public_url": f"http://127.0.0.1:{web_port}",
        }
    )
    with smtp_server(port) as inbox, serving(mail_settings, store, web_port) as url:
        yield Served(url, store, inbox)


@pytest.fixture
def served_without_mail(live_server) -> Served:
    add_network(live_server.store)
    return Served(live_server.url, live_server.store, None)


def leader_page(chromium, served: Served):  # type: ignore[no-untyped-def]
    token, _ = issue_token(
        served.store, TokenCreate(name="Lee Leader", role=Role.LEADER, org_id="hub")
    )
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, served.url, token)
    return page


@pytest.fixture
def phone(chromium):  # type: ignore[no-untyped-def]
    """A phone-sized browser with no session: a respondent needs only their link."""
    context = chromium.new_context(viewport={"width": 375, "height": 740})
    yield context.new_page()
    context.close()


def answer_section(page, partner_id: str, trust: int, value: int, view: str) -> None:  # type: ignore[no-untyped-def]
    section = page.locator(f"section.relationship[data-partner-id='{partner_id}']")
    for item in ("openness", "reliability", "shared_mission"):
        section.locator(f"input[name='{partner_id}.{item}'][value='{trust}']").check()
    for item in ("influence", "resources", "involvement"):
        section.locator(f"input[name='{partner_id}.{item}'][value='{value}']").check()
    section.locator(f"input[name='{partner_id}.state_view'][value='{view}']").check()


def start_round(leader, url: str) -> None:  # type: ignore[no-untyped-def]
    leader.goto(f"{url}/orgs/hub/surveys")
    assert "No survey round yet" in leader.inner_text("main")
    leader.fill("#title", 'Spring "partner" survey & check-in')
    leader.fill("#closes_on", (utc_now() + timedelta(days=14)).date().isoformat())
    for partner_id in PEOPLE:
        leader.check(f"fieldset[data-partner-id='{partner_id}'] input[name=partner_ids]")
    for contact in leader.locator("input[name=contact_ids]").all():
        contact.check()
    leader.click("form.survey-start button[type=submit]")
    leader.wait_for_url("**/surveys/spring-partner-survey-check-in-*")
    assert leader.inner_text("h1") == 'Spring "partner" survey & check-in'


def test_thirty_respondents_answer_from_their_mail_and_the_leader_adopts_what_the_partner_says(
    chromium, phone, served
):
    leader = leader_page(chromium, served)
    start_round(leader, served.url)
    assert served.inbox is not None
    served.inbox.wait_for(30)
    links = {}
    for message in served.inbox.messages:
        address = message["To"].addresses[0].addr_spec
        person = address.split("@")[0]
        org_id = address.split("@")[1].removesuffix(".example")
        links[person if org_id == "hub" else f"{org_id}-{person.removeprefix('person-')}"] = (
            link_in(message)
        )
    assert len(links) == 30

    # WIC's people see the relationship as yellow, with low trust; the staff think it green.
    for n in range(1, 13):
        phone.goto(links[f"wic-{n}"])
        answer_section(phone, "wic", 2, 3, "yellow" if n <= 9 else "green")
        if n == 1:
            phone.fill("textarea[name='wic.comment']", "<script>alert(1)</script> late replies")
            screenshot(phone, "survey-form-375")
        submit(phone, "form.survey-answers button[type=submit]")
        assert "Saved at" in phone.inner_text("p.notice")
    for n in range(1, 11):
        phone.goto(links[f"clinic-{n}"])
        answer_section(phone, "clinic", 3, 3, "yellow")
        phone.click("form.survey-answers button[type=submit]")
        phone.wait_for_selector("p.notice")
    # The library's two answer; the staff leave the library blank: fewer than three.
    for n in (1, 2):
        phone.goto(links[f"library-{n}"])
        answer_section(phone, "library", 4, 4, "green")
        phone.click("form.survey-answers button[type=submit]")
        phone.wait_for_selector("p.notice")
    for person in STAFF:
        phone.goto(links[person])
        answer_section(phone, "wic", 4, 4, "green")
        answer_section(phone, "clinic", 3, 2, "yellow")
        phone.click("form.survey-answers button[type=submit]")
        phone.wait_for_selector("p.notice")
    # An answer can be changed until the close, and the form shows what was saved.
    phone.goto(links["wic-10"])
    assert phone.locator("input[name='wic.state_view'][value='green']").is_checked()
    phone.check("input[name='wic.state_view'][value='red']")
    submit(phone, "form.survey-answers button[type=submit]")
    assert "Saved at" in phone.inner_text("p.notice")

    leader.reload()
    assert "30 of 30" in leader.inner_text("dl.facts")
    wic = leader.locator("tr[data-partner-id='wic']")
    assert "flagged" in (wic.get_attribute("class") or "")
    assert (
        "assessed green; 9 of 12 respondents at the partner point to yellow, trust 2.0 of 4"
        in wic.inner_text()
    )
    library = leader.locator("tr[data-partner-id='library']")
    assert "Fewer than 3 answered (2 of 8)" in library.inner_text()
    assert library.locator("button").count() == 0
    screenshot(leader, "survey-round-results")

    with leader.expect_navigation():
        wic.locator("button", has_text="Adopt yellow").click()
    assert "is now yellow" in leader.inner_text("p.notice")
    history = served.store.relationship_history("hub~wic")
    assert history[-1].state is RelationshipState.YELLOW
    assert history[-1].reason.startswith(
        "assessed by survey round 'Spring \"partner\" survey & check-in'"
    )
    assert history[-1].assessed_by == "Lee Leader"
    assert leader.locator("tr[data-partner-id='wic'] button").count() == 0


def test_without_a_mail_server_the_leader_copies_each_link_and_it_opens_the_form(
    chromium, phone, served_without_mail
):
    leader = leader_page(chromium, served_without_mail)
    start_round(leader, served_without_mail.url)
    assert "no mail server is set up, so copy the links from here" in leader.inner_text("main")
    link = leader.locator("tr[data-respondent-id='clinic-1'] input.link").input_value()
    phone.goto(link)
    assert "clinic person 1" in phone.inner_text("main")
    answer_section(phone, "clinic", 3, 3, "green")
    submit(phone, "form.survey-answers button[type=submit]")
    assert "Saved at" in phone.inner_text("p.notice")
    leader.reload()
    assert "yes, 1" in leader.locator("tr[data-respondent-id='clinic-1']").inner_text()


def test_a_changed_link_shows_why_it_does_not_work_and_asks_for_nothing(phone, live_server):
    phone.goto(f"{live_server.url}/survey/some-round.someone.forged")
    assert "this survey link is not valid" in phone.inner_text("main")
    assert phone.locator("form.survey-answers").count() == 0


@pytest.mark.parametrize("width", [1280, 375])
def test_the_survey_pages_pass_axe_and_fit_the_width(chromium, phone, served_without_mail, width):
    leader = leader_page(chromium, served_without_mail)
    start_round(leader, served_without_mail.url)
    round_page = leader.url
    link = leader.locator("tr[data-respondent-id='wic-1'] input.link").input_value()
    phone.goto(link)
    answer_section(phone, "wic", 3, 3, "green")
    phone.fill("textarea[name='wic.comment']", "<img src=x onerror=alert(1)>")
    phone.click("form.survey-answers button[type=submit]")
    phone.wait_for_selector("p.notice")
    leader.set_viewport_size({"width": width, "height": 900})
    for address in (f"{served_without_mail.url}/orgs/hub/surveys", round_page, link):
        leader.goto(address)
        assert blocking_violations(leader) == [], address
        assert leader.evaluate("document.documentElement.scrollWidth") <= width, address
    leader.goto(round_page)
    assert "<img src=x onerror=alert(1)>" in leader.inner_text("ul.comments")
    assert leader.locator("ul.comments img").count() == 0


def test_the_eco_map_details_show_what_partners_say_beside_our_state(page, served_without_mail):
    store = served_without_mail.store
    people = [
        NewRespondent(id=f"wic-{n}", name=f"wic person {n}", org_id="wic", side=Side.PARTNER,
                      email=None, partner_ids=["wic"])
        for n in range(1, 4)
    ]  # fmt: skip
    store.create_survey_round(
        NewSurveyRound(
            id="spring",
            org_id="hub",
            title="Spring",
            created_by="Lee",
            created_at=utc_now(),
            closes_at=utc_now() + timedelta(days=14),
            partner_ids=["wic", "clinic"],
            people=people,
        )
    )
    for person in people:
        said = AnswerCreate(partner_id="wic", openness=1, reliability=1, shared_mission=1,
                            influence=2, resources=2, involvement=2, state_view="red")  # fmt: skip
        store.save_survey_answers(
            "spring", person.id, AnswersSave(version=0, answers=[said]), saved_at=utc_now()
        )
    page.goto(f"{served_without_mail.url}/orgs/hub/ecomap")
    page.wait_for_selector("#map[data-stable=true]", timeout=15000)
    for name, expected in (
        ("Wic", "Partners say (Spring): red, trust 1.00 and value 2.00 of 4; answered 3 of 3 at "
                "the partner, 0 of 0 at the agency. Disagrees: assessed green;"),
        ("Clinic", "Partners say (Spring): fewer than 3 answers; answered 0 of 0 at the partner"),
        ("Library", None),
    ):  # fmt: skip
        page.fill("#find-node", name)
        page.press("#find-node", "Enter")
        details = page.locator("#map-details")
        assert details.inner_text().splitlines()[0] == name
        if expected:
            assert details.locator("p.partners-say").inner_text().startswith(expected)
        else:
            assert details.locator("p.partners-say").count() == 0
    row = page.locator("#map-table tr[data-org-id='library'] td.partners-say")
    assert row.inner_text() == "Not asked in the latest survey round."


def test_a_leader_starts_a_round_for_a_collaborative_over_its_member_relationships(
    chromium, served_without_mail
):
    store = served_without_mail.store
    store.create_collaborative(
        CollaborativeCreate(name="Lane table", scope="local", governance="a board",
                            member_org_ids=["hub", "wic", "library"], start=date(2020, 1, 1))
    )  # fmt: skip
    leader = leader_page(chromium, served_without_mail)
    leader.goto(f"{served_without_mail.url}/orgs/hub/surveys")
    leader.fill("#title", "Table round")
    leader.fill("#closes_on", (utc_now() + timedelta(days=14)).date().isoformat())
    leader.select_option("#collaborative_id", label="Lane table")
    for person in STAFF[:3]:
        leader.check(f"input[name=contact_ids][value='{person}']")
    leader.click("form.survey-start button[type=submit]")
    leader.wait_for_url("**/surveys/table-round-*")
    assert "For the collaborative\nLane table" in leader.inner_text("dl.facts")
    asked = leader.locator("tr[data-partner-id]").evaluate_all(
        "rows => rows.map(row => row.dataset.partnerId)"
    )
    assert sorted(asked) == ["library", "wic"]
