"""Maps as drawings, vis-network data and SVG, made from constructed eco-maps."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from graph_models import RelationshipState
from graph_models.ecomaps import (
    EcoMap,
    EcoMapPartner,
    MapOrganization,
    MapRelationship,
    MissingSector,
    PartnerLink,
    PartnerOfPartner,
    RegionMap,
)
from visualizations.drawing import GROUP_LIMIT, INTERACTIVE_LIMIT, ecomap_drawing, region_drawing
from visualizations.svg import drawing_svg
from visualizations.vis import vis_network

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<img src=x onerror="window.pwned=1"><script>alert(1)</script> & "Co"'
AT = datetime(2020, 1, 1, tzinfo=UTC)


def org(org_id: str, sector: str = "wic", name: str | None = None) -> MapOrganization:
    return MapOrganization(
        id=org_id, name=name or org_id.title(), sector=sector, region="Lane", internal=False
    )


def partner(
    org_id: str,
    state: str,
    *,
    level: int | None = None,
    sent: int = 0,
    received: int = 0,
    open_loops: int = 0,
    sector: str = "wic",
    name: str | None = None,
) -> EcoMapPartner:
    return EcoMapPartner(
        organization=org(org_id, sector, name),
        relationship_id=f"hub~{org_id}",
        state=RelationshipState(state),
        action=RelationshipState(state).action,
        state_since=AT,
        first_assessed_at=AT,
        partnership_level=level,
        referrals_sent=sent,
        referrals_received=received,
        open_loops=open_loops,
    )


def hub_map(*partners: EcoMapPartner, **extra: object) -> EcoMap:
    return EcoMap(
        focal=org("hub", "early_learning_hub", "The Hub"),
        as_of=None,
        depth=1,
        partners=list(partners),
        **extra,
    )


def edge_to(data: dict, node_id: str) -> dict:
    return next(edge for edge in data["edges"] if node_id in (edge["to"], edge["from"]))


def test_lines_are_weighted_by_partnership_level_and_styled_by_state():
    data = vis_network(
        ecomap_drawing(
            hub_map(
                partner("a", "green", level=1),
                partner("b", "yellow", level=5),
                partner("c", "red"),
                partner("d", "no_dot"),
            )
        )
    )
    assert [edge_to(data, n)["width"] for n in "abcd"] == [2.0, 6.0, 1.5, 1.5]
    assert edge_to(data, "a")["dashes"] is False
    assert edge_to(data, "b")["dashes"] == edge_to(data, "d")["dashes"] == [10, 7]
    assert edge_to(data, "c")["dashes"] == [3, 4]
    assert [edge_to(data, n)["state"] for n in "abcd"] == ["green", "yellow", "red", "no_dot"]


def test_arrows_point_the_way_referrals_went_and_the_line_carries_their_counts():
    data = vis_network(
        ecomap_drawing(
            hub_map(
                partner("out", "green", sent=4),
                partner("in", "green", received=2),
                partner("both", "yellow", sent=1, received=3, open_loops=2),
                partner("none", "red"),
            )
        )
    )
    assert [(edge_to(data, n)["arrows"], edge_to(data, n)["label"]) for n in ("out", "in")] == [
        ("to", "4 sent"),
        ("from", "2 received"),
    ]
    both = edge_to(data, "both")
    assert (both["from"], both["to"], both["arrows"]) == ("hub", "both", "to, from")
    assert both["label"] == "1 sent · 3 received"
    assert "2 open loops" in both["title"]
    assert (edge_to(data, "none")["arrows"], edge_to(data, "none")["label"]) == ("", "")


def test_the_agency_is_in_the_centre_and_partners_are_coloured_by_state():
    data = vis_network(ecomap_drawing(hub_map(partner("a", "red"), partner("b", "green"))))
    hub, b, a = data["nodes"]
    assert (hub["id"], hub["x"], hub["y"], hub["kind"]) == ("hub", 0.0, 0.0, "focal")
    assert (a["state"], a["color"]["background"]) == ("red", "#e03131")
    assert (b["state"], b["color"]["background"]) == ("green", "#2f9e44")
    assert data["options"]["physics"]["enabled"] is False


def test_missing_sectors_are_empty_dashed_places_without_lines():
    drawing = ecomap_drawing(
        hub_map(
            partner("a", "green"),
            profile="oregon",
            missing_sectors=[MissingSector(sector="tribe", label="Tribes")],
        )
    )
    data = vis_network(drawing)
    place = next(node for node in data["nodes"] if node["kind"] == "missing_sector")
    assert (place["id"], place["label"], place["color"]["background"]) == (
        "missing:tribe",
        "Tribes",
        "#ffffff",
    )
    assert place["shapeProperties"] == {"borderDashes": [5, 5]}
    assert len(data["edges"]) == 1


def test_partners_of_partners_sit_outside_with_a_line_to_each_partner_they_know():
    far = PartnerOfPartner(
        organization=org("clinic", "primary_care"),
        via=[
            PartnerLink(partner_id="a", relationship_id="a~clinic", state="red"),
            PartnerLink(partner_id="b", relationship_id="b~clinic", state="green"),
        ],
    )
    drawing = ecomap_drawing(
        hub_map(partner("a", "green"), partner("b", "green"), partners_of_partners=[far])
    )
    clinic = next(node for node in drawing.nodes if node.id == "clinic")
    a = next(node for node in drawing.nodes if node.id == "a")
    assert clinic.kind == "partner_of_partner"
    assert abs(complex(clinic.x, clinic.y)) > abs(complex(a.x, a.y))
    assert {(e.source, e.target, e.state.value) for e in drawing.edges if e.target == "clinic"} == {
        ("a", "clinic", "red"),
        ("b", "clinic", "green"),
    }


def test_filters_keep_only_partners_of_the_sector_and_state_asked_for():
    m = hub_map(
        partner("a", "green", sector="wic"),
        partner("b", "red", sector="wic"),
        partner("c", "red", sector="library"),
        missing_sectors=[MissingSector(sector="tribe", label="Tribes")],
    )

    def ids(**filters: object) -> list[str]:
        return [n.id for n in ecomap_drawing(m, **filters).nodes]

    assert ids(sectors=["wic"]) == ["hub", "a", "b"]
    assert ids(states=[RelationshipState.RED]) == ["hub", "c", "b"]
    assert ids(sectors=["tribe"]) == ["hub", "missing:tribe"]


def test_partners_go_around_the_ring_by_sector_then_state_then_name():
    m = hub_map(
        partner("w1", "red", sector="wic"),
        partner("l1", "red", sector="library"),
        partner("w2", "green", sector="wic"),
        partner("l2", "green", sector="library"),
        partner("l3", "green", sector="library"),
        missing_sectors=[MissingSector(sector="tribe", label="Tribes")],
    )
    labels = {"wic": "WIC", "library": "Libraries"}
    order = [n.id for n in ecomap_drawing(m, sector_labels=labels).nodes]
    assert order == ["hub", "l2", "l3", "l1", "missing:tribe", "w2", "w1"]


def test_tooltips_are_plain_text_with_the_state_action_level_and_referrals():
    data = vis_network(
        ecomap_drawing(hub_map(partner("a", "yellow", level=3, sent=2, name=HOSTILE)))
    )
    tooltip = next(node for node in data["nodes"] if node["id"] == "a")["title"]
    assert tooltip.splitlines() == [
        HOSTILE,
        "wic · Lane",
        "Yellow — improve: Improve the relationship and enhance involvement",
        "In this state since 2020-01-01",
        "Partnership level 3",
        "Referrals: 2 sent, 0 received, 0 open loops",
    ]


def test_the_svg_export_keeps_every_name_as_text_whatever_markup_it_holds():
    m = hub_map(
        partner("a", "red", sent=1, name=HOSTILE),
        missing_sectors=[MissingSector(sector="tribe", label="<b>Tribes</b>")],
        profile="oregon",
    )
    root = ET.fromstring(drawing_svg(ecomap_drawing(m)))
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Eco-map of The Hub"
    assert not root.findall(f".//{SVG}script") and not root.findall(f".//{SVG}img")
    node = root.find(f".//{SVG}g[@data-id='a']")
    assert node.find(f"{SVG}title").text.splitlines()[0] == HOSTILE
    assert node.find(f"{SVG}text").text == HOSTILE[:27] + "…"
    place = root.find(f".//{SVG}g[@data-id='missing:tribe']")
    assert place.find(f"{SVG}text").text == "<b>Tribes</b>"
    assert place.find(f"{SVG}circle").get("stroke-dasharray") == "5 5"
    line = root.find(f".//{SVG}line[@data-state='red']")
    assert (line.get("stroke-dasharray"), line.get("marker-end")) == ("3 4", "url(#arrow-red)")
    legend = " ".join(text.text for text in root.iter(f"{SVG}text") if text.text)
    for words in ("keep", "improve", "heal", "develop", "solid line", "dashed", "hashed"):
        assert words in legend


def test_a_small_region_settles_in_the_browser_and_a_large_one_is_laid_out_here():
    def region(count: int) -> RegionMap:
        orgs = [org(f"o{n}", sector=("wic", "library")[n % 2]) for n in range(count)]
        rels = [MapRelationship(id="o0~o1", org_a="o0", org_b="o1", state="red")]
        return RegionMap(region="Lane", as_of=None, organizations=orgs, relationships=rels)

    small = vis_network(region_drawing(region(INTERACTIVE_LIMIT)))
    large = vis_network(region_drawing(region(INTERACTIVE_LIMIT + 1)))
    assert small["options"]["physics"]["enabled"] is True
    assert large["options"]["physics"]["enabled"] is False
    assert {node["physics"] for node in large["nodes"]} == {False}
    assert len(large["nodes"]) == INTERACTIVE_LIMIT + 1
    assert len({(node["x"], node["y"]) for node in large["nodes"]}) == INTERACTIVE_LIMIT + 1
    assert large["edges"][0]["title"] == ("O0 — O1\nRed (stressful): Heal and re-involve")


def test_region_filters_keep_the_sectors_and_states_asked_for():
    orgs = [org("a", "wic"), org("b", "wic"), org("c", "library")]
    rels = [
        MapRelationship(id="a~b", org_a="a", org_b="b", state="red"),
        MapRelationship(id="a~c", org_a="a", org_b="c", state="green"),
    ]
    region = RegionMap(region="Lane", as_of=None, organizations=orgs, relationships=rels)
    only_wic = region_drawing(region, sectors=["wic"])
    assert ([n.id for n in only_wic.nodes], [e.id for e in only_wic.edges]) == (["a", "b"], ["a~b"])
    only_green = region_drawing(region, states=[RelationshipState.GREEN])
    assert [e.id for e in only_green.edges] == ["a~c"]
    assert len(only_green.nodes) == 3


def test_a_region_too_large_to_read_is_drawn_as_one_node_per_sector():
    orgs = [org(f"o{n}", sector=("wic", "library")[n % 2]) for n in range(GROUP_LIMIT + 2)]
    rels = [
        MapRelationship(id="o0~o1", org_a="o0", org_b="o1", state="red"),
        MapRelationship(id="o1~o2", org_a="o1", org_b="o2", state="red"),
        MapRelationship(id="o2~o3", org_a="o2", org_b="o3", state="green"),
        MapRelationship(id="o0~o2", org_a="o0", org_b="o2", state="green"),
    ]
    region = RegionMap(region="Lane", as_of=None, organizations=orgs, relationships=rels)
    labels = {"wic": "WIC", "library": "Libraries"}
    drawing = region_drawing(region, sector_labels=labels)
    half = (GROUP_LIMIT + 2) // 2
    assert [(n.id, n.label) for n in drawing.nodes] == [
        ("sector:library", f"Libraries ({half})"),
        ("sector:wic", f"WIC ({half})"),
    ]
    assert drawing.nodes[1].tooltip.splitlines()[-1] == "Within the sector: 1 green"
    [line] = drawing.edges
    assert (line.source, line.target, line.state) == ("sector:library", "sector:wic", "red")
    assert line.tooltip.splitlines()[-1] == "Relationships between them: 1 green, 2 red"
    assert drawing.settled
    assert len(region_drawing(region, sectors=["wic"]).nodes) == half
