"""The live graph each opening of a store keeps: what one opening writes, another opening of the
same store (another process or server) answers from at once, in warm paths, missing partners
and eco-maps; bulk imports and copies land in it whole; a write that fails leaves it as it was; and
writers at once lose no change. On both stores."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from graph_models import (
    AssessmentImport,
    NetworkBundle,
    OrganizationCreate,
    OrganizationUpdate,
    ProfileCreate,
    RelationshipCreate,
    RelationshipEnd,
    RelationshipImport,
    RelationshipState,
    RelationshipUpdate,
)
from graph_models.common import AsOf
from service.data.generator import generate_network
from service.data.migration import migrate
from service.ecomaps.service import load_ecomap_fields
from service.errors import Conflict, InvalidReference, NotFound
from service.missing_partners.service import organization_gaps
from service.paths.service import find_warm_paths
from service.store import Store
from service.store.embedded import EmbeddedStore
from service.store.shared.copying import RecordKind
from tests.conftest import add_orgs

GREEN, RED = RelationshipState.GREEN, RelationshipState.RED
PROFILE = ProfileCreate(
    name="lane", label="Lane", source="tests", sectors=["wic", "library", "early_intervention"]
)


def relate(store: Store, a: str, b: str, state: RelationshipState = GREEN) -> None:
    store.create_relationship(
        RelationshipCreate(org_a=a, org_b=b, state=state, reason="works together"),
        assessed_by="tester",
    )


def routes(store: Store, from_org: str, to_org: str) -> list[tuple[list[str], int]]:
    found = find_warm_paths(store, from_org=from_org, to_org=to_org, max_hops=4, k=3)
    return [(path.org_ids, path.cost) for path in found.paths]


def candidates(store: Store, org_id: str) -> dict[str, list[tuple[str, str, list[str]]]]:
    """Per missing sector, each candidate's id, name and introducers."""
    gaps = organization_gaps(store, org_id, profile="lane", limit=5)
    return {
        entry.sector: [
            (c.organization.id, c.organization.name, [via.org_id for via in c.via])
            for c in entry.candidates
        ]
        for entry in gaps.missing_sectors
    }


def partners(store: Store, org_id: str) -> dict[str, tuple[str, str]]:
    """Each partner on the eco-map of ``org_id``: its name and the state of the relationship."""
    fields = load_ecomap_fields(store, org_id, as_of=AsOf.of(None))
    return {
        p["organization"]["id"]: (p["organization"]["name"], p["state"]) for p in fields["partners"]
    }


def graph_of(store: Store) -> tuple[dict, dict]:
    """The whole graph an opening lends: its nodes and its edges' states and histories."""
    graph = store.partner_graph()
    edges = {
        data["id"]: (data["state"], data["history"], data.get("ended_at"))
        for _, _, data in graph.edges(data=True)
    }
    return dict(graph.nodes(data=True)), edges


@pytest.fixture
def lane(store: Store) -> Store:
    """hub (an early learning hub) works with wic, wic with library, library with ei."""
    add_orgs(
        store,
        ("hub", "early_learning_hub"),
        ("wic", "wic"),
        ("library", "library"),
        ("ei", "early_intervention"),
    )
    store.create_profile(PROFILE)
    relate(store, "hub", "wic")
    relate(store, "wic", "library")
    return store


@pytest.fixture
def other(lane: Store, reopen) -> Store:
    """A second opening of the same store, its graph loaded before the writes of a test."""
    opened = reopen()
    opened.partner_graph()
    yield opened
    opened.close()


def test_a_relationship_created_assessed_or_ended_in_one_opening_changes_answers_of_another(
    lane, other
):
    assert routes(other, "hub", "ei") == []
    assert candidates(other, "hub")["library"] == [("library", "Library", ["wic"])]
    relate(lane, "library", "ei")
    assert routes(other, "hub", "ei") == [(["hub", "wic", "library", "ei"], 3)]
    lane.assess_relationship(
        "library~wic", RelationshipUpdate(state=RED, reason="stopped calling"), assessed_by="t"
    )
    assert routes(other, "hub", "ei") == [(["hub", "wic", "library", "ei"], 7)]
    assert candidates(other, "hub")["library"] == [("library", "Library", ["wic"])]
    lane.end_relationship("library~wic", RelationshipEnd(reason="closed"), ended_by="t")
    assert routes(other, "hub", "ei") == []
    assert candidates(other, "hub")["library"] == [("library", "Library", [])]
    relate(lane, "hub", "library")
    assert routes(other, "hub", "ei") == [(["hub", "library", "ei"], 2)]
    assert "library" not in candidates(other, "hub")
    assert candidates(other, "hub")["early_intervention"] == [("ei", "Ei", ["library"])]


