"""The Import page and the export buttons in headless Chromium: a leader uploads a workbook,
reads the preview with its problems, uploads a corrected one and applies it; planners and
caseworkers are told why they may not; export buttons download files that read back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import networkx as nx
import openpyxl

from graph_models import Role
from service.data.seeds import load_seed
from tests.browser.conftest import screenshot, submit
from tests.browser.test_accessibility import blocking_violations
from tests.data.test_spreadsheet import workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARTNERS = [
    ["Organisation Name", "Sector", "County"],
    ["WIC Lane", "WIC", "Lane"],
    ["Lane Early Learning Hub", "Early Learning Hubs", "Lane"],
]
ASSESSMENTS = [
    ["From", "To", "State", "Reason", "Date"],
    ["WIC Lane", "Lane Early Learning Hub", "yellow", "meetings lapsed", date(2023, 1, 5)],
    ["WIC Lane", "Lane Early Learning Hub", "green", "monthly meetings", date(2024, 2, 1)],
]


def upload(browser_page, data: bytes, name: str = "partners.xlsx") -> None:  # type: ignore[no-untyped-def]
    browser_page.set_input_files("#file", files=[{"name": name, "mimeType": XLSX, "buffer": data}])
    submit(browser_page, "form.import-form button[type=submit]")
    browser_page.wait_for_selector("section.preview, section.problems")


def counts(browser_page, kind: str) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    row = browser_page.locator(f"table.import-counts tr[data-kind={kind}]")
    return tuple(
        row.locator(f"td.{column}").inner_text() for column in ("create", "update", "leave")
    )  # type: ignore[return-value]


def test_a_leader_previews_a_workbook_fixes_its_problem_and_applies_it(open_as, live_server):
    leader = open_as(Role.LEADER)
    leader.goto(f"{live_server.url}/")
    submit(leader, "header.site nav a[href='/import']")
    assert leader.locator("#template-link").get_attribute("href") == "/api/v1/imports/template"
    assert leader.locator("#format option").all_inner_texts() == [
        "Read from the file",
        "spreadsheet",
        "kumu",
        "hsds",
    ]

    unknown_partner = [
        *ASSESSMENTS,
        ["WIC Lane", "Lane Library", "red", "closed", date(2024, 3, 1)],
    ]
    upload(leader, workbook(Organizations=PARTNERS, Relationships=unknown_partner))
    assert counts(leader, "organizations") == ("2", "0", "0")
    problem = leader.locator("table.import-problems tbody tr")
    assert problem.count() == 1
    assert [problem.locator(f"td.{cell}").inner_text() for cell in ("sheet", "row", "column")] == [
        "relationships",
        "4",
        "To",
    ]
    assert "'Lane Library' is neither in the file" in problem.locator("td.message").inner_text()
    assert "Nothing can be applied while problems remain" in leader.inner_text("section.problems")
    assert leader.locator("form.apply-form").count() == 0
    screenshot(leader, "import-preview-with-a-problem")
    assert blocking_violations(leader) == []

    upload(leader, workbook(Organizations=PARTNERS, Relationships=ASSESSMENTS))
    assert counts(leader, "organizations") == ("2", "0", "0")
    assert counts(leader, "assessments") == ("2", "0", "0")
    assert leader.locator("section.problems").count() == 0
    leader.click("form.apply-form button[type=submit]")
    leader.wait_for_selector("section.applied")
    assert "2 organizations created" in leader.inner_text("section.applied [role=status]")
    screenshot(leader, "import-applied")
    assert blocking_violations(leader) == []

    leader.click("section.applied li[data-org-id=wic-lane] a >> text=WIC Lane")
    leader.wait_for_url(f"{live_server.url}/orgs/wic-lane")
    assert leader.inner_text("dd.region") == "Lane"
    assert leader.inner_text("tr[data-state=green] td.count") == "1"
    relationships = leader.request.get(f"{live_server.url}/api/v1/relationships?org_id=wic-lane")
    [rel] = relationships.json()["items"]
    assert rel["state"] == "green"
    history = leader.request.get(f"{live_server.url}/api/v1/relationships/{rel['id']}/history")
    assert [step["state"] for step in history.json()] == ["yellow", "green"]


def test_planners_and_caseworkers_are_told_the_import_page_is_for_leaders(open_as, live_server):
    load_seed(live_server.store, "oregon")
    for role, org_id in ((Role.PLANNER, None), (Role.CASEWORKER, "ode-eld")):
        browser_page = open_as(role, org_id)
        assert browser_page.locator("header.site nav a[href='/import']").count() == 0
        answer = browser_page.goto(f"{live_server.url}/import")
        assert answer is not None and answer.status == 403
        assert "Importing is for leaders and admins" in browser_page.inner_text("main")
        assert browser_page.locator("form.import-form").count() == 0


def downloaded(
    browser_page, group: str, format: str, folder: Path, name: str | None = None
) -> Path:  # type: ignore[no-untyped-def]
    """Open the downloads of ``group``, press the button of ``format`` and save what it
    downloads."""
    browser_page.click(f"{group} summary")
    with browser_page.expect_download() as download:
        browser_page.click(f"{group} a[data-format={format}]")
    if name is not None:
        assert download.value.suggested_filename == name
    saved = folder / download.value.suggested_filename
    download.value.save_as(saved)
    return saved


def test_export_buttons_download_files_that_read_back(open_as, live_server, tmp_path: Path):
    load_seed(live_server.store, "oregon")
    planner = open_as(Role.PLANNER, width=375)
    planner.goto(f"{live_server.url}/orgs/ode-eld")
    screenshot(planner, "organization-home-downloads-375")
    network = downloaded(
        planner, "#network-exports", "xlsx", tmp_path, "stakeholder-graph-network.xlsx"
    )
    assert openpyxl.load_workbook(network)["organizations"].max_row == 35

    planner.goto(f"{live_server.url}/orgs/ode-eld/ecomap")
    screenshot(planner, "ecomap-downloads-375")
    assert planner.evaluate("document.documentElement.scrollWidth") <= 375
    name = "stakeholder-graph-ode-eld-depth-1.graphml"
    graph = nx.read_graphml(downloaded(planner, "#ecomap-exports", "graphml", tmp_path, name))
    assert set(graph.nodes) == set(live_server.store.partner_graph("ode-eld").nodes)
    assert {state for _, _, state in graph.edges(data="state")} <= {
        "green",
        "yellow",
        "red",
        "no_dot",
    }

    region = live_server.store.get_organization("ode-eld").region
    planner.goto(f"{live_server.url}/regions/{region}/map")
    region_graph = nx.read_gexf(downloaded(planner, "#region-exports", "gexf", tmp_path))
    assert region_graph.number_of_nodes() > 0
