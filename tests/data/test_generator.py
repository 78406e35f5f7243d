"""The statewide generator: its shape, its determinism, and importing it batch by batch."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from functools import cache

import pytest

from graph_models import NetworkBundle, OrganizationQuery, ReferralImport
from service.data.generator import CLOCK, COUNTIES, SCALES, generate_network, load_network
from service.errors import Conflict, InvalidReference
from service.store import Store
from tests.conftest import SECTORS


@cache
def tiny() -> tuple[NetworkBundle, ...]:
    return tuple(generate_network(scale="tiny", seed=7))


def everything(kind: str) -> list:  # type: ignore[type-arg]
    return [item for batch in tiny() for item in getattr(batch, kind)]


def test_a_tiny_network_has_the_counts_of_its_scale() -> None:
    scale = SCALES["tiny"]
    assert len(everything("organizations")) == scale.organizations
    assert len(everything("contacts")) == scale.organizations * scale.contacts_per_organization
    assert len(everything("relationships")) == scale.relationships
    assert len(everything("referrals")) == scale.referrals


def test_every_sector_of_the_catalog_and_every_county_has_organizations() -> None:
    catalog = {sector.slug for sector in everything("sectors")}
    organizations = everything("organizations")
    assert {org.sector for org in organizations} == catalog
    assert {org.region for org in organizations} == {*COUNTIES, "Statewide"}


def test_degrees_are_heavy_tailed_with_hubs_tied_to_many_partners() -> None:
    degree = Counter[str]()
    for rel in everything("relationships"):
        degree[rel.org_a] += 1
        degree[rel.org_b] += 1
    counts = sorted(degree.values())
    hubs = [org_id for org_id, _ in degree.most_common(SCALES["tiny"].hubs)]
    assert statistics.median(counts) <= 4
    assert counts[-1] >= 25 * statistics.median(counts)
    assert all(org_id < f"org-{SCALES['tiny'].hubs:05d}" for org_id in hubs)


def test_relationships_have_one_to_four_assessments_in_time_order() -> None:
    lengths = Counter(len(rel.history) for rel in everything("relationships"))
    assert set(lengths) == {1, 2, 3, 4}
    for rel in everything("relationships"):
        moments = [step.assessed_at for step in rel.history]
        assert moments == sorted(moments)


def test_between_a_third_and_three_quarters_of_loops_close_some_of_them_late() -> None:
    referrals: list[ReferralImport] = everything("referrals")
    closed = [r for r in referrals if r.final_state.loop_closed_at is not None]
    assert 1 / 3 <= len(closed) / len(referrals) <= 3 / 4
    late = [r for r in closed if (r.final_state.loop_closed_at - r.sent_at).days > 30]  # type: ignore[operator]
    assert 0.02 <= len(late) / len(closed) <= 0.5
    assert max(at for r in referrals for _, at in r.events) <= CLOCK


def test_receivers_close_loops_at_rates_of_their_own() -> None:
    sent, closed = Counter[str](), Counter[str]()
    for referral in everything("referrals"):
        sent[referral.to_org] += 1
        closed[referral.to_org] += referral.final_state.loop_closed_at is not None
    rates = [closed[org] / sent[org] for org in sent if sent[org] >= 20]
    assert max(rates) - min(rates) >= 0.3


def test_most_referrals_follow_a_relationship_and_some_do_not() -> None:
    related = {frozenset((rel.org_a, rel.org_b)) for rel in everything("relationships")}
    referrals = everything("referrals")
    along = sum(frozenset((r.from_org, r.to_org)) in related for r in referrals)
    assert 0.8 <= along / len(referrals) < 1


def test_cases_are_referred_onward_more_than_once() -> None:
    per_case = Counter(referral.case_ref for referral in everything("referrals"))
    assert max(per_case.values()) >= 3
    assert len(per_case) < len(everything("referrals"))


def test_partners_meet_and_plan_meetings_after_the_last_day_and_hubs_hold_sessions() -> None:
    engagements = everything("engagements")
    statuses = Counter(e.status.value for e in engagements)
    assert statuses["held"] > statuses["planned"] > statuses["cancelled"] > 0
    assert all((e.date > CLOCK.date()) == (e.status.value == "planned") for e in engagements)
    sessions = [e for e in engagements if len(e.org_ids) > 2]
    hubs = {f"org-{number:05d}" for number in range(SCALES["tiny"].hubs)}
    assert {e.org_ids[0] for e in sessions} == hubs
    assert min(len(e.org_ids) for e in sessions) >= 21
    assert all(
        contact.startswith(tuple(e.org_ids)) for e in engagements for contact in e.contact_ids
    )


def test_evidence_of_levels_three_to_six_binds_partners_counties_and_the_hubs() -> None:
    related = {frozenset((rel.org_a, rel.org_b)) for rel in everything("relationships")}
    for kind in ("joint_programs", "agreements"):
        records = everything(kind)
        assert records and all(frozenset(record.org_ids) in related for record in records)
        assert any(record.end is not None for record in records)
    local, state = [], []
    for collaborative in everything("collaboratives"):
        (state if collaborative.scope.value == "state" else local).append(collaborative)
    regions = {org.id: org.region for org in everything("organizations")}
    assert len({regions[c.member_org_ids[0]] for c in local}) == len(local) >= 30
    assert all(len({regions[m] for m in c.member_org_ids}) == 1 for c in local)
    assert [len(c.member_org_ids) for c in state] == [SCALES["tiny"].hubs]


def test_the_same_seed_gives_the_same_network_and_another_seed_another() -> None:
    again = list(generate_network(scale="tiny", seed=7))
    assert [b.model_dump() for b in again] == [b.model_dump() for b in tiny()]
    other = next(iter(generate_network(scale="tiny", seed=8)))
    assert other.organizations != tiny()[0].organizations


def test_a_generated_network_loads_batch_by_batch_into_a_store(store: Store) -> None:
    summary = load_network(store, scale="tiny", seed=7)
    scale = SCALES["tiny"]
    assert summary.organizations == scale.organizations
    assert summary.relationships == scale.relationships
    assert summary.referrals == scale.referrals
    assert summary.referral_events == sum(len(r.events) for r in everything("referrals"))
    assert summary.engagements == len(everything("engagements"))
    assert summary.evidence == sum(
        len(everything(kind)) for kind in ("joint_programs", "agreements", "collaboratives")
    )
    hub = store.partner_graph("org-00000")
    assert hub.degree("org-00000") == max(dict(store.partner_graph().degree).values())
    assert store.list_organizations(OrganizationQuery(limit=1)).total == scale.organizations


def test_a_referral_batch_imported_twice_is_refused_whole_and_nothing_doubles(
    store: Store,
) -> None:
    store.upsert_sectors(SECTORS)
    for batch in tiny()[:-1]:
        store.import_bundle(batch)
    last = tiny()[-1]
    store.import_bundle(last.model_copy(update={"referrals": last.referrals[:100]}))
    before = store.feedback_loops(overdue_before=CLOCK, worst=10**6)
    with pytest.raises(Conflict, match="ref-"):
        store.import_bundle(last)
    assert store.feedback_loops(overdue_before=CLOCK, worst=10**6) == before


def test_a_referral_batch_with_one_bad_referral_writes_nothing(store: Store) -> None:
    for batch in tiny()[:-1]:
        store.import_bundle(batch)
    last = tiny()[-1]
    raw = json.loads(last.model_dump_json())
    raw["referrals"][-1]["to_org"] = "no-such-org"
    with pytest.raises(InvalidReference, match="no-such-org"):
        store.import_bundle(NetworkBundle.model_validate(raw))
    assert store.feedback_loops(overdue_before=CLOCK, worst=10**6).pairs == []
