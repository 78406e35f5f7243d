"""Networks for tests that need a bit of everything: evidence of every kind, referrals with
events, tokens and audit entries, added the same way on every store; and a store's records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from graph_models import NetworkBundle, ReferralStatus, Role, TokenCreate
from graph_models.audit import AuditAction, AuditEntryCreate
from graph_models.evidence import (
    AgreementCreate,
    CollaborativeCreate,
    JointCasePlanCreate,
    JointProgramCreate,
    ReferralFact,
    ReferralTally,
)
from graph_models.referrals import ReferralEventCreate, ReferralImport
from service.data.seeds import load_seed
from service.store import Store
from service.store.shared.copying import RecordKind, Row


def add_evidence_and_referrals(store: Store) -> None:
    """Partnership evidence of every kind and referrals with events around the organization
    with the most relationships, the same on every store."""
    graph = store.partner_graph()
    focal = max(sorted(graph), key=graph.degree)
    partners = sorted(graph[focal])
    day = date(2018, 3, 1)
    store.create_joint_case_plan(
        JointCasePlanCreate(case_ref="PARITY-1", org_ids=[focal, partners[0]], date=day)
    )
    store.create_joint_program(
        JointProgramCreate(name="Joint intake", org_ids=[focal, *partners[1:3]], start=day)
    )
    store.create_agreement(
        AgreementCreate(
            kind="liaison", org_ids=[focal, partners[3]], start=date(2016, 1, 1), end=day
        )
    )
    store.create_collaborative(
        CollaborativeCreate(
            name="County table",
            scope="local",
            governance="members elect a chair",
            member_org_ids=[focal, *partners[4:7]],
            start=date(2015, 5, 1),
        )
    )
    store.create_collaborative(
        CollaborativeCreate(
            name="State cabinet", scope="state", member_org_ids=[focal, partners[-1]], start=day
        )
    )
    sent = datetime(2018, 4, 2, 9, tzinfo=UTC)
    referrals = [
        ReferralImport(
            id=f"parity-ref-{n}",
            case_ref=f"PARITY-{n % 3}",
            from_org=focal if n % 2 else partner,
            to_org=partner if n % 2 else focal,
            sent_at=sent + timedelta(days=n),
            consent=True,
            recorded_by="parity test",
            events=[
                (status, sent + timedelta(days=n + 2 + step))
                for step, status in enumerate(
                    [ReferralStatus.RECEIVED, ReferralStatus.ACCEPTED][: n % 3]
                )
            ],
        )
        for n, partner in enumerate(partners[:8])
    ]
    store.import_bundle(NetworkBundle(name="parity", title="Parity", referrals=referrals))
    store.add_referral_event(
        "parity-ref-1",
        ReferralEventCreate(status=ReferralStatus.ACCEPTED, at=sent + timedelta(days=30)),
        recorded_by="parity test",
    )


def fill(store: Store) -> None:
    """The Oregon network with evidence, referrals, a token and audit entries."""
    load_seed(store, "oregon")
    add_evidence_and_referrals(store)
    store.create_token(
        TokenCreate(name="Cas", role=Role.CASEWORKER, org_id="oha"), token_hash="hash-of-cas"
    )
    store.record_audit(
        [
            AuditEntryCreate(
                actor="Cas",
                token_id="cas",
                role=Role.CASEWORKER,
                org_id="oha",
                action=AuditAction.TRACE_CASE,
                case_ref=f"OR-DEMO-0{n}",
            )
            for n in range(1, 4)
        ]
    )


def export(store: Store, *, batch_size: int = 1000) -> dict[RecordKind, list[Row]]:
    return {
        kind: [row for batch in store.export_records(kind, batch_size=batch_size) for row in batch]
        for kind in RecordKind
    }


def tallied(
    focal: str, referrals: Iterable[ReferralFact], *, until: datetime
) -> dict[str, ReferralTally]:
    """What ``Store.referral_tallies`` gives for ``referrals``: those between ``focal`` and a
    partner sent by ``until``, tallied by partner."""
    found: dict[str, ReferralTally] = {}
    for fact in sorted(referrals, key=lambda fact: fact.sent_at):
        if fact.sent_at > until or fact.from_org == fact.to_org:
            continue
        if focal not in (fact.from_org, fact.to_org):
            continue
        partner = fact.to_org if fact.from_org == focal else fact.from_org
        sent, received, first, _ = found.get(partner, (0, 0, fact.sent_at, fact.sent_at))
        found[partner] = ReferralTally(
            sent + (fact.from_org == focal), received + (fact.to_org == focal), first, fact.sent_at
        )
    return found