def sector_status(store: Store, org_id: str, sector: str) -> tuple[str, str | None]:
    """The standing of ``sector`` for ``org_id`` and the state of its best partner there."""
    gaps = organization_gaps(store, org_id, profile="lane", limit=5)
    for standing in ("missing", "weak", "fragile", "covered"):
        for entry in getattr(gaps, f"{standing}_sectors"):
            if entry.sector == sector:
                best = entry.partners[0].state.value if entry.partners else None
                return standing, best
    raise AssertionError(f"{sector} is not in the profile")


def test_a_partner_assessed_again_or_ended_in_one_opening_changes_its_sector_in_another(
    lane, other
):
    assert sector_status(other, "hub", "wic") == ("fragile", "green")  # one partner there
    lane.assess_relationship(
        "hub~wic", RelationshipUpdate(state=RED, reason="stopped calling"), assessed_by="t"
    )
    assert sector_status(other, "hub", "wic") == ("weak", "red")
    lane.assess_relationship(
        "hub~wic", RelationshipUpdate(state=GREEN, reason="calling again"), assessed_by="t"
    )
    assert sector_status(other, "hub", "wic") == ("fragile", "green")  # one partner there
    lane.end_relationship("hub~wic", RelationshipEnd(reason="closed"), ended_by="t")
    assert sector_status(other, "hub", "wic") == ("missing", None)


def test_a_relationship_copied_in_again_as_it_was_before_it_ended_is_current_in_another_opening(
    lane, other
):
    [before_the_end] = [
        row
        for batch in lane.export_records(RecordKind.RELATIONSHIPS, batch_size=100)
        for row in batch
        if row["id"] == "hub~wic"
    ]
    assert sector_status(other, "hub", "wic") == ("fragile", "green")
    lane.end_relationship("hub~wic", RelationshipEnd(reason="closed"), ended_by="t")
    assert sector_status(other, "hub", "wic") == ("missing", None)
    lane.import_records(RecordKind.RELATIONSHIPS, [before_the_end])
    assert lane.get_relationship("hub~wic").ended_on is None
    assert sector_status(other, "hub", "wic") == ("fragile", "green")


def test_an_organization_renamed_moved_or_deleted_in_one_opening_changes_answers_of_another(
    lane, other
):
    relate(lane, "library", "ei")
    lane.update_organization("library", OrganizationUpdate(name="Lane County Library"))
    assert candidates(other, "hub")["library"] == [("library", "Lane County Library", ["wic"])]
    [route] = find_warm_paths(other, from_org="hub", to_org="ei", max_hops=4, k=1).paths
    assert route.names[2] == "Lane County Library"
    lane.update_organization("library", OrganizationUpdate(sector="early_intervention"))
    assert candidates(other, "hub")["library"] == []
    assert candidates(other, "hub")["early_intervention"][0] == (
        "library",
        "Lane County Library",
        ["wic"],
    )
    lane.delete_organization("library")
    assert candidates(other, "hub")["early_intervention"] == [("ei", "Ei", [])]
    assert routes(other, "hub", "ei") == []
    with pytest.raises(NotFound, match="'library' does not exist"):
        routes(other, "hub", "library")


def test_an_eco_map_read_through_another_opening_shows_each_partner_as_just_written(lane, other):
    assert partners(other, "wic") == {"hub": ("Hub", "green"), "library": ("Library", "green")}
    relate(lane, "wic", "ei", RED)
    assert partners(other, "wic")["ei"] == ("Ei", "red")
    lane.assess_relationship(
        "library~wic", RelationshipUpdate(state=RED, reason="stopped calling"), assessed_by="t"
    )
    lane.update_organization("library", OrganizationUpdate(name="Lane County Library"))
    assert partners(other, "wic")["library"] == ("Lane County Library", "red")
    lane.delete_organization("hub")
    assert set(partners(other, "wic")) == {"library", "ei"}
    lane.delete_organization("wic")
    with pytest.raises(NotFound, match="'wic' does not exist"):
        partners(other, "wic")


