"""Maps as drawings, vis-network data and SVG, made from constructed eco-maps."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, date, datetime

import pytest

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
from visualizations.drawing import (
    NOTABLE,
    SCREEN,
    WEDGE_LIMIT,
    ecomap_drawing,
    region_drawing,
)
from visualizations.layout import label_box, overlaps
from visualizations.style import font_size
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


def region_of(count: int, *, isolated: int = 0) -> RegionMap:
    """A region of ``count`` organizations in two sectors, in pairs, and some with no one."""
    orgs = [org(f"o{n}", sector=("wic", "library")[n % 4 // 2]) for n in range(count + isolated)]
    rels = [
        MapRelationship(id=f"o{n}~o{n + 1}", org_a=f"o{n}", org_b=f"o{n + 1}", state="red")
        for n in range(0, count - 1, 2)
    ]
    return RegionMap(region="Lane", as_of=None, organizations=orgs, relationships=rels)


def label_boxes(nodes) -> list[tuple[float, float, float, float]]:
    return [label_box(n.x, n.y, n.size, n.label, font_size(n.kind)) for n in nodes if n.label]


def no_two_overlap(boxes) -> bool:
    return not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_region_maps_are_laid_out_here_in_labelled_clusters_with_physics_off():
    drawing = region_drawing(region_of(40), sector_labels={"wic": "WIC", "library": "Libraries"})
    data = vis_network(drawing)
    assert data["options"]["physics"]["enabled"] is False
    clusters = [n for n in drawing.nodes if n.kind == "cluster"]
    assert [n.label.splitlines()[0] for n in clusters] == ["Libraries", "WIC"]
    organizations = [n for n in drawing.nodes if n.kind == "organization"]
    assert len(organizations) == 40
    assert len({(n.x, n.y) for n in organizations}) == 40
    assert {n.group for n in organizations} == {"WIC", "Libraries"}
    assert drawing.edges[0].tooltip == "O0 — O1\nRed (stressful): Heal and re-involve"


def test_the_clusters_of_a_region_sit_around_the_centre():
    drawing = region_drawing(region_of(400))
    xs = [n.x for n in drawing.nodes]
    ys = [n.y for n in drawing.nodes]
    assert abs((max(xs) + min(xs)) / 2) < 0.1 * (max(xs) - min(xs))
    assert abs((max(ys) + min(ys)) / 2) < 0.1 * (max(ys) - min(ys))


def test_organizations_without_relationships_are_listed_apart_not_drawn():
    drawing = region_drawing(region_of(4, isolated=3))
    assert [o.id for o in drawing.apart] == ["o4", "o5", "o6"]
    assert {"o4", "o5", "o6"}.isdisjoint(n.id for n in drawing.nodes)


def test_region_labels_never_overlap_and_the_best_connected_are_labelled_first():
    region = region_of(2000)
    hub = [
        MapRelationship(id=f"o0~o{n}", org_a="o0", org_b=f"o{n}", state="green")
        for n in range(2, 30)
    ]
    region = region.model_copy(update={"relationships": region.relationships + hub})
    drawing = region_drawing(region)
    assert no_two_overlap(label_boxes(drawing.nodes))
    assert next(n for n in drawing.nodes if n.id == "o0").label == "O0"
    assert all(n.label for n in drawing.nodes if n.kind == "cluster")


def test_communities_group_organizations_that_are_tied_together():
    orgs = [org(f"o{n}", sector=("wic", "library")[n % 2]) for n in range(8)]

    def ring(ids: list[str]) -> list[MapRelationship]:
        return [
            MapRelationship(id=f"{a}~{b}", org_a=a, org_b=b, state="green")
            for a, b in zip(ids, ids[1:] + ids[:1], strict=True)
        ]

    rels = ring(["o0", "o1", "o2", "o3"]) + ring(["o4", "o5", "o6", "o7"])
    region = RegionMap(region="Lane", as_of=None, organizations=orgs, relationships=rels)
    drawing = region_drawing(region, grouping="community")
    groups = {n.id: n.group for n in drawing.nodes if n.kind == "organization"}
    assert groups["o0"] == groups["o1"] == groups["o2"] == groups["o3"]
    assert groups["o4"] == groups["o7"] != groups["o0"]
    assert all(name.startswith("Community ") for name in groups.values())


def test_a_focus_keeps_one_organization_and_its_neighbours_coloured_by_their_state():
    orgs = [org(o) for o in ("a", "b", "c", "d")]
    rels = [
        MapRelationship(id="a~b", org_a="a", org_b="b", state="red"),
        MapRelationship(id="b~c", org_a="b", org_b="c", state="green"),
        MapRelationship(id="c~d", org_a="c", org_b="d", state="green"),
    ]
    region = RegionMap(region="Lane", as_of=None, organizations=orgs, relationships=rels)
    one = region_drawing(region, focus="a")
    assert sorted((n.id, n.kind) for n in one.nodes) == [("a", "focal"), ("b", "organization")]
    b = next(n for n in one.nodes if n.id == "b")
    assert (b.state, b.x, b.y) != (None, 0.0, 0.0)
    assert b.fill == "#e03131"
    two = region_drawing(region, focus="a", depth=2)
    assert sorted(n.id for n in two.nodes) == ["a", "b", "c"]
    assert next(n for n in two.nodes if n.id == "c").state is None
    assert one.title == "Network of Lane around A"


def test_region_filters_keep_the_sectors_and_states_asked_for():
    orgs = [org("a", "wic"), org("b", "wic"), org("c", "library")]
    rels = [
        MapRelationship(id="a~b", org_a="a", org_b="b", state="red"),
        MapRelationship(id="a~c", org_a="a", org_b="c", state="green"),
    ]
    region = RegionMap(region="Lane", as_of=None, organizations=orgs, relationships=rels)
    only_wic = region_drawing(region, sectors=["wic"])
    drawn = [n.id for n in only_wic.nodes if n.kind == "organization"]
    assert (sorted(drawn), [e.id for e in only_wic.edges]) == (["a", "b"], ["a~b"])
    only_green = region_drawing(region, states=[RelationshipState.GREEN])
    assert [e.id for e in only_green.edges] == ["a~c"]
    assert [o.id for o in only_green.apart] == ["b"]


def test_dashes_of_a_region_map_of_thousands_of_lines_keep_their_legend_length_on_the_screen():
    drawing = region_drawing(region_of(2000))
    xs, ys = [n.x for n in drawing.nodes], [n.y for n in drawing.nodes]
    whole_map_fits = min(SCREEN[0] / (max(xs) - min(xs)), SCREEN[1] / (max(ys) - min(ys)))
    red = edge_to(vis_network(drawing), "o0")["dashes"]
    assert [d * whole_map_fits for d in red] == pytest.approx([3, 4], rel=0.1)
    assert edge_to(vis_network(region_drawing(region_of(40))), "o0")["dashes"] == [3, 4]


def many_partners(count: int) -> EcoMap:
    sectors = ("wic", "library", "health", "housing")
    return hub_map(
        *(
            partner(
                f"p{n:04}",
                ("green", "yellow", "red", "no_dot")[n % 4],
                level=(n % 6) or None,
                sent=n % 5,
                sector=sectors[n % 3 if n % 10 else 3],
            )
            for n in range(count)
        ),
        missing_sectors=[MissingSector(sector="tribe", label="Tribal nations")],
        profile="infant-toddler",
    )


def test_past_the_threshold_partners_are_grouped_by_sector_in_wedges_with_counts_per_state():
    drawing = ecomap_drawing(many_partners(WEDGE_LIMIT + 1), sector_labels={"wic": "WIC"})
    wedges = {n.id: n for n in drawing.nodes if n.kind == "sector"}
    assert set(wedges) == {"wedge:wic", "wedge:library", "wedge:health", "wedge:housing"}
    counts = Counter(
        p.state for p in many_partners(WEDGE_LIMIT + 1).partners if p.organization.sector == "wic"
    )
    first, *states = wedges["wedge:wic"].label.splitlines()
    assert first == f"WIC ({sum(counts.values())})"
    assert " · ".join(states).split(" · ")[0] == f"{counts[RelationshipState.GREEN]} green"
    missing = next(n for n in drawing.nodes if n.kind == "missing_sector")
    assert missing.label == "Tribal nations\nno partner yet" and missing.dashed
    assert {e.target for e in drawing.edges} >= set(wedges)


def test_a_wedge_holds_its_partners_until_it_opens_and_the_notable_ones_show_at_once():
    ecomap = many_partners(600)
    drawing = ecomap_drawing(ecomap)
    shown = [n for n in drawing.nodes if n.kind == "partner"]
    assert len(shown) == NOTABLE
    waiting = [n for group in drawing.closed.values() for n in group.nodes]
    assert len(shown) + len(waiting) == 600
    assert all(n.group == wedge for wedge, g in drawing.closed.items() for n in g.nodes)
    levels = {p.organization.id: p.partnership_level for p in ecomap.partners}
    assert any(levels[n.id] == 5 for n in shown)
    assert any(n.state is RelationshipState.RED for n in shown)
    data = vis_network(drawing)
    assert set(data["closed"]) == set(drawing.closed)


def test_labels_of_a_6000_partner_map_never_overlap_whichever_wedges_open():
    drawing = ecomap_drawing(many_partners(6000))
    every = drawing.every_node()
    assert no_two_overlap(label_boxes(every))
    assert sum(1 for n in every if n.label) > 100
    assert all(n.label for n in drawing.nodes if n.kind in ("focal", "sector", "missing_sector"))


def test_small_eco_maps_drop_only_the_labels_that_would_overlap():
    drawing = ecomap_drawing(many_partners(WEDGE_LIMIT))
    assert len([n for n in drawing.nodes if n.kind == "partner"]) == WEDGE_LIMIT
    assert no_two_overlap(label_boxes(drawing.nodes))


def test_pictures_carry_the_day_and_the_profile():
    drawing = ecomap_drawing(many_partners(3), today=date(2024, 5, 1))
    assert drawing.subtitle == "As of 2024-05-01 · profile infant-toddler"
    root = ET.fromstring(drawing_svg(drawing))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "As of 2024-05-01 · profile infant-toddler" in texts
    assert vis_network(drawing)["subtitle"] == drawing.subtitle
