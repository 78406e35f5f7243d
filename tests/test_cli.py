"""The command line: seeds, tokens, help texts and exit codes."""

from __future__ import annotations

import sqlite3

import pytest

from graph_models import OrganizationQuery
from service.cli import main
from service.data.seeds import read_seed
from service.settings import Settings
from service.store import open_store
from service.store.embedded import DATABASE_FILE


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("STAKEHOLDER_GRAPH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STAKEHOLDER_GRAPH_STORE", "embedded")
    return tmp_path


def test_seed_list_names_both_demo_networks(data_dir, capsys):
    assert main(["seed", "list"]) == 0
    out = capsys.readouterr().out
    assert "oregon" in out and "oklahoma" in out


def test_seed_load_writes_the_oregon_network_once_and_a_second_load_changes_nothing(
    data_dir, capsys
):
    assert main(["seed", "load", "oregon"]) == 0
    assert "loaded seed 'oregon': 34 organizations" in capsys.readouterr().out
    assert main(["seed", "load", "oregon"]) == 0
    assert "loaded already; nothing changed" in capsys.readouterr().out
    store = open_store(Settings(data_dir=data_dir))
    try:
        assert store.list_organizations(OrganizationQuery(limit=1)).total == 34
    finally:
        store.close()


def test_an_unknown_seed_exits_1_and_names_the_known_ones(data_dir, capsys):
    assert main(["seed", "load", "atlantis"]) == 1
    assert capsys.readouterr().err.strip() == (
        "stakeholder-graph: error: there is no seed named 'atlantis' and no file at that path; "
        "the seeds are: oklahoma, oregon"
    )


def test_token_create_prints_a_token_the_store_knows(data_dir, capsys):
    assert main(["token", "create", "--name", "Pat Planner", "--role", "planner"]) == 0
    token = capsys.readouterr().out.strip()
    from service.access.permissions import hash_token

    store = open_store(Settings(data_dir=data_dir))
    try:
        principal = store.principal_for_token(hash_token(token))
    finally:
        store.close()
    assert principal is not None
    assert (principal.name, principal.role.value) == ("Pat Planner", "planner")


def test_token_create_prints_a_one_time_code_that_signs_a_browser_in(data_dir, capsys):
    from fastapi.testclient import TestClient

    from service.app import create_app

    assert main(["token", "create", "--name", "Pat Planner", "--role", "planner"]) == 0
    told = capsys.readouterr().err
    assert "it is shown only once" in told
    code = told.split("one-time code ")[1].split()[0]
    store = open_store(Settings(data_dir=data_dir))
    try:
        with TestClient(create_app(Settings(data_dir=data_dir), store=store)) as browser:
            assert browser.post("/login", data={"code": code}).status_code == 200
            assert "Pat Planner" in browser.get("/").text
    finally:
        store.close()


def test_tokens_are_listed_revoked_and_given_an_expiry_from_the_command_line(data_dir, capsys):
    main(["token", "create", "--name", "Pat Planner", "--role", "planner"])
    token = capsys.readouterr().out.strip()
    assert main(["token", "expire", "pat-planner", "--at", "2099-06-30"]) == 0
    assert "expires: 2099-06-30T00:00:00+00:00" in capsys.readouterr().out
    assert main(["token", "expire", "pat-planner", "--at", "2001-01-01"]) == 1
    assert "expires_at must be in the future" in capsys.readouterr().err
    assert main(["token", "revoke", "pat-planner"]) == 0
    assert "revoked token pat-planner of Pat Planner" in capsys.readouterr().out
    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    header, row = listing.splitlines()
    assert header.split() == ["id", "name", "role", "org", "created", "expires", "revoked"]
    assert row.split()[:4] == ["pat-planner", "Pat", "Planner", "planner"]
    assert "2099-06-30T00:00:00+00:00" in row and row.split()[-1] != "-"
    assert token not in listing
    assert main(["token", "revoke", "nobody"]) == 1
    assert "token 'nobody' does not exist" in capsys.readouterr().err


def test_a_caseworker_token_without_an_organization_exits_1_and_says_why(data_dir, capsys):
    assert main(["token", "create", "--name", "Cas", "--role", "caseworker"]) == 1
    assert capsys.readouterr().err.strip() == (
        "stakeholder-graph: error: a caseworker token needs the org_id of its organization"
    )


def test_a_wrong_role_is_a_usage_error_with_exit_code_2(data_dir, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["token", "create", "--name", "X", "--role", "boss"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'boss'" in capsys.readouterr().err


def test_every_command_explains_itself_in_help(capsys):
    for command in (
        ["serve"],
        ["seed", "load"],
        ["token", "create"],
        ["token", "list"],
        ["token", "revoke"],
        ["token", "expire"],
    ):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "one-time code that signs it in as admin" in out
    assert "the link holds no token" in out
    assert "--workers N worker processes (default: STAKEHOLDER_GRAPH_WORKERS" in out
    assert "The tokens themselves are not stored" in out
    assert "get 401 at once, on every worker" in out
    assert "all-or-nothing import" in out
    assert "Only its hash is stored" in out


def test_the_oregon_seed_names_every_target_audience_of_its_engagement_plan():
    oregon = read_seed("oregon")
    profile = next(p for p in oregon.profiles if p.name == "oregon-infant-toddler")
    assert profile.sectors[:4] == [
        "parents_families",
        "early_learning_hub",
        "community_based_organization",
        "tribe",
    ]
    names = {org.name for org in oregon.organizations}
    for named in ("Black Parent Initiative", "Latino Network", "Oregon Pediatric Society"):
        assert any(named in name for name in names), named
    assert set(oregon.focal_org_ids) == {"ode-eld", "oha"}


def test_migrate_without_a_target_brings_the_store_up_to_date_once(data_dir, capsys):
    assert main(["seed", "load", "oregon"]) == 0
    capsys.readouterr()
    assert main(["migrate"]) == 0
    # A store begun by this version keeps its loops by the current rule from the start.
    assert capsys.readouterr().out == "the store was up to date\n"
    with sqlite3.connect(data_dir / DATABASE_FILE) as db:  # as a version before the mark left it
        db.execute("DELETE FROM store_marks WHERE name = 'loop_rule'")
    assert main(["migrate"]) == 0
    # The seed was loaded under the current loop rule: nothing to change, but the rule is kept.
    assert capsys.readouterr().out == (
        "brought the store up to date: the loops of 0 referrals changed\n"
    )
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out == "the store was up to date\n"