def test_a_bulk_import_through_one_opening_is_in_the_graph_of_another_as_written(store, reopen):
    other = reopen()
    try:
        other.partner_graph()
        for batch in generate_network(scale="tiny", seed=5):
            store.import_bundle(batch)
        fresh = reopen()
        try:
            assert graph_of(other) == graph_of(fresh)
        finally:
            fresh.close()
        assert len(other.partner_graph()) > 100
    finally:
        other.close()


def test_a_copy_into_a_store_is_in_the_graph_of_every_opening_as_written(
    store, reopen, tmp_path: Path
):
    source = EmbeddedStore(tmp_path / "source")
    other = reopen()
    try:
        for batch in generate_network(scale="tiny", seed=6):
            source.import_bundle(batch)
        other.partner_graph()
        migrate(source, store, batch_size=200)
        assert graph_of(other) == graph_of(store) == graph_of(source)
    finally:
        other.close()
        source.close()


def test_a_write_that_fails_changes_neither_the_store_nor_any_graph(lane, other):
    lane.end_relationship("library~wic", RelationshipEnd(reason="closed"), ended_by="t")
    before = graph_of(lane), graph_of(other), lane.get_organization("wic")
    with pytest.raises(InvalidReference, match="'nowhere' does not exist"):
        relate(lane, "hub", "nowhere")
    with pytest.raises(Conflict, match="already have a relationship"):
        relate(lane, "wic", "hub")
    with pytest.raises(Conflict, match="ended on"):
        lane.assess_relationship(
            "library~wic", RelationshipUpdate(state=GREEN, reason="again"), assessed_by="t"
        )
    with pytest.raises(InvalidReference, match="sector 'moon'"):
        lane.update_organization("wic", OrganizationUpdate(name="Renamed", sector="moon"))
    late = NetworkBundle(
        name="late",
        title="Late",
        organizations=[OrganizationCreate(id="new", name="New", sector="wic")],
        relationships=[
            RelationshipImport(
                org_a="new",
                org_b="nowhere",
                history=[
                    AssessmentImport(
                        state=GREEN,
                        reason="r",
                        assessed_by="t",
                        assessed_at=date.today() - timedelta(days=1),
                    )
                ],
            )
        ],
    )
    with pytest.raises(InvalidReference, match="'nowhere' does not exist"):
        lane.import_bundle(late)
    assert (graph_of(lane), graph_of(other), lane.get_organization("wic")) == before
    with pytest.raises(NotFound):
        lane.get_organization("new")


def test_writers_at_once_through_several_openings_lose_no_change(lane, other, reopen):
    add_orgs(lane, *((f"org-{n}", "wic") for n in range(6)))
    for n in range(6):
        relate(lane, "hub", f"org-{n}")
    writers = [reopen() for _ in range(3)]
    failures: list[BaseException] = []

    def write(opening: Store, number: int) -> None:
        try:
            for step in range(6):
                state = RED if (number + step) % 2 else GREEN
                rel_id = f"hub~org-{(number * 2 + step) % 6}"
                update = RelationshipUpdate(state=state, reason=f"{number}.{step}")
                opening.assess_relationship(rel_id, update, assessed_by="t")
                opening.update_organization(
                    f"org-{(number + step) % 6}", OrganizationUpdate(name=f"Org {number}.{step}")
                )
        except BaseException as error:  # reported by the test
            failures.append(error)

    threads = [
        threading.Thread(target=write, args=(opening, number))
        for number, opening in enumerate(writers)
    ]
    try:
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            other.partner_graph("hub")  # catching up again and again while they write
        for thread in threads:
            thread.join()
        assert failures == []
        fresh = reopen()
        try:
            assert graph_of(other) == graph_of(fresh) == graph_of(lane)
        finally:
            fresh.close()
        assert sum(len(data[1]) for data in graph_of(other)[1].values()) == 2 + 6 + 3 * 6
    finally:
        for opening in writers:
            opening.close()
