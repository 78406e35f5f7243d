"""What an imported file means for the stored network: every reader turns its file into a
:class:`Draft` (rows as written, organizations named by id or by name), and :func:`plan_import`
matches it against the store into one :class:`~graph_models.NetworkBundle` of creations and
changes and the preview of what applying it does.

Rows match stored records by id, else by exact name (contacts by name at their organization,
engagements by title and date). A file imported twice changes nothing the second time: an
assessment already in a relationship's history is left, a new one is added, none is
overwritten.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from graph_models import (
    AssessmentImport,
    ContactCreate,
    EngagementCreate,
    NetworkBundle,
    OrganizationCreate,
    RelationshipImport,
    RelationshipState,
    Sector,
    relationship_id,
)
from graph_models.common import slugify, utc_now
from graph_models.evidence import AgreementCreate, CollaborativeCreate, JointProgramCreate
from graph_models.imports import ImportPreview, ImportProblem
from service.data.snapshot import stored_rows
from service.store import Store
from service.store.shared.copying import RecordKind, Row
from service.store.shared.evidence import evidence_row
from service.store.shared.values import new_id

DEFAULT_REASON = "brought in by an import"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Where:
    """Where a record is in the file: its sheet, its row, and the file's name for each of its
    fields (as the file's header spells it)."""

    sheet: str
    row: int | None
    columns: dict[str, str] = field(default_factory=dict)

    def problem(self, column: str | None, message: str) -> ImportProblem:
        """A problem with the cell of ``column`` (a field name) of this record."""
        shown = self.columns.get(column, column) if column else None
        return ImportProblem(sheet=self.sheet, row=self.row, column=shown, message=message)


@dataclass
class DraftSector:
    where: Where
    slug: str
    label: str
    description: str = ""


@dataclass
class DraftOrganization:
    """An organization as a file gives it. ``unknown`` names the fields the file does not
    hold (``sector``, ``region``, ``internal``, ``notes``): a stored organization keeps its
    own, a new one takes the value here; a new one without a sector has the text given for
    ``sector`` as its problem."""

    where: Where
    id: str | None
    name: str
    sector: str | None
    region: str | None = None
    internal: bool = False
    notes: str = ""
    unknown: dict[str, str] = field(default_factory=dict)


@dataclass
class DraftContact:
    where: Where
    id: str | None
    organization: str
    name: str
    role: str | None = None
    email: str | None = None


@dataclass
class DraftAssessment:
    """One assessment of the relationship between two organizations, each named by id or
    name; no state means no dot, no date the moment of import. ``stateless``: the file holds
    no state at all, so a stored relationship is left as it is."""

    where: Where
    org_a: str
    org_b: str
    state: str | None = None
    reason: str | None = None
    assessed_by: str | None = None
    assessed_at: datetime | None = None
    stateless: bool = False


@dataclass
class DraftEngagement:
    where: Where
    id: str | None
    kind: str
    title: str
    date: date
    organizations: list[str]
    status: str | None = None
    contacts: list[str] = field(default_factory=list)
    notes: str = ""


@dataclass
class DraftEvidence:
    """A joint program, agreement or collaborative binding organizations named by id or
    name; ``type`` is an agreement's kind or a collaborative's scope."""

    where: Where
    kind: str
    id: str | None
    name: str | None
    type: str | None
    organizations: list[str]
    start: date | None
    end: date | None = None
    governance: str = ""
    notes: str = ""


@dataclass
class Draft:
    """A file as read: its records, and the problems found reading it."""

    format: str
    sectors: list[DraftSector] = field(default_factory=list)
    organizations: list[DraftOrganization] = field(default_factory=list)
    contacts: list[DraftContact] = field(default_factory=list)
    assessments: list[DraftAssessment] = field(default_factory=list)
    engagements: list[DraftEngagement] = field(default_factory=list)
    evidence: list[DraftEvidence] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    notices: list[ImportProblem] = field(default_factory=list)


@dataclass
class Plan:
    """What applying a file does: the bundle for ``Store.import_bundle`` and its preview."""

    preview: ImportPreview
    bundle: NetworkBundle


STATE_WORDS = {
    "green": RelationshipState.GREEN,
    "yellow": RelationshipState.YELLOW,
    "red": RelationshipState.RED,
    "no dot": RelationshipState.NO_DOT,
    "no_dot": RelationshipState.NO_DOT,
    "nodot": RelationshipState.NO_DOT,
    "none": RelationshipState.NO_DOT,
}


def parse_state(text: str | None) -> RelationshipState | None:
    """A state from its word, any case; empty is no dot; None when it is no state.

    >>> [str(parse_state(word)) for word in ("Green", None, "No Dot", "blue")]
    ['green', 'no_dot', 'no_dot', 'None']
    """
    if text is None or not text.strip():
        return RelationshipState.NO_DOT
    return STATE_WORDS.get(" ".join(text.strip().lower().split()))


def plan_import(store: Store, draft: Draft, *, assessed_by: str) -> Plan:
    """Match ``draft`` against what ``store`` keeps: the bundle applying it imports, and the
    preview (its problems include the draft's own). ``assessed_by`` stands in for assessments
    that name nobody."""
    planner = _Planner(store, draft, assessed_by)
    return planner.plan()


class _Planner:
    def __init__(self, store: Store, draft: Draft, assessed_by: str) -> None:
        self.store = store
        self.draft = draft
        self.assessed_by = assessed_by
        self.preview = ImportPreview(
            format=draft.format, problems=list(draft.problems), notices=list(draft.notices)
        )
        self.now = utc_now()
        self.stored_sectors = {sector.slug: sector for sector in store.list_sectors()}
        self.stored_orgs = {row["id"]: row for row in stored_rows(store, RecordKind.ORGANIZATIONS)}
        self.stored_contacts = {row["id"]: row for row in stored_rows(store, RecordKind.CONTACTS)}
        self.stored_rels = {row["id"] for row in stored_rows(store, RecordKind.RELATIONSHIPS)}
        self.histories: dict[str, list[Row]] = defaultdict(list)
        if draft.assessments:
            for row in stored_rows(store, RecordKind.ASSESSMENTS):
                self.histories[row["rel_id"]].append(row)
        self.stored_engagements = {
            row["id"]: row for row in stored_rows(store, RecordKind.ENGAGEMENTS)
        }

    def problem(self, where: Where, column: str | None, message: str) -> None:
        self.preview.problems.append(where.problem(column, message))

    def plan(self) -> Plan:
        sectors = self.sectors()
        orgs, updated = self.organizations()
        contacts, updated_contacts = self.contacts()
        relationships, added = self.relationships()
        engagements, updated_engagements = self.engagements()
        evidence = self.evidence()
        bundle = NetworkBundle.model_construct(
            name="import",
            title="import",
            description="",
            focal_org_ids=[],
            sectors=sectors,
            profiles=[],
            organizations=orgs,
            contacts=contacts,
            relationships=relationships,
            engagements=engagements,
            joint_programs=[e for e in evidence if isinstance(e, JointProgramCreate)],
            agreements=[e for e in evidence if isinstance(e, AgreementCreate)],
            collaboratives=[e for e in evidence if isinstance(e, CollaborativeCreate)],
            referrals=[],
            updated_organizations=updated,
            updated_contacts=updated_contacts,
            updated_engagements=updated_engagements,
            added_assessments=added,
        )
        return Plan(self.preview, bundle)

    # -- sectors ----

    def sectors(self) -> list[Sector]:
        new: list[Sector] = []
        for draft in self.draft.sectors:
            sector = self.model(
                Sector,
                draft.where,
                slug=draft.slug,
                label=draft.label,
                description=draft.description,
            )
            if sector is None:
                continue
            stored = self.stored_sectors.get(sector.slug)
            if stored == sector:
                self.preview.sectors.leave += 1
                continue
            if stored is None:
                self.preview.sectors.create += 1
            else:
                self.preview.sectors.update += 1
            self.stored_sectors[sector.slug] = sector
            new.append(sector)
        return new

    def sector_of(self, where: Where, text: str | None) -> str | None:
        """The slug of a sector named by slug or label, any case; a problem names the closest
        known ones."""
        if text is None or not text.strip():
            self.problem(where, "sector", "no sector; give a sector's slug or label")
            return None
        wanted = text.strip()
        by_name = {slug: slug for slug in self.stored_sectors}
        by_name.update({s.label.lower(): s.slug for s in self.stored_sectors.values()})
        for key in (wanted, wanted.lower(), slugify(wanted).replace("-", "_")):
            if key in by_name:
                return by_name[key]
        close = difflib.get_close_matches(wanted.lower(), list(by_name), n=3, cutoff=0.5)
        hint = f"; the closest known: {', '.join(dict.fromkeys(by_name[c] for c in close))}"
        self.problem(where, "sector", f"unknown sector '{wanted}'{hint if close else ''}")
        return None

    # -- organizations ----

    def organizations(self) -> tuple[list[OrganizationCreate], list[OrganizationCreate]]:
        self.by_name: dict[str, str] = {}
        for row in self.stored_orgs.values():
            self.by_name.setdefault(row["name"], row["id"])
        self.file_orgs: dict[str, str] = {}
        taken = set(self.stored_orgs)
        seen: dict[str, int | None] = {}
        created: list[OrganizationCreate] = []
        updated: list[OrganizationCreate] = []
        for draft in self.draft.organizations:
            key = draft.id or draft.name
            if key in seen:
                column = "id" if draft.id else "name"
                self.problem(draft.where, column, f"'{key}' is named again (row {seen[key]})")
                continue
            seen[key] = draft.where.row
            values = self.known_values(draft)
            sector = values.pop("sector")
            org_id = draft.id or self.by_name.get(draft.name)
            if org_id is None:
                org_id = new_id(None, draft.name, taken.__contains__)
            taken.add(org_id)
            self.file_orgs[draft.id or org_id] = org_id
            self.file_orgs.setdefault(draft.name, org_id)
            if sector is None:
                continue
            org = self.model(
                OrganizationCreate,
                draft.where,
                id=org_id,
                name=draft.name,
                sector=sector,
                **values,
            )
            if org is None:
                continue
            stored = self.stored_orgs.get(org_id)
            if stored is None:
                self.preview.organizations.create += 1
                created.append(org)
            elif _same(stored, org.model_dump(exclude={"id"})):
                self.preview.organizations.leave += 1
            else:
                self.preview.organizations.update += 1
                updated.append(org)
        return created, updated

    def known_values(self, draft: DraftOrganization) -> dict[str, object]:
        """The sector's slug, region, internal and notes of ``draft``; a field the file does
        not hold is the stored organization's (by id, else exact name)."""
        values: dict[str, object] = {
            "sector": draft.sector,
            "region": draft.region,
            "internal": draft.internal,
            "notes": draft.notes,
        }
        stored = self.stored_orgs.get(draft.id or self.by_name.get(draft.name) or "")
        for name, problem in draft.unknown.items():
            if stored is not None:
                values[name] = bool(stored[name]) if name == "internal" else stored[name]
            elif name == "sector" and draft.sector is None:
                self.problem(draft.where, "name", problem)
                values["sector"] = None
                return values
        wanted = values["sector"]
        values["sector"] = self.sector_of(draft.where, wanted if isinstance(wanted, str) else None)
        return values

    def org_of(self, where: Where, column: str, text: str | None) -> str | None:
        """The id of the organization named (by id or exact name) in the file or the store."""
        if text is None or not text.strip():
            self.problem(where, column, "no organization; give its id or its exact name")
            return None
        name = text.strip()
        found = self.file_orgs.get(name) or (name if name in self.stored_orgs else None)
        found = found or self.by_name.get(name)
        if found is None:
            self.problem(
                where,
                column,
                f"organization '{name}' is neither in the file's organizations nor stored",
            )
        return found

    # -- contacts ----

    def contacts(self) -> tuple[list[ContactCreate], list[ContactCreate]]:
        """New contacts, and stored ones whose fields the file changes (a role or email left
        empty keeps the stored one)."""
        at_org = {(row["org_id"], row["name"]): row["id"] for row in self.stored_contacts.values()}
        taken = set(self.stored_contacts)
        created: list[ContactCreate] = []
        updated: list[ContactCreate] = []
        for draft in self.draft.contacts:
            org_id = self.org_of(draft.where, "organization", draft.organization)
            if org_id is None:
                continue
            contact_id = draft.id or at_org.get((org_id, draft.name))
            if contact_id is None:
                contact_id = new_id(None, f"{org_id}-{draft.name}", taken.__contains__)
            if contact_id in taken and contact_id not in self.stored_contacts:
                self.problem(draft.where, "id", f"contact '{contact_id}' is named again")
                continue
            taken.add(contact_id)
            stored = self.stored_contacts.get(contact_id)
            contact = self.model(
                ContactCreate,
                draft.where,
                id=contact_id,
                org_id=org_id,
                name=draft.name,
                role=draft.role or (stored["role"] if stored else draft.name),
                email=draft.email or (stored["email"] if stored else None),
            )
            if contact is None:
                continue
            if stored is None:
                self.preview.contacts.create += 1
                created.append(contact)
            elif _same(stored, contact.model_dump(exclude={"id"})):
                self.preview.contacts.leave += 1
            else:
                self.preview.contacts.update += 1
                updated.append(contact)
        return created, updated

    # -- relationships ----

    def relationships(self) -> tuple[list[RelationshipImport], list[RelationshipImport]]:
        pairs: dict[str, list[tuple[Where, AssessmentImport]]] = defaultdict(list)
        ends: dict[str, tuple[str, str]] = {}
        for draft in self.draft.assessments:
            org_a = self.org_of(draft.where, "org_a", draft.org_a)
            org_b = self.org_of(draft.where, "org_b", draft.org_b)
            state = parse_state(draft.state)
            if state is None:
                self.problem(
                    draft.where,
                    "state",
                    f"'{draft.state}' is not a state; "
                    "give green, yellow, red, no dot or leave it empty",
                )
            if org_a is None or org_b is None or state is None:
                continue
            if org_a == org_b:
                self.problem(
                    draft.where, "org_b", "a relationship needs two different organizations"
                )
                continue
            rel_id = relationship_id(org_a, org_b)
            if draft.stateless and rel_id in self.stored_rels:
                self.preview.assessments.leave += 1
                continue
            assessment = self.model(
                AssessmentImport,
                draft.where,
                state=state,
                reason=draft.reason or DEFAULT_REASON,
                assessed_by=draft.assessed_by or self.assessed_by,
                assessed_at=draft.assessed_at or self.now,
            )
            if assessment is None:
                continue
            if draft.assessed_at is None and self.current_state(rel_id) == state:
                self.preview.assessments.leave += 1
                continue
            ends.setdefault(rel_id, (org_a, org_b))
            pairs[rel_id].append((draft.where, assessment))
        created: list[RelationshipImport] = []
        added: list[RelationshipImport] = []
        for rel_id, steps in pairs.items():
            history = self.new_steps(steps, self.histories.get(rel_id, []))
            org_a, org_b = ends[rel_id]
            if rel_id not in self.stored_rels:
                if history:
                    self.preview.relationships.create += 1
                    created.append(RelationshipImport(org_a=org_a, org_b=org_b, history=history))
            elif history:
                self.preview.relationships.update += 1
                added.append(RelationshipImport(org_a=org_a, org_b=org_b, history=history))
            else:
                self.preview.relationships.leave += 1
        return created, added

    def current_state(self, rel_id: str) -> RelationshipState | None:
        history = self.histories.get(rel_id)
        if not history:
            return None
        return RelationshipState(max(history, key=lambda row: row["assessed_at"])["state"])

    def new_steps(
        self, steps: list[tuple[Where, AssessmentImport]], stored: list[Row]
    ) -> list[AssessmentImport]:
        """The assessments of one relationship not in its stored history, oldest first; two
        rows of one day with different states are a problem."""
        kept = {(row["state"], _instant(row["assessed_at"])) for row in stored}
        by_day: dict[date, tuple[Where, AssessmentImport]] = {}
        new: list[AssessmentImport] = []
        for where, step in sorted(steps, key=lambda item: item[1].assessed_at):
            day = step.assessed_at.date()
            earlier = by_day.get(day)
            if earlier is not None and earlier[1].state != step.state:
                self.problem(
                    where,
                    "state",
                    f"row {earlier[0].row} assesses the same "
                    f"relationship on {day} as {earlier[1].state.value}; keep one",
                )
                continue
            if earlier is not None and earlier[1] == step:
                self.problem(where, None, f"the same assessment as row {earlier[0].row}")
                continue
            by_day[day] = (where, step)
            if (step.state.value, step.assessed_at) in kept:
                self.preview.assessments.leave += 1
                continue
            self.preview.assessments.create += 1
            new.append(step)
        return new

    # -- engagements ----

    def engagements(self) -> tuple[list[EngagementCreate], list[EngagementCreate]]:
        """New engagements, and stored ones whose fields, organizations or contacts the file
        changes (a status, notes or contacts left empty keep the stored ones)."""
        by_title = {
            (row["title"], row["date"]): row["id"] for row in self.stored_engagements.values()
        }
        created: list[EngagementCreate] = []
        updated: list[EngagementCreate] = []
        for draft in self.draft.engagements:
            found = [
                self.org_of(draft.where, "organizations", name) for name in draft.organizations
            ]
            org_ids = [org_id for org_id in found if org_id is not None]
            if len(org_ids) < len(found):
                continue
            engagement_id = draft.id or by_title.get((draft.title, draft.date.isoformat()))
            stored = self.stored_engagements.get(engagement_id or "")
            status = draft.status or (stored["status"] if stored else None)
            values = {"status": status} if status else {}
            engagement = self.model(
                EngagementCreate,
                draft.where,
                id=engagement_id,
                kind=draft.kind,
                title=draft.title,
                date=draft.date,
                org_ids=sorted(set(org_ids)),
                contact_ids=sorted(
                    set(draft.contacts or (stored["contact_ids"] if stored else []))
                ),
                notes=draft.notes or (stored["notes"] if stored else ""),
                **values,
            )
            if engagement is None:
                continue
            if stored is None:
                self.preview.engagements.create += 1
                created.append(engagement)
            elif _same(stored, engagement.model_dump(mode="json", exclude={"id"})):
                self.preview.engagements.leave += 1
            else:
                self.preview.engagements.update += 1
                updated.append(engagement)
        return created, updated

    # -- evidence ----

    def evidence(self) -> list[Evidence]:
        """New joint programs, agreements and collaboratives; one stored under the same kind
        and id, else the same kind, name and start, is left as it is."""
        if not self.draft.evidence:
            return []
        stored: set[tuple[str, str]] = set()
        for row in stored_rows(self.store, RecordKind.EVIDENCE):
            stored.add((row["kind"], row["id"]))
            stored.add((row["kind"], f"{row['name']}|{row['start_date']}"))
        seen: dict[tuple[str, str], int | None] = {}
        created: list[Evidence] = []
        for draft in self.draft.evidence:
            if draft.kind not in EVIDENCE_MODELS:
                kinds = ", ".join(EVIDENCE_MODELS)
                self.problem(draft.where, "kind", f"'{draft.kind}' is not one of: {kinds}")
                continue
            found = [
                self.org_of(draft.where, "organizations", name) for name in draft.organizations
            ]
            org_ids = [org_id for org_id in found if org_id is not None]
            if len(org_ids) < len(found):
                continue
            renamed = {
                field: draft.where.columns.get(column, column)
                for field, column in EVIDENCE_COLUMNS[draft.kind].items()
            }
            where = Where(draft.where.sheet, draft.where.row, {**draft.where.columns, **renamed})
            record = self.model(
                EVIDENCE_MODELS[draft.kind], where, **_evidence_values(draft, org_ids)
            )
            if record is None:
                continue
            start = record.start.isoformat()
            keys = [(draft.kind, f"{evidence_row(record).columns['name']}|{start}")]
            if record.id:
                keys.insert(0, (draft.kind, record.id))
            if keys[0] in seen:
                self.problem(draft.where, None, f"the same evidence as row {seen[keys[0]]}")
                continue
            seen[keys[0]] = draft.where.row
            if any(key in stored for key in keys):
                self.preview.evidence.leave += 1
                continue
            self.preview.evidence.create += 1
            created.append(record)
        return created

    # -- checks ----

    def model(self, model: type[M], where: Where, **values: object) -> M | None:
        """``model`` made of ``values``, or None with each thing wrong as a problem."""
        try:
            return model.model_validate(values)
        except ValidationError as error:
            for found in error.errors():
                column = str(found["loc"][0]) if found["loc"] else None
                message = found["msg"].removeprefix("Value error, ")
                self.problem(where, column, message)
            return None


Evidence = JointProgramCreate | AgreementCreate | CollaborativeCreate
EVIDENCE_MODELS: dict[str, type[Evidence]] = {
    "joint_program": JointProgramCreate,
    "agreement": AgreementCreate,
    "collaborative": CollaborativeCreate,
}
"""The evidence a file brings in, by its kind: joint case plans name cases and do not."""
EVIDENCE_COLUMNS = {
    "joint_program": {"org_ids": "organizations"},
    "agreement": {"kind": "type", "title": "name", "org_ids": "organizations"},
    "collaborative": {"scope": "type", "member_org_ids": "organizations"},
}
"""The sheet's column of each model field named otherwise."""


def _evidence_values(draft: DraftEvidence, org_ids: list[str]) -> dict[str, object]:
    """The fields of ``draft``'s kind of evidence."""
    period = {"id": draft.id, "start": draft.start, "end": draft.end}
    if draft.kind == "joint_program":
        return {**period, "name": draft.name, "org_ids": org_ids, "notes": draft.notes}
    if draft.kind == "agreement":
        values = {"kind": draft.type, "title": draft.name, "org_ids": org_ids}
        return {**period, **values, "notes": draft.notes}
    return {
        **period,
        "name": draft.name,
        "scope": draft.type,
        "governance": draft.governance,
        "member_org_ids": org_ids,
    }


def _same(stored: Row, wanted: dict[str, object]) -> bool:
    return all(
        (bool(stored[key]) if key == "internal" else stored.get(key)) == value
        for key, value in wanted.items()
    )


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)
