"""Networks for tests that need a bit of everything: evidence of every kind, referrals with
events, tokens and audit entries, added the same way on every store; and a store's records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

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
from graph_models.mail import MailKind, OutgoingMail
from graph_models.referrals import ReferralEventCreate, ReferralImport
from graph_models.surveys import (
    AnswerCreate,
    AnswersSave,
    NewRespondent,
    NewSurveyRound,
    Side,
    StateView,
)
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


def add_recent_referrals(store: Store, focal: str, partners: list[str], stranger: str) -> None:
    """Referrals of the last weeks around ``focal``: six to its first partner without
    feedback (one way), three each way with its second with feedback (both ways), and two
    from ``stranger``, no partner of it, without feedback."""
    today = datetime.now(UTC).date()

    def sent(from_org: str, to_org: str, count: int, days_ago: int, closed: bool) -> list:
        at = datetime.combine(today - timedelta(days=days_ago), time(9), UTC)
        return [
            ReferralImport(
                id=f"recent-{from_org}-{to_org}-{n}",
                case_ref=f"RECENT-{n}",
                from_org=from_org,
                to_org=to_org,
                sent_at=at,
                consent=True,
                events=[(ReferralStatus.DECLINED, at + timedelta(days=2))] if closed else [],
            )
            for n in range(count)
        ]

    recent = [
        *sent(focal, partners[0], 6, 10, closed=False),
        *sent(focal, partners[1], 3, 20, closed=True),
        *sent(partners[1], focal, 3, 30, closed=True),
        *sent(stranger, focal, 2, 40, closed=False),
    ]
    store.import_bundle(NetworkBundle(name="recent", title="Recent", referrals=recent))


SURVEYED = datetime(2027, 3, 1, 9, tzinfo=UTC)


def add_survey_round(store: Store) -> None:
    """A round of the organization with the most relationships about three of its partners,
    answered by three people at the agency and three at the first partner, and its invitations
    in the outbox, one of them sent."""
    graph = store.partner_graph()
    focal = max(sorted(graph), key=graph.degree)
    partners = sorted(graph[focal])[:3]
    inside = [NewRespondent(id=f"staff-{n}", name=f"Staff {n}", org_id=focal, side=Side.AGENCY,
                            email=f"staff-{n}@example.org", partner_ids=partners)
              for n in range(3)]  # fmt: skip
    outside = [NewRespondent(id=f"partner-{n}", name=f"Partner {n}", org_id=partners[0],
                             side=Side.PARTNER, email=None, partner_ids=partners[:1])
               for n in range(4)]  # fmt: skip
    store.create_survey_round(
        NewSurveyRound(
            id="spring-round",
            org_id=focal,
            title="Spring round",
            created_by="Lee",
            created_at=SURVEYED,
            closes_at=SURVEYED + timedelta(days=3650),
            partner_ids=partners,
            people=[*inside, *outside],
        )
    )
    for n, person in enumerate([*inside, *outside[:3]]):
        answers = [
            AnswerCreate(partner_id=partner, openness=1 + n % 4, reliability=2, shared_mission=3,
                         influence=4, resources=1 + (n + 1) % 4, involvement=2,
                         state_view=list(StateView)[n % 4], comment=f"said {n}")
            for partner in person.partner_ids
        ]  # fmt: skip
        save = AnswersSave(version=0, answers=answers)
        store.save_survey_answers("spring-round", person.id, save, saved_at=SURVEYED)
    store.queue_mail(
        [
            OutgoingMail(id=f"mail-{person.id}", kind=MailKind.INVITATION,
                         to_address=person.email or "", to_name=person.name, subject="Spring",
                         body="Your link", round_id="spring-round", org_id=focal,
                         created_at=SURVEYED)
            for person in inside
        ]
    )  # fmt: skip
    store.claim_mail("mail-staff-0", at=SURVEYED)
    store.settle_mail("mail-staff-0", sent_at=SURVEYED, error=None)


def fill(store: Store) -> None:
    """The Oregon network with evidence, referrals, a token, audit entries and a survey round
    with its answers and mail."""
    load_seed(store, "oregon")
    add_evidence_and_referrals(store)
    add_survey_round(store)
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
