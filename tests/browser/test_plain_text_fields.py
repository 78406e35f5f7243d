"""Text is plain text: markup or a spreadsheet formula typed into any text field of a form is
answered beside that field, and nothing is written; survey comments alone keep what was
typed (see the survey page tests)."""

from __future__ import annotations

import pytest

from graph_models import Role
from service.data.migration import record_counts
from service.data.seeds import load_seed

REL = "early-learning-multnomah~ode-eld"

FIELDS = [
    (Role.LEADER, f"/relationships/{REL}", "assess-reason"),
    (Role.LEADER, f"/relationships/{REL}", "end-reason"),
    (Role.LEADER, "/orgs/ode-eld/edit", "org-name"),
    (Role.LEADER, "/orgs/ode-eld/edit", "org-notes"),
    (Role.LEADER, "/orgs/ode-eld/edit", "contact-new-name"),
    (Role.LEADER, "/orgs/ode-eld/edit", "contact-new-role"),
    (Role.LEADER, "/orgs/ode-eld/partners/new", "partner-new_name"),
    (Role.LEADER, "/orgs/ode-eld/partners/new", "partner-reason", {"partner-new_name": "Kin Co"}),
    (Role.PLANNER, "/orgs/ode-eld/engagements/new", "engagement-title"),
    (Role.PLANNER, "/orgs/ode-eld/engagements/new", "engagement-notes"),
    (
        Role.LEADER,
        "/orgs/ode-eld/evidence",
        "joint-program-name",
        {"joint-program-partner_1": "Child Systems"},
    ),
    (
        Role.LEADER,
        "/orgs/ode-eld/evidence",
        "joint-program-notes",
        {"joint-program-partner_1": "Child Systems"},
    ),
    (
        Role.LEADER,
        "/orgs/ode-eld/evidence",
        "agreement-title",
        {"agreement-partner_1": "Child Systems"},
    ),
    (
        Role.LEADER,
        "/orgs/ode-eld/evidence",
        "collaborative-name",
        {"collaborative-partner_1": "Child Systems"},
    ),
    (
        Role.LEADER,
        "/orgs/ode-eld/evidence",
        "collaborative-governance",
        {"collaborative-partner_1": "Child Systems"},
    ),
]
"""(who fills it, the page, the field's id[, other fields filled first]): every free-text field
of the forms that write."""


@pytest.fixture
def oregon(live_server):
    load_seed(live_server.store, "oregon")
    return live_server


def what_is_stored(server, page) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    """The counts of every kind of record, and the organization and relationship the forms
    would change, as the API gives them."""
    read = lambda path: page.request.get(f"{server.url}{path}").json()  # noqa: E731
    return (
        record_counts(server.store),
        read("/api/v1/organizations/ode-eld"),
        read(f"/api/v1/relationships/{REL}"),
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('Family <img src=x onerror="window.pwned=1"> night', "holds markup"),
        ("=HYPERLINK(0)", "which a spreadsheet would run as a formula"),
    ],
    ids=["markup", "formula"],
)
def test_markup_or_a_formula_in_any_text_field_is_answered_beside_it_and_changes_nothing(
    open_as, oregon, typed, message
):
    pages = {role: open_as(role) for role in {role for role, *_ in FIELDS}}
    before = what_is_stored(oregon, pages[Role.LEADER])
    for role, path, field, *also in FIELDS:
        page = pages[role]
        page.goto(f"{oregon.url}{path}")
        for other, value in (also[0] if also else {}).items():
            page.fill(f"#{other}", value)
        page.fill(f"#{field}", typed)
        # sent as the server gets it, whatever else the browser would ask for first
        with page.expect_navigation():
            page.locator(f"#{field}").evaluate("field => field.form.submit()")
        assert message in page.inner_text(f"#{field}-error"), (path, field)
        assert page.evaluate("window.pwned === undefined")
    assert what_is_stored(oregon, pages[Role.LEADER]) == before
