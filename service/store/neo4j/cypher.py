"""Every Cypher statement of the Neo4j store, as named constants that take ``$params``.

Labels and relationship types come from :class:`Label` and :class:`Rel` and are put into the
text when this module is imported; user values only ever travel as parameters. Timestamps are
the sortable UTC text of :func:`service.store.shared.values.to_text` and dates are ISO text, as
in the embedded store, so text order is time order. A read returns one column, ``row``: a map per
record read as a model, a list where the store takes fields by position (the edges of the
analytics graphs, counters), and where a question is answered by one statement rather than
several, a single row holding the lists of its parts: a record costs the driver more than
its fields do, and each statement and transaction a round trip to the server.

The graph::

    (:Contact)-[:WORKS_AT]->(:Organization)-[:PARTY]->(:Relationship)-[:ASSESSED]->(:Assessment)
    (:Organization)-[:RELATED {id, state, ended_on}]->(:Organization)
        one per relationship, org_a to org_b, with what a walk of routes in Cypher needs (the
        benchmark's hand-written floor of warm paths walks them; the service searches its live
        graph): the state of its latest assessment and the day it ended (null until it ends),
        kept by every write, which finds the link by its id (indexed)
    (:Engagement)-[:WITH_ORG]->(:Organization), (:Engagement)-[:WITH_CONTACT]->(:Contact)
    (:Sector), (:Profile), (:Token), (:Counter {name: 'assessment'}) numbering assessments
    (:GraphChange {seq, kind, key, org_a, org_b}) the change log of the live graph, one per
        organization or relationship, numbered by (:Counter {name: 'graph'})
    (:Session {id_hash, token_hash, ...}), (:SignInCode {code_hash, token_hash, expires_at})
    (:JointCasePlan|JointProgram|Agreement|Collaborative)-[:BINDS]->(:Organization)
    (:Referral {id, case_ref, from_org, to_org, ..., event_statuses, event_ats, event_by})
    (:Organization)-[:REFERRED {counts, first_sent_at, last_sent_at}]->(:Organization)
        the counters of one ordered pair; as the RELATED links, they join organizations only,
        so a walk from an organization along them checks no label at the far end
    (:AuditEntry {seq, ...}), numbered by (:Counter {name: 'audit'})
    (:SurveyRound {id, org_id, ...}), (:SurveyRespondent {round_id, id, ..., version}),
    (:SurveyAnswer {round_id, respondent_id, partner_id, ...}), (:OutgoingMail {id, ...})
    (:StoreMark {name, value}) what the store keeps about its own data, such as 'loop_rule'
"""

from __future__ import annotations

from enum import StrEnum

from graph_models import EngagementStatus
from graph_models.enums import TOUCHPOINT
from graph_models.evidence import EvidenceKind
from graph_models.referrals import PAIR_COLUMNS
from graph_models.surveys import TRUST_ITEMS, VALUE_ITEMS
from service.store.shared.copying import RECORD_FIELDS, RecordKind
from service.store.shared.live_graph import RELATIONSHIP
from service.store.shared.surveys import summed


class Label(StrEnum):
    """Node labels."""

    SECTOR = "Sector"
    PROFILE = "Profile"
    ORGANIZATION = "Organization"
    CONTACT = "Contact"
    RELATIONSHIP = "Relationship"
    ASSESSMENT = "Assessment"
    ENGAGEMENT = "Engagement"
    TOKEN = "Token"
    SESSION = "Session"
    WRONG_TOKEN = "WrongToken"
    REFUSED_CLIENT = "RefusedClient"
    SIGN_IN_CODE = "SignInCode"
    COUNTER = "Counter"
    GRAPH_CHANGE = "GraphChange"
    # -- partnership evidence ----
    JOINT_CASE_PLAN = "JointCasePlan"
    JOINT_PROGRAM = "JointProgram"
    AGREEMENT = "Agreement"
    COLLABORATIVE = "Collaborative"
    # -- referrals ----
    REFERRAL = "Referral"
    AUDIT_ENTRY = "AuditEntry"
    # -- surveys ----
    SURVEY_ROUND = "SurveyRound"
    SURVEY_RESPONDENT = "SurveyRespondent"
    SURVEY_ANSWER = "SurveyAnswer"
    OUTGOING_MAIL = "OutgoingMail"
    STORE_MARK = "StoreMark"


class Rel(StrEnum):
    """Relationship types."""

    WORKS_AT = "WORKS_AT"
    PARTY = "PARTY"
    RELATED = "RELATED"
    ASSESSED = "ASSESSED"
    WITH_ORG = "WITH_ORG"
    WITH_CONTACT = "WITH_CONTACT"
    BINDS = "BINDS"  # partnership evidence to each organization it binds
    # -- referrals ----
    REFERRED = "REFERRED"


# -- schema -----------------------------------------------------------------------------------

UNIQUE_KEYS: dict[Label, str] = {
    Label.SECTOR: "slug",
    Label.PROFILE: "name",
    Label.ORGANIZATION: "id",
    Label.CONTACT: "id",
    Label.RELATIONSHIP: "id",
    Label.ASSESSMENT: "seq",
    Label.ENGAGEMENT: "id",
    Label.TOKEN: "id",
    Label.SESSION: "id_hash",
    Label.SIGN_IN_CODE: "code_hash",
    Label.REFUSED_CLIENT: "client",
    Label.COUNTER: "name",
    Label.GRAPH_CHANGE: "seq",
    Label.JOINT_CASE_PLAN: "id",
    Label.JOINT_PROGRAM: "id",
    Label.AGREEMENT: "id",
    Label.COLLABORATIVE: "id",
}
"""The key property of each label: unique, and what writes MERGE on."""

SCHEMA: tuple[str, ...] = (
    *(
        f"CREATE CONSTRAINT {label.lower()}_{key} IF NOT EXISTS "
        f"FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
        for label, key in UNIQUE_KEYS.items()
    ),
    f"CREATE CONSTRAINT token_hash IF NOT EXISTS "
    f"FOR (n:{Label.TOKEN}) REQUIRE n.token_hash IS UNIQUE",
    f"CREATE INDEX session_expires_at IF NOT EXISTS FOR (n:{Label.SESSION}) ON (n.expires_at)",
    f"CREATE INDEX wrong_token_client IF NOT EXISTS FOR (n:{Label.WRONG_TOKEN}) ON (n.client)",
    f"CREATE INDEX wrong_token_at IF NOT EXISTS FOR (n:{Label.WRONG_TOKEN}) ON (n.at)",
    f"CREATE INDEX organization_sector IF NOT EXISTS FOR (n:{Label.ORGANIZATION}) ON (n.sector)",
    f"CREATE INDEX organization_region IF NOT EXISTS FOR (n:{Label.ORGANIZATION}) ON (n.region)",
    f"CREATE INDEX assessment_rel_id IF NOT EXISTS FOR (n:{Label.ASSESSMENT}) ON (n.rel_id)",
    f"CREATE INDEX related_id IF NOT EXISTS FOR ()-[link:{Rel.RELATED}]-() ON (link.id)",
    f"CREATE CONSTRAINT graphchange_key IF NOT EXISTS "
    f"FOR (n:{Label.GRAPH_CHANGE}) REQUIRE (n.kind, n.key) IS UNIQUE",
)
"""Constraints and indexes, each its own statement, named; safe to run on every start."""
SCHEMA_NAMES = "SHOW INDEXES YIELD name RETURN collect(name) AS row"
"""The names of the indexes on the server, those backing constraints included (named as
their constraint)."""


def schema_name(statement: str) -> str:
    """The name a statement of :data:`SCHEMA` gives its constraint or index.

    >>> schema_name("CREATE INDEX organization_sector IF NOT EXISTS FOR (n:O) ON (n.sector)")
    'organization_sector'
    """
    return statement.split()[2]


EXISTING_KEYS: dict[Label, str] = {
    label: f"UNWIND $keys AS key MATCH (n:{label}) WHERE n.{UNIQUE_KEYS[label]} = key RETURN key"
    for label in (
        Label.SECTOR,
        Label.PROFILE,
        Label.ORGANIZATION,
        Label.CONTACT,
        Label.RELATIONSHIP,
        Label.ENGAGEMENT,
        Label.TOKEN,
        Label.JOINT_CASE_PLAN,
        Label.JOINT_PROGRAM,
        Label.AGREEMENT,
        Label.COLLABORATIVE,
    )
}
"""Which of ``$keys`` exist, per label."""


def _anchored(starts: dict[str, str], rest: str) -> dict[str, str]:
    """A list query per anchor: where it starts (an index of the filter given, or every node
    of the label when no filter is) followed by ``rest``, the filters and the return."""
    return {anchor: f"{start}\n{rest}" for anchor, start in starts.items()}


def _paged(counts: dict[str, str], items: dict[str, str]) -> dict[str, str]:
    """Per anchor, one statement of the ``counts`` query (returning ``total``) and the
    ``items`` query (returning ``row``s): one row ``[total, rows]``."""
    return {
        anchor: f"RETURN [COLLECT {{ {counts[anchor]} }}[0], COLLECT {{ {items[anchor]} }}] AS row"
        for anchor in items
    }


# -- projections (what reads return as ``row``) -----------------------------------------------

_ORGANIZATION = "o {.id, .name, .sector, .region, .internal, .notes, .created_at}"
_CONTACT = "c {.id, .name, .role, .email, .created_at, org_id: o.id}"
_PROFILE = "p {.name, .label, .source, .sectors}"
_ASSESSMENT = "a {.state, .reason, .assessed_by, .assessed_at, .recorded_at}"
_ENGAGEMENT = f"""e {{.id, .kind, .title, .date, .status, .notes, .created_at,
    org_ids: COLLECT {{
        MATCH (e)-[:{Rel.WITH_ORG}]->(o:{Label.ORGANIZATION}) RETURN o.id ORDER BY o.id
    }},
    contact_ids: COLLECT {{
        MATCH (e)-[:{Rel.WITH_CONTACT}]->(c:{Label.CONTACT}) RETURN c.id ORDER BY c.id
    }}
}}"""
_NODE = "o {.id, .name, .sector, .region, .internal}"
"""An organization for the analytics graph: only what its node keeps."""
_EDGE = f"""[r.id, r.org_a, r.org_b, COLLECT {{
    MATCH (r)-[:{Rel.ASSESSED}]->(a:{Label.ASSESSMENT})
    RETURN [a.assessed_at, a.state] ORDER BY a.seq
}}, r.ended_on]"""
"""A relationship for the analytics graph, as a list: ``[id, org_a, org_b, history,
ended_on]``, its history the ``[assessed_at, state]`` of each assessment in recording order,
``ended_on`` null unless it has ended."""

_LATEST = f"""head(COLLECT {{
        MATCH (r)-[:{Rel.ASSESSED}]->(a:{Label.ASSESSMENT})
        RETURN a ORDER BY a.assessed_at DESC, a.seq DESC LIMIT 1
    }})"""
"""The latest assessment of the relationship node ``r`` (the later recorded on a tie)."""
_CURRENT = f"""WITH r, {_LATEST} AS current, COUNT {{ (r)-[:{Rel.ASSESSED}]->() }} AS assessments
"""
"""Binds ``current``, the latest assessment of ``r``, and how many it has."""
_RELATIONSHIP = """r {.id, .org_a, .org_b, state: current.state, reason: current.reason,
    assessed_by: current.assessed_by, assessed_at: current.assessed_at, assessments: assessments,
    .ended_on, .end_reason, .ended_by}
"""

# -- sectors and profiles ---------------------------------------------------------------------

UPSERT_SECTORS = f"""
UNWIND $rows AS row
MERGE (s:{Label.SECTOR} {{slug: row.slug}})
SET s.label = row.label, s.description = row.description
"""
LIST_SECTORS = f"""
MATCH (s:{Label.SECTOR}) RETURN s {{.slug, .label, .description}} AS row ORDER BY s.slug
"""

MERGE_PROFILES = f"""
UNWIND $rows AS row
MERGE (p:{Label.PROFILE} {{name: row.name}})
ON CREATE SET p += row
"""
GET_PROFILE = f"MATCH (p:{Label.PROFILE}) WHERE p.name = $name RETURN {_PROFILE} AS row"
LIST_PROFILES = f"MATCH (p:{Label.PROFILE}) RETURN {_PROFILE} AS row ORDER BY p.name"

# -- organizations ----------------------------------------------------------------------------

MERGE_ORGANIZATIONS = f"""
UNWIND $rows AS row
MERGE (o:{Label.ORGANIZATION} {{id: row.id}})
ON CREATE SET o += row
"""
GET_ORGANIZATION = f"MATCH (o:{Label.ORGANIZATION}) WHERE o.id = $id RETURN {_ORGANIZATION} AS row"
_ORGANIZATIONS_FROM = {
    "sector": f"MATCH (o:{Label.ORGANIZATION}) WHERE o.sector = $sector",
    "region": f"MATCH (o:{Label.ORGANIZATION}) WHERE o.region = $region",
    "all": f"MATCH (o:{Label.ORGANIZATION})",
}
_ORGANIZATION_FILTERS = """
WITH o WHERE ($sector IS NULL OR o.sector = $sector)
  AND ($region IS NULL OR o.region = $region)
  AND ($q IS NULL OR toLower(o.name) CONTAINS toLower($q) OR o.id CONTAINS toLower($q))
"""
COUNT_ORGANIZATIONS = _anchored(
    _ORGANIZATIONS_FROM, f"{_ORGANIZATION_FILTERS} RETURN count(o) AS total"
)
LIST_ORGANIZATIONS = _anchored(
    _ORGANIZATIONS_FROM,
    f"{_ORGANIZATION_FILTERS} RETURN {_ORGANIZATION} AS row ORDER BY o.name, o.id "
    "SKIP $offset LIMIT $limit",
)
"""Organizations by name, starting from the index of ``sector`` or ``region`` if given."""
PAGE_ORGANIZATIONS = _paged(COUNT_ORGANIZATIONS, LIST_ORGANIZATIONS)
UPDATE_ORGANIZATION = f"MATCH (o:{Label.ORGANIZATION}) WHERE o.id = $id SET o += $changes"
DELETE_RELATIONSHIPS_OF_ORGANIZATION = f"""
MATCH (o:{Label.ORGANIZATION})-[:{Rel.PARTY}]->(r:{Label.RELATIONSHIP})
WHERE o.id = $id
OPTIONAL MATCH (r)-[:{Rel.ASSESSED}]->(a:{Label.ASSESSMENT})
DETACH DELETE r, a
"""
DELETE_ORGANIZATION = f"""
MATCH (o:{Label.ORGANIZATION}) WHERE o.id = $id
OPTIONAL MATCH (c:{Label.CONTACT})-[:{Rel.WORKS_AT}]->(o)
DETACH DELETE c, o
"""

# -- contacts ---------------------------------------------------------------------------------

MERGE_CONTACTS = f"""
UNWIND $rows AS row
MATCH (o:{Label.ORGANIZATION} {{id: row.org_id}})
MERGE (c:{Label.CONTACT} {{id: row.id}})
ON CREATE SET c += row.properties
MERGE (c)-[:{Rel.WORKS_AT}]->(o)
"""
GET_CONTACT = f"""
MATCH (c:{Label.CONTACT})-[:{Rel.WORKS_AT}]->(o:{Label.ORGANIZATION}) WHERE c.id = $id
RETURN {_CONTACT} AS row
"""
GET_CONTACTS = f"""
UNWIND $ids AS id
MATCH (c:{Label.CONTACT})-[:{Rel.WORKS_AT}]->(o:{Label.ORGANIZATION}) WHERE c.id = id
RETURN {_CONTACT} AS row
"""
"""Each of the contacts ``$ids`` that exists."""
_CONTACTS_FROM = {
    "org_id": f"""MATCH (c:{Label.CONTACT})-[:{Rel.WORKS_AT}]->(o:{Label.ORGANIZATION})
WHERE o.id = $org_id""",
    "all": f"MATCH (c:{Label.CONTACT})-[:{Rel.WORKS_AT}]->(o:{Label.ORGANIZATION})",
}
_CONTACT_FILTERS = """
WITH c, o WHERE $q IS NULL OR toLower(c.name) CONTAINS toLower($q)
                OR toLower(c.role) CONTAINS toLower($q)
"""
COUNT_CONTACTS = _anchored(_CONTACTS_FROM, f"{_CONTACT_FILTERS} RETURN count(c) AS total")
LIST_CONTACTS = _anchored(
    _CONTACTS_FROM,
    f"{_CONTACT_FILTERS} RETURN {_CONTACT} AS row ORDER BY o.id, c.name, c.id "
    "SKIP $offset LIMIT $limit",
)
PAGE_CONTACTS = _paged(COUNT_CONTACTS, LIST_CONTACTS)
UPDATE_CONTACT = f"MATCH (c:{Label.CONTACT}) WHERE c.id = $id SET c += $changes"
MOVE_CONTACT = f"""
MATCH (c:{Label.CONTACT})-[works:{Rel.WORKS_AT}]->() WHERE c.id = $id
MATCH (o:{Label.ORGANIZATION}) WHERE o.id = $org_id
DELETE works
MERGE (c)-[:{Rel.WORKS_AT}]->(o)
"""
DELETE_CONTACT = f"MATCH (c:{Label.CONTACT}) WHERE c.id = $id DETACH DELETE c"

# -- relationships ----------------------------------------------------------------------------

MERGE_RELATIONSHIPS = f"""
UNWIND $rows AS row
MATCH (a:{Label.ORGANIZATION} {{id: row.org_a}})
MATCH (b:{Label.ORGANIZATION} {{id: row.org_b}})
MERGE (r:{Label.RELATIONSHIP} {{id: row.id}})
ON CREATE SET r += row
MERGE (a)-[:{Rel.PARTY}]->(r)
MERGE (b)-[:{Rel.PARTY}]->(r)
MERGE (a)-[related:{Rel.RELATED}]->(b)
ON CREATE SET related.id = row.id
"""
"""A relationship's id is its pair's (:func:`~graph_models.relationships.relationship_id`), so
its ``RELATED`` link is found between its two organizations: merged on its id instead, Neo4j
may plan to scan the index of the links' ids for every row, each copied batch of a statewide
network slower than the one before it."""
RESERVE_ASSESSMENT_SEQS = f"""
MERGE (c:{Label.COUNTER} {{name: 'assessment'}})
SET c.value = coalesce(c.value, 0) + $count
RETURN c.value AS last
"""
"""Numbers the next ``$count`` assessments in recording order; returns the last number."""
MERGE_ASSESSMENTS = f"""
UNWIND $rows AS row
MATCH (r:{Label.RELATIONSHIP} {{id: row.rel_id}})
MERGE (a:{Label.ASSESSMENT} {{seq: row.seq}})
ON CREATE SET a += row
MERGE (r)-[:{Rel.ASSESSED}]->(a)
"""
_KEEP_ROUTE_FACTS_OF_R = f"""
MATCH ()-[related:{Rel.RELATED} {{id: r.id}}]->()
SET related.state = {_LATEST}.state, related.ended_on = r.ended_on
"""
"""Copies onto the ``RELATED`` link of the relationship node ``r`` what a walk of routes reads:
the state of its latest assessment and the day it ended. The link is found by its id, through
its index: found from an end, a hub's would be one of thousands, each read."""
KEEP_ROUTE_FACTS = f"""
UNWIND $rows AS row
WITH DISTINCT row.rel_id AS id
MATCH (r:{Label.RELATIONSHIP} {{id: id}})
{_KEEP_ROUTE_FACTS_OF_R}"""
""":data:`_KEEP_ROUTE_FACTS_OF_R` for the relationship of each of the assessments ``$rows``
(by ``rel_id``): run after every write of assessments."""
GET_RELATIONSHIP = f"""
MATCH (r:{Label.RELATIONSHIP}) WHERE r.id = $id
{_CURRENT}
RETURN {_RELATIONSHIP} AS row
"""
_RELATIONSHIPS_FROM = {
    "org_id": f"""MATCH (:{Label.ORGANIZATION} {{id: $org_id}})-[:{Rel.PARTY}]->
      (r:{Label.RELATIONSHIP})""",
    "all": f"MATCH (r:{Label.RELATIONSHIP})",
}
_RELATIONSHIP_FILTERS = f"""{_CURRENT}
WHERE $state IS NULL OR current.state = $state
"""
COUNT_RELATIONSHIPS = _anchored(
    _RELATIONSHIPS_FROM, f"{_RELATIONSHIP_FILTERS} RETURN count(r) AS total"
)
LIST_RELATIONSHIPS = _anchored(
    _RELATIONSHIPS_FROM,
    f"{_RELATIONSHIP_FILTERS} RETURN {_RELATIONSHIP} AS row ORDER BY r.id "
    "SKIP $offset LIMIT $limit",
)
PAGE_RELATIONSHIPS = _paged(COUNT_RELATIONSHIPS, LIST_RELATIONSHIPS)
END_RELATIONSHIP = f"""
MATCH (r:{Label.RELATIONSHIP}) WHERE r.id = $id
SET r.ended_on = $ended_on, r.end_reason = $reason, r.ended_by = $ended_by
WITH r
{_KEEP_ROUTE_FACTS_OF_R}"""
RELATIONSHIP_HISTORY = f"""
MATCH (a:{Label.ASSESSMENT}) WHERE a.rel_id = $id
RETURN {_ASSESSMENT} AS row ORDER BY a.assessed_at, a.seq
"""

# -- engagements ------------------------------------------------------------------------------

MERGE_ENGAGEMENTS = f"""
UNWIND $rows AS row
MERGE (e:{Label.ENGAGEMENT} {{id: row.id}})
ON CREATE SET e += row.properties
"""
LINK_ENGAGEMENT_ORGANIZATIONS = f"""
UNWIND $rows AS row
MATCH (e:{Label.ENGAGEMENT} {{id: row.id}})
UNWIND row.org_ids AS org_id
MATCH (o:{Label.ORGANIZATION} {{id: org_id}})
MERGE (e)-[:{Rel.WITH_ORG}]->(o)
"""
LINK_ENGAGEMENT_CONTACTS = f"""
UNWIND $rows AS row
MATCH (e:{Label.ENGAGEMENT} {{id: row.id}})
UNWIND row.contact_ids AS contact_id
MATCH (c:{Label.CONTACT} {{id: contact_id}})
MERGE (e)-[:{Rel.WITH_CONTACT}]->(c)
"""
REPLACE_ENGAGEMENTS = f"""
UNWIND $rows AS row
MATCH (e:{Label.ENGAGEMENT} {{id: row.id}})
SET e += row.properties
WITH e
OPTIONAL MATCH (e)-[link:{Rel.WITH_ORG}|{Rel.WITH_CONTACT}]->()
DELETE link
"""
GET_ENGAGEMENT = f"MATCH (e:{Label.ENGAGEMENT}) WHERE e.id = $id RETURN {_ENGAGEMENT} AS row"
_ENGAGEMENTS_FROM = {
    "org_id": f"""MATCH (:{Label.ORGANIZATION} {{id: $org_id}})<-[:{Rel.WITH_ORG}]-
      (e:{Label.ENGAGEMENT})""",
    "all": f"MATCH (e:{Label.ENGAGEMENT})",
}
_ENGAGEMENT_FILTERS = """
WITH e WHERE ($kind IS NULL OR e.kind = $kind)
  AND ($status IS NULL OR e.status = $status)
  AND ($since IS NULL OR e.date >= $since)
  AND ($until IS NULL OR e.date <= $until)
"""
COUNT_ENGAGEMENTS = _anchored(_ENGAGEMENTS_FROM, f"{_ENGAGEMENT_FILTERS} RETURN count(e) AS total")
LIST_ENGAGEMENTS = _anchored(
    _ENGAGEMENTS_FROM,
    f"{_ENGAGEMENT_FILTERS} RETURN {_ENGAGEMENT} AS row ORDER BY e.date, e.id "
    "SKIP $offset LIMIT $limit",
)
PAGE_ENGAGEMENTS = _paged(COUNT_ENGAGEMENTS, LIST_ENGAGEMENTS)
DELETE_ENGAGEMENT = f"MATCH (e:{Label.ENGAGEMENT}) WHERE e.id = $id DETACH DELETE e"

# -- access -----------------------------------------------------------------------------------

MERGE_TOKEN = f"MERGE (t:{Label.TOKEN} {{id: $row.id}}) ON CREATE SET t += $row"
_TOKEN = "t {token_id: t.id, .name, .role, .org_id, .created_at, .expires_at, .revoked_at}"
PRINCIPAL_FOR_TOKEN = f"""
MATCH (t:{Label.TOKEN}) WHERE t.token_hash = $token_hash
RETURN {_TOKEN} AS row
"""
LIST_TOKENS = f"MATCH (t:{Label.TOKEN}) RETURN {_TOKEN} AS row ORDER BY t.created_at, t.id"
SET_TOKEN_EXPIRY = f"""
MATCH (t:{Label.TOKEN}) WHERE t.id = $id SET t.expires_at = $expires_at RETURN {_TOKEN} AS row
"""
REVOKE_TOKEN = f"""
MATCH (t:{Label.TOKEN}) WHERE t.id = $id SET t.revoked_at = coalesce(t.revoked_at, $at)
RETURN {_TOKEN} AS row
"""
END_SESSIONS_BEFORE = f"MATCH (s:{Label.SESSION}) WHERE s.expires_at < $before DELETE s"
CREATE_SESSION = f"CREATE (s:{Label.SESSION}) SET s = $row"
GET_SESSION = f"""
MATCH (s:{Label.SESSION}) WHERE s.id_hash = $id_hash
RETURN s {{.id_hash, .token_hash, .created_at, .expires_at}} AS row
"""
END_SESSION = f"MATCH (s:{Label.SESSION}) WHERE s.id_hash = $id_hash DELETE s"
FORGET_WRONG_TOKENS_BEFORE = f"MATCH (w:{Label.WRONG_TOKEN}) WHERE w.at < $since DELETE w"
NOTE_WRONG_TOKEN = f"""
CREATE (:{Label.WRONG_TOKEN} {{client: $client, at: $at}})
WITH 1 AS noted
MATCH (w:{Label.WRONG_TOKEN}) WHERE w.client = $client
RETURN count(w) AS row
"""
REFUSE_CLIENT = f"""
OPTIONAL MATCH (w:{Label.WRONG_TOKEN}) WHERE w.client = $client
DELETE w
WITH count(*) AS forgotten
MERGE (r:{Label.REFUSED_CLIENT} {{client: $client}})
SET r.until = $until
"""
CLIENT_REFUSED_UNTIL = f"""
MATCH (r:{Label.REFUSED_CLIENT}) WHERE r.client = $client RETURN r.until AS row
"""
CREATE_SIGN_IN_CODE = f"CREATE (c:{Label.SIGN_IN_CODE}) SET c = $row"
TAKE_SIGN_IN_CODE = f"""
MATCH (c:{Label.SIGN_IN_CODE}) WHERE c.code_hash = $code_hash
WITH c, c {{.code_hash, .token_hash, .expires_at}} AS row
DELETE c
RETURN row
"""

# -- the live graph ---------------------------------------------------------------------------

ALL_ORGANIZATIONS = f"MATCH (o:{Label.ORGANIZATION}) RETURN {_NODE} AS row"
ALL_EDGES = f"MATCH (r:{Label.RELATIONSHIP}) RETURN {_EDGE} AS row"
ORGANIZATIONS_AMONG = f"""
UNWIND $ids AS id
MATCH (o:{Label.ORGANIZATION}) WHERE o.id = id
RETURN {_NODE} AS row
"""
EDGES_AMONG = f"""
UNWIND $ids AS id
MATCH (r:{Label.RELATIONSHIP}) WHERE r.id = id
RETURN {_EDGE} AS row
"""
"""The relationships of ``$ids`` that exist."""
NOTE_GRAPH_CHANGES = f"""
MERGE (c:{Label.COUNTER} {{name: 'graph'}})
SET c.value = coalesce(c.value, 0) + size($changes)
WITH c.value - size($changes) AS before
UNWIND range(0, size($changes) - 1) AS i
WITH before + i + 1 AS seq, $changes[i] AS change
OPTIONAL MATCH (r:{Label.RELATIONSHIP} {{id: change.key}})
WHERE change.kind = '{RELATIONSHIP}'
MERGE (g:{Label.GRAPH_CHANGE} {{kind: change.kind, key: change.key}})
SET g.seq = seq, g.org_a = r.org_a, g.org_b = r.org_b
"""
"""Notes each of ``$changes`` (``{kind, key}``: an organization or a relationship by its id, or
the whole graph) in the change log, numbered in order after the last number the counter gave,
which it then holds; the change noted before for the same record is renumbered, so the log
holds one change per record. Run at the end of each write the live graph shows, in its
transaction: the counter's lock, held until the commit, numbers the changes of concurrent
writers in the order they commit."""
GRAPH_CHANGES_NOTED = f"""
OPTIONAL MATCH (c:{Label.COUNTER} {{name: 'graph'}}) RETURN coalesce(c.value, 0) AS row
"""
"""The number of the last change noted: what a reader of the live graph looks at first."""
_NOTED = (
    f"coalesce(head(COLLECT {{ MATCH (c:{Label.COUNTER} {{name: 'graph'}}) RETURN c.value }}), 0)"
)
"""The same number, as an expression of a statement that reads more."""
SETTLED_GRAPH_CHANGES = f"""
MERGE (c:{Label.COUNTER} {{name: 'graph'}}) ON CREATE SET c.value = 0
SET c._lock = true REMOVE c._lock
RETURN c.value AS row
"""
""":data:`GRAPH_CHANGES_NOTED` read under the counter's lock, writing nothing: every writer
numbered up to it has committed whole, since each holds the lock until its commit is in
place."""
GRAPH_CHANGES_AFTER = f"""
MATCH (g:{Label.GRAPH_CHANGE}) WHERE g.seq > $seen AND g.seq <= $latest
RETURN [g.kind, g.key, g.org_a, g.org_b] AS row ORDER BY g.seq LIMIT $most
"""
"""The changes noted after ``$seen`` up to ``$latest``, in order, at most ``$most``."""

# -- route facts on the links -----------------------------------------------------------------

ROUTE_FACTS_KEPT = f"""
MATCH (m:{Label.STORE_MARK}) WHERE m.name = 'route_facts' RETURN m.value AS row
"""
KEEP_ALL_ROUTE_FACTS = f"""
MATCH (r:{Label.RELATIONSHIP})
{_KEEP_ROUTE_FACTS_OF_R}
WITH count(*) AS kept
MERGE (m:{Label.STORE_MARK} {{name: 'route_facts'}}) SET m.value = true
"""
"""Keeps the facts of :data:`_KEEP_ROUTE_FACTS_OF_R` on every relationship's link, once for
data written before the links kept them, and marks the store as keeping them."""


# -- partnership evidence ---------------------------------------------------------------------

EVIDENCE_LABELS: dict[EvidenceKind, Label] = {
    EvidenceKind.JOINT_CASE_PLAN: Label.JOINT_CASE_PLAN,
    EvidenceKind.JOINT_PROGRAM: Label.JOINT_PROGRAM,
    EvidenceKind.AGREEMENT: Label.AGREEMENT,
    EvidenceKind.COLLABORATIVE: Label.COLLABORATIVE,
}
"""The label of each kind of evidence."""

_EVIDENCE = f"""e {{.id, .subkind, .name, .case_ref, .governance, .notes, .start_date, .end_date,
    .created_at,
    org_ids: COLLECT {{
        MATCH (e)-[:{Rel.BINDS}]->(o:{Label.ORGANIZATION}) RETURN o.id ORDER BY o.id
    }}
}}"""
MERGE_EVIDENCE: dict[Label, str] = {
    label: f"""
UNWIND $rows AS row
MERGE (e:{label} {{id: row.id}})
ON CREATE SET e += row.properties
WITH e, row
UNWIND row.org_ids AS org_id
MATCH (o:{Label.ORGANIZATION} {{id: org_id}})
MERGE (e)-[:{Rel.BINDS}]->(o)
"""
    for label in EVIDENCE_LABELS.values()
}
"""Evidence records with the organizations each binds."""
GET_EVIDENCE: dict[Label, str] = {
    label: f"MATCH (e:{label}) WHERE e.id = $id RETURN {_EVIDENCE} AS row"
    for label in EVIDENCE_LABELS.values()
}
EVIDENCE_OF_ORGANIZATION: dict[Label, str] = {
    label: f"""
MATCH (e:{label})-[:{Rel.BINDS}]->(:{Label.ORGANIZATION} {{id: $org_id}})
RETURN {_EVIDENCE} AS row ORDER BY e.start_date, e.id
"""
    for label in EVIDENCE_LABELS.values()
}
"""The evidence of one kind that binds ``$org_id``, oldest first."""
_EVIDENCE_KIND = "".join(
    f" WHEN e:{label} THEN '{kind}'" for kind, label in EVIDENCE_LABELS.items()
)
_NAMING = f"""COLLECT {{
        MATCH (e)-[:{Rel.BINDS}]->(focal)
        WITH e, CASE{_EVIDENCE_KIND} END AS kind
        RETURN [kind, {_EVIDENCE}] ORDER BY e.start_date, e.id
    }}"""
"""``[kind, record]`` of every piece of evidence that binds the organization ``focal``, oldest
first."""
EVIDENCE_NAMING = f"""
MATCH (focal:{Label.ORGANIZATION}) WHERE focal.id = $org_id
RETURN {_NAMING} AS row
"""
"""No row when ``$org_id`` does not exist, else one: the evidence that binds it, as
:data:`_NAMING` lists it."""

# -- referrals --------------------------------------------------------------------------------
# A referral keeps its later events (after 'sent') as parallel lists. The REFERRED
# relationship of an ordered pair keeps the counters of records.PAIR_COLUMNS as one list.
_SENT, _CLOSED_COLUMN = PAIR_COLUMNS.index("sent"), PAIR_COLUMNS.index("loop_closed")

UNIQUE_KEYS[Label.REFERRAL] = "id"
UNIQUE_KEYS[Label.AUDIT_ENTRY] = "seq"
SCHEMA += (
    f"CREATE CONSTRAINT referral_id IF NOT EXISTS FOR (n:{Label.REFERRAL}) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT auditentry_seq IF NOT EXISTS "
    f"FOR (n:{Label.AUDIT_ENTRY}) REQUIRE n.seq IS UNIQUE",
    *(
        f"CREATE INDEX referral_{key} IF NOT EXISTS FOR (n:{Label.REFERRAL}) ON (n.{key})"
        for key in ("case_ref", "from_org", "to_org", "sent_at", "feedback_days")
    ),
    *(
        # one organization's referrals sent within a time: its window, its recent open loops
        f"CREATE INDEX referral_{end}_sent_at IF NOT EXISTS "
        f"FOR (n:{Label.REFERRAL}) ON (n.{end}, n.sent_at)"
        for end in ("from_org", "to_org")
    ),
    f"CREATE INDEX referral_pair_days IF NOT EXISTS "
    f"FOR (n:{Label.REFERRAL}) ON (n.from_org, n.to_org, n.feedback_days)",
    f"CREATE INDEX referral_pair_days_by_receiver IF NOT EXISTS "
    f"FOR (n:{Label.REFERRAL}) ON (n.to_org, n.from_org, n.feedback_days)",
    *(
        f"CREATE INDEX auditentry_{key} IF NOT EXISTS FOR (n:{Label.AUDIT_ENTRY}) ON (n.{key})"
        for key in ("case_ref", "org_id")
    ),
)
EXISTING_KEYS[Label.REFERRAL] = (
    f"UNWIND $keys AS key MATCH (n:{Label.REFERRAL}) WHERE n.id = key RETURN key"
)

MERGE_REFERRALS = f"""
UNWIND $rows AS row
MERGE (r:{Label.REFERRAL} {{id: row.id}})
ON CREATE SET r += row
"""
BUMP_REFERRAL_PAIRS = f"""
UNWIND $rows AS row
MATCH (a:{Label.ORGANIZATION} {{id: row.from_org}})
MATCH (b:{Label.ORGANIZATION} {{id: row.to_org}})
MERGE (a)-[p:{Rel.REFERRED}]->(b)
ON CREATE SET p.counts = [count IN row.counts | 0],
              p.first_sent_at = row.first_sent_at, p.last_sent_at = row.last_sent_at
SET p.counts = [i IN range(0, size(row.counts) - 1) | p.counts[i] + row.counts[i]],
    p.first_sent_at = CASE WHEN row.first_sent_at < p.first_sent_at
                           THEN row.first_sent_at ELSE p.first_sent_at END,
    p.last_sent_at = CASE WHEN row.last_sent_at > p.last_sent_at
                          THEN row.last_sent_at ELSE p.last_sent_at END
"""
"""Adds each row's ``counts`` to its pair's counters and widens its sent dates."""
ORGANIZATION_HAS_REFERRALS = f"""
MATCH (o:{Label.ORGANIZATION})-[:{Rel.REFERRED}]-() WHERE o.id = $id RETURN true AS row LIMIT 1
"""

_REFERRAL = """r {.id, .case_ref, .from_org, .to_org, .category, .sensitive, .screening,
    .consent, .sent_at, .status, .status_at, .stage, .loop_closed_at, .recorded_by,
    event_statuses: coalesce(r.event_statuses, []), event_ats: coalesce(r.event_ats, []),
    event_by: coalesce(r.event_by, [])}"""
GET_REFERRAL = f"MATCH (r:{Label.REFERRAL}) WHERE r.id = $id RETURN {_REFERRAL} AS row"
LOCK_REFERRAL = f"""
MATCH (r:{Label.REFERRAL}) WHERE r.id = $id
SET r.version = coalesce(r.version, 0) + 1
RETURN {_REFERRAL} AS row
"""
"""The referral, write-locked for the rest of the transaction, so events apply one at a time."""
ADD_REFERRAL_EVENT = f"""
MATCH (r:{Label.REFERRAL}) WHERE r.id = $id
SET r.event_statuses = coalesce(r.event_statuses, []) + $event.status,
    r.event_ats = coalesce(r.event_ats, []) + $event.at,
    r.event_by = coalesce(r.event_by, []) + $event.recorded_by,
    r.event_recorded_at = coalesce(r.event_recorded_at, []) + $event.recorded_at,
    r += $state
"""

_REFERRAL_ANCHORS = {
    "case": f"MATCH (r:{Label.REFERRAL}) WHERE r.case_ref = $anchor",
    "org": f"MATCH (r:{Label.REFERRAL}) WHERE r.from_org = $anchor OR r.to_org = $anchor",
    "all": f"MATCH (r:{Label.REFERRAL})",
}
"""Where a referral list starts: the index of a case, of an organization, or every referral."""
_REFERRAL_FILTERS = """
WITH r WHERE (($visible_to IS NULL AND NOT r.sensitive) OR $visible_to IN [r.from_org, r.to_org])
  AND ($case_ref IS NULL OR r.case_ref = $case_ref)
  AND ($org_id IS NULL OR $org_id IN [r.from_org, r.to_org])
  AND ($status IS NULL OR r.status = $status)
  AND ($direction IS NULL OR ($direction = 'sent' AND r.from_org = $org_id)
       OR ($direction = 'received' AND r.to_org = $org_id))
  AND ($loop IS NULL OR (r.loop_closed_at IS NULL) = ($loop = 'open'))
"""
COUNT_REFERRALS = {
    anchor: f"{match} {_REFERRAL_FILTERS} RETURN count(r) AS total"
    for anchor, match in _REFERRAL_ANCHORS.items()
}
LIST_REFERRALS = {
    anchor: f"""{match} {_REFERRAL_FILTERS}
RETURN {_REFERRAL} AS row ORDER BY r.sent_at, r.id SKIP $offset LIMIT $limit"""
    for anchor, match in _REFERRAL_ANCHORS.items()
}
PAGE_REFERRALS = _paged(COUNT_REFERRALS, LIST_REFERRALS)

# The flow row of the pair `p` with `partner`: its counters read once, then taken apart (each
# `p.counts[i]` would read the list again).
_FLOW_ROW = f"""WITH partner, p, p.counts AS counts
        RETURN [partner.id, counts[{_SENT}], counts[{_CLOSED_COLUMN}], p.first_sent_at]"""
_FLOW_AS_OF = """COLLECT {{
        MATCH (r:{referral}) WHERE r.{focal} = $id AND r.sent_at <= $as_of
        WITH r.{partner} AS partner, count(r) AS referrals,
             sum(CASE WHEN r.loop_closed_at <= $as_of THEN 1 ELSE 0 END) AS closed,
             min(r.sent_at) AS first
        RETURN [partner, referrals, closed, first]
    }}"""
_FLOWS = {
    "now": f"""COLLECT {{
        MATCH (focal)-[p:{Rel.REFERRED}]->(partner)
        {_FLOW_ROW}
    }},
    COLLECT {{
        MATCH (focal)<-[p:{Rel.REFERRED}]-(partner)
        {_FLOW_ROW}
    }}""",
    "as_of": f"""{_FLOW_AS_OF.format(referral=Label.REFERRAL, focal="from_org", partner="to_org")},
    {_FLOW_AS_OF.format(referral=Label.REFERRAL, focal="to_org", partner="from_org")}""",
}
"""The referrals the organization ``focal`` (``$id``) sent, then those it received, per partner
``[id, referrals, closed loops, first sent]``: now from the pair counters, or as of ``$as_of``
counted from the referrals sent by then and the loops closed by then."""
REFERRAL_FLOW = {
    when: f"""
MATCH (focal:{Label.ORGANIZATION}) WHERE focal.id = $id
RETURN [{flows}] AS row
"""
    for when, flows in _FLOWS.items()
}
"""No row when ``$id`` does not exist, else one: ``[sent, received]`` as :data:`_FLOWS` has
them."""

# -- missing partners --------------------------------------------------------------------------

GAP_RECORDS = f"""
OPTIONAL MATCH (p:{Label.PROFILE}) WHERE p.name = $name
WITH {_PROFILE} AS profile
RETURN [
    {_NOTED},
    profile,
    COLLECT {{
        MATCH (s:{Label.SECTOR}) WHERE s.slug IN profile.sectors
        RETURN s {{.slug, .label, .description}} ORDER BY s.slug
    }}
] AS row
"""
"""One row: ``[noted, profile, sectors]``, the number of the last change of the live graph
noted, the profile ``$name`` (null when there is none) and its sectors by slug: what missing
partners read besides the live graph and, when a sector has a gap, the members' referral
flows."""

# -- one organization's partners --------------------------------------------------------------

PARTNER_RECORDS = {
    when: f"""
MATCH (focal:{Label.ORGANIZATION}) WHERE focal.id = $id
CALL (focal) {{ RETURN [{flows}] AS flows }}
RETURN [
    {_NOTED},
    flows[0],
    flows[1],
    {_NAMING}
] AS row
"""
    for when, flows in _FLOWS.items()
}
"""No row when ``$id`` does not exist, else one: ``[noted, sent, received, evidence]``, the
number of the last change of the live graph noted (as :data:`GRAPH_CHANGES_NOTED` reads it),
the referral flows of ``$id`` as :data:`REFERRAL_FLOW` has them and the evidence naming it as
:data:`EVIDENCE_NAMING` does: all an eco-map reads besides the live graph, in one statement.
The flows are taken apart from the rest, where counting them does not group the rest."""

_PAIR_COUNTS = f"""
    MATCH (:{Label.ORGANIZATION} {{id: $anchor}})-[p:{Rel.REFERRED}]-()
    WITH startNode(p).id AS from_org, endNode(p).id AS to_org, p.counts AS counts
    RETURN [from_org, to_org] + counts ORDER BY from_org, to_org
"""
_OPEN_SINCE = {
    "all": f"""
    MATCH (r:{Label.REFERRAL}) WHERE r.sent_at >= $before AND r.loop_closed_at IS NULL
    WITH r.from_org AS from_org, r.to_org AS to_org, count(r) AS open
    RETURN [from_org, to_org, open]
""",
    "org": f"""
    CALL () {{
        MATCH (r:{Label.REFERRAL}) WHERE r.from_org = $anchor AND r.sent_at >= $before
        RETURN r
      UNION ALL
        MATCH (r:{Label.REFERRAL})
        WHERE r.to_org = $anchor AND r.sent_at >= $before AND r.from_org <> $anchor
        RETURN r
    }}
    WITH r WHERE r.loop_closed_at IS NULL
    WITH r.from_org AS from_org, r.to_org AS to_org, count(r) AS open
    RETURN [from_org, to_org, open]
""",
}
_BY_SENDER = f"USING INDEX r:{Label.REFERRAL}(from_org, to_org, feedback_days)"
_BY_RECEIVER = f"USING INDEX r:{Label.REFERRAL}(to_org, from_org, feedback_days)"
_CLOSED = "r.feedback_days IS NOT NULL"


def _at_either_end(party: str) -> list[str]:
    """Where the referrals ``party`` (a Cypher expression) is either end of are found, each
    once, through the indexes of the ordered pair and its days: as the sender, then as the
    receiver of another's."""
    return [
        f"{_BY_SENDER} WHERE r.from_org = {party} AND r.to_org IS NOT NULL",
        f"{_BY_RECEIVER} WHERE r.to_org = {party} AND r.from_org IS NOT NULL "
        f"AND r.from_org <> {party}",
    ]


_CLOSED_DAYS_OF_ANCHOR = f"""
    CALL () {{
        {
    " UNION ALL ".join(
        f"MATCH (r:{Label.REFERRAL}) {where} AND {_CLOSED} "
        "RETURN r.from_org AS from_org, r.to_org AS to_org, r.feedback_days AS days"
        for where in _at_either_end("$anchor")
    )
}
    }}
    WITH from_org, to_org, collect(days) AS days
    RETURN [from_org, to_org, days]
"""
FEEDBACK_LOOPS = f"""
MATCH (o:{Label.ORGANIZATION}) WHERE o.id = $anchor
WITH COLLECT {{{_PAIR_COUNTS}}} AS counts, COLLECT {{{_OPEN_SINCE["org"]}}} AS open_since
OPTIONAL CALL (counts) {{
    WITH counts
    WHERE size(counts) <= $worst
       OR reduce(sent = 0, pair IN counts | sent + pair[{2 + _SENT}]) <= $days_along_up_to
    RETURN COLLECT {{{_CLOSED_DAYS_OF_ANCHOR}}} AS closed_days
}}
RETURN [counts, open_since, closed_days] AS row
"""
"""Of the organization ``$anchor`` (no row when it does not exist): one row ``[counts, open
since, closed days]``, per ordered pair it is part of ``[from_org, to_org, *counters]``, per
such pair its open loops sent at or after ``$before`` (not yet overdue), ``[from_org, to_org,
open]``, and, when it is part of no more than ``$worst`` pairs (all of them then ranked on the
page) or of no more than ``$days_along_up_to`` referrals, per such pair the days to feedback
of its closed loops, ``[from_org, to_org, days]``, read from the indexes of days as
``CLOSED_DAYS`` reads them; else null."""
NETWORK_LOOPS = f"""
RETURN [
  COLLECT {{
    MATCH (a:{Label.ORGANIZATION})
    CALL (a) {{
      MATCH (a)-[p:{Rel.REFERRED}]->()
      WITH p.counts AS c
      RETURN count(*) AS pairs, max(c[{_SENT}] - c[{_CLOSED_COLUMN}]) AS widest,
        [{", ".join(f"sum(c[{column}])" for column in range(len(PAIR_COLUMNS)))}] AS sums
    }}
    WITH a, pairs, widest, sums WHERE pairs > 0
    RETURN [a.id, pairs, widest] + sums
  }},
  COLLECT {{
    MATCH (b:{Label.ORGANIZATION})
    CALL (b) {{
      MATCH ()-[p:{Rel.REFERRED}]->(b)
      RETURN count(*) AS pairs, sum(p.counts[{_SENT}]) AS sent,
        sum(p.counts[{_CLOSED_COLUMN}]) AS closed
    }}
    WITH b, pairs, sent, closed WHERE pairs > 0
    RETURN [b.id, sent, closed]
  }},
  COLLECT {{{_OPEN_SINCE["all"]}}}
] AS row
"""
"""The loops of the whole network summed up where they are kept, as
``records.network_loops`` takes them: one row ``[senders, receivers, open since]``, per
organization that sent referrals ``[org, pairs, widest, *sums]`` (its ordered pairs as the
sender, the most open loops of any one of them, the sums of each counter of
``records.PAIR_COLUMNS``), per one that received some ``[org, sent, closed]``, and per ordered
pair its open loops sent at or after ``$before`` (not yet overdue), ``[from_org, to_org,
open]``. Each organization's pairs are reached from it, each end's sums made there, so no
row per pair leaves the server."""
PAIRS_SENT_BY = f"""
UNWIND $senders AS sender
MATCH (a:{Label.ORGANIZATION} {{id: sender}})-[p:{Rel.REFERRED}]->(b)
RETURN [a.id, b.id] + p.counts AS row
"""
"""Per ordered pair sent on by one of ``$senders``: ``[from_org, to_org, *counters]``."""
_CLOSED_DAYS_OF = {
    "pair": [f"{_BY_SENDER} WHERE r.from_org = scope.from_org AND r.to_org = scope.to_org"],
    "sender": [f"{_BY_SENDER} WHERE r.from_org = scope.from_org AND r.to_org IS NOT NULL"],
    "receiver": [f"{_BY_RECEIVER} WHERE r.to_org = scope.to_org AND r.from_org IS NOT NULL"],
    "party": _at_either_end("scope.party"),
}
"""Where the closed loops of each kind of scope are found: in the indexes of the ordered pair
and its days, from either end, so that the days are read from the index, not the referrals."""
CLOSED_DAYS_KINDS = tuple(_CLOSED_DAYS_OF)
"""The kinds of ``LoopScope`` (``records.scope_kind``) one organization or pair anchors, each
the parameter ``$<kind>_scopes`` of CLOSED_DAYS."""
CLOSED_DAYS = (
    "RETURN "
    + " + ".join(
        f"""COLLECT {{
    UNWIND ${kind}_scopes AS scope
    RETURN [scope.at, COLLECT {{
        {
            " UNION ALL ".join(
                f"MATCH (r:{Label.REFERRAL}) {where} AND {_CLOSED} RETURN r.feedback_days AS days"
                for where in wheres
            )
        }
    }}]
}}"""
        for kind, wheres in _CLOSED_DAYS_OF.items()
    )
    + " AS row"
)
"""One row holding, for each scope in the list of its kind (``at`` and its fields),
``[at, days]``, the days to feedback of its closed loops."""
CLOSED_LOOPS = f"""
MATCH (r:{Label.REFERRAL}) WHERE r.feedback_days IS NOT NULL
RETURN [count(r), count(CASE WHEN r.feedback_days > $late THEN 1 END)] AS row
"""
"""One row ``[closed, late]``: every closed loop, and those closed after more than ``$late``
days, counted in the index of days to feedback."""
MIDDLE_CLOSED_DAYS = f"""
MATCH (r:{Label.REFERRAL}) WHERE r.feedback_days IS NOT NULL
RETURN r.feedback_days AS row ORDER BY r.feedback_days SKIP $skip LIMIT $take
"""
"""The days to feedback of the closed loops ``$skip`` to ``$skip + $take`` in order of days,
read from their index: the middle ones, for the median of the whole network."""

RESERVE_AUDIT_SEQS = f"""
MERGE (c:{Label.COUNTER} {{name: 'audit'}})
SET c.value = coalesce(c.value, 0) + $count
RETURN c.value AS last
"""
MERGE_AUDIT_ENTRIES = f"""
UNWIND $rows AS row
MERGE (e:{Label.AUDIT_ENTRY} {{seq: row.seq}})
ON CREATE SET e += row
"""
_AUDIT_FROM = {
    "case_ref": f"MATCH (e:{Label.AUDIT_ENTRY}) WHERE e.case_ref = $case_ref",
    "org_id": f"MATCH (e:{Label.AUDIT_ENTRY}) WHERE e.org_id = $org_id",
    "all": f"MATCH (e:{Label.AUDIT_ENTRY})",
}
_AUDIT_FILTERS = """
WITH e WHERE ($case_ref IS NULL OR e.case_ref = $case_ref)
  AND ($org_id IS NULL OR e.org_id = $org_id)
  AND ($action IS NULL OR e.action = $action)
  AND ($since IS NULL OR e.at >= $since)
  AND ($until IS NULL OR e.at <= $until)
"""
COUNT_AUDIT = _anchored(_AUDIT_FROM, f"{_AUDIT_FILTERS} RETURN count(e) AS total")
LIST_AUDIT = _anchored(
    _AUDIT_FROM,
    f"""{_AUDIT_FILTERS}
RETURN e {{.seq, .at, .actor, .token_id, .role, .org_id, .action, .case_ref, .referral_id}} AS row
ORDER BY e.seq DESC SKIP $offset LIMIT $limit""",
)
PAGE_AUDIT = _paged(COUNT_AUDIT, LIST_AUDIT)

# -- referrals as partnership signals -------------------------------------------------------

_IN_WINDOW = "r.sent_at > coalesce($since, '') AND r.sent_at <= coalesce($until, '~')"
"""Sent after ``$since`` and by ``$until``, either None for no bound: a range of the index of
one end and when sent, whatever the bounds (timestamps are text, all after '' and before '~')."""
_FACTS = f"""COLLECT {{
    MATCH (r:{Label.REFERRAL}) WHERE r.from_org = $id AND {_IN_WINDOW}
    RETURN [r.from_org, r.to_org, r.sent_at, r.case_ref, r.loop_closed_at] AS fact
    UNION ALL
    MATCH (r:{Label.REFERRAL}) WHERE r.to_org = $id AND r.from_org <> $id AND {_IN_WINDOW}
    RETURN [r.from_org, r.to_org, r.sent_at, r.case_ref, r.loop_closed_at] AS fact
}}"""
REFERRAL_FACTS = f"""
MATCH (o:{Label.ORGANIZATION}) WHERE o.id = $id
RETURN {_FACTS} AS row
"""
"""No row when ``$id`` does not exist, else the ``[from_org, to_org, sent_at, case_ref,
loop_closed_at]`` of each referral it sent or received after ``$since`` and by ``$until``
(either None: no bound), each through its own index."""
_FLOW_DIRECTIONS = {"sent": ("-", "->"), "received": ("<-", "-")}
_FLOW_AS_OF_ENDS = {"sent": ("from_org", "to_org"), "received": ("to_org", "from_org")}
_PAIR_TALLIES = [
    f"""COLLECT {{
        MATCH (focal){left}[p:{Rel.REFERRED}]{right}(partner)
        WHERE partner <> focal AND p.first_sent_at <= $until
        RETURN [partner.id, p.counts[{_SENT}], p.first_sent_at, p.last_sent_at]
    }}"""
    for left, right in _FLOW_DIRECTIONS.values()
]
REFERRAL_PAIR_TALLIES = f"""
MATCH (focal:{Label.ORGANIZATION}) WHERE focal.id = $id
RETURN [{", ".join(_PAIR_TALLIES)}] AS row
"""
"""No row when ``$id`` does not exist, else one: ``[sent, received]``, per partner ``[id,
referrals, first sent, last sent]`` from the counters of each pair ``$id`` is one end of whose
first referral was sent by ``$until``."""
LEVEL_RECORDS = f"""
MATCH (focal:{Label.ORGANIZATION}) WHERE focal.id = $id
RETURN [[{", ".join(_PAIR_TALLIES)}], {_NAMING}] AS row
"""
"""No row when ``$id`` does not exist, else one: ``[[sent, received], evidence]``, the pair
tallies of :data:`REFERRAL_PAIR_TALLIES` and the evidence naming it as :data:`EVIDENCE_NAMING`
has it: all the partnership levels of its partners read, in one statement."""
REFERRAL_TALLIES_COUNTED = {
    direction: f"""
MATCH (r:{Label.REFERRAL}) WHERE r.{focal} = $id AND r.{partner} <> $id AND r.sent_at <= $until
WITH r.{partner} AS partner, count(r) AS referrals, min(r.sent_at) AS first,
     max(r.sent_at) AS last
RETURN [partner, referrals, first, last] AS row
"""
    for direction, (focal, partner) in _FLOW_AS_OF_ENDS.items()
}
"""The same rows counted from the referrals ``$id`` sent or received by ``$until``: read only
when some pair has referrals on both sides of it."""

# -- copying between stores -------------------------------------------------------------------
# Per kind of record (service.store.shared.copying.RecordKind): how many there are, one page of them
# after the key $after (by key, at most $limit, each as ``row``), and how to upsert ``$rows``.
# Evidence goes label by label, each keyed by id; referral pairs are the REFERRED relationships.

_REFERRAL_COPY = """r {.id, .case_ref, .from_org, .to_org, .category, .sensitive, .screening,
    .consent, .sent_at, .status, .status_at, .stage, .loop_closed_at, .feedback_days,
    .recorded_by, .recorded_at,
    events: [i IN range(0, size(coalesce(r.event_statuses, [])) - 1) |
             [r.event_statuses[i], r.event_ats[i], r.event_by[i], r.event_recorded_at[i]]]}"""
_COPIED_NODES: dict[str, tuple[Label, str, str, str]] = {
    "sectors": (Label.SECTOR, "s", "slug", "s {.slug, .label, .description}"),
    "profiles": (Label.PROFILE, "p", "name", _PROFILE),
    "organizations": (Label.ORGANIZATION, "o", "id", _ORGANIZATION),
    "contacts": (Label.CONTACT, "c", "id", _CONTACT),
    "relationships": (
        Label.RELATIONSHIP,
        "r",
        "id",
        "r {.id, .org_a, .org_b, .created_at, .ended_on, .end_reason, .ended_by}",
    ),
    "assessments": (
        Label.ASSESSMENT,
        "a",
        "seq",
        "a {.seq, .rel_id, .state, .reason, .assessed_by, .assessed_at, .recorded_at}",
    ),
    "engagements": (Label.ENGAGEMENT, "e", "id", _ENGAGEMENT),
    "tokens": (
        Label.TOKEN,
        "t",
        "id",
        "t {.id, .name, .role, .org_id, .token_hash, .created_at, .expires_at, .revoked_at}",
    ),
    "referrals": (Label.REFERRAL, "r", "id", _REFERRAL_COPY),
    "audit_log": (
        Label.AUDIT_ENTRY,
        "e",
        "seq",
        "e {.seq, .at, .actor, .token_id, .role, .org_id, .action, .case_ref, .referral_id}",
    ),
    **{
        f"evidence:{kind.value}": (label, "e", "id", _EVIDENCE)
        for kind, label in EVIDENCE_LABELS.items()
    },
}
"""Per kind copied as nodes: the label, the variable its projection names, the key, the
projection."""
COUNT_COPIED: dict[str, str] = {
    name: f"MATCH (n:{label}) RETURN count(n) AS total"
    for name, (label, _, _, _) in _COPIED_NODES.items()
}
COUNT_COPIED["referral_pairs"] = f"MATCH ()-[p:{Rel.REFERRED}]->() RETURN count(p) AS total"
EXPORT_COPIED: dict[str, str] = {
    name: f"""
MATCH ({var}:{label}) WHERE {var}.{key} > $after
{f"MATCH ({var})-[:{Rel.WORKS_AT}]->(o:{Label.ORGANIZATION})" if label is Label.CONTACT else ""}
RETURN {projection} AS row ORDER BY {var}.{key} LIMIT $limit
"""
    for name, (label, var, key, projection) in _COPIED_NODES.items()
}
EXPORT_COPIED["referral_pairs"] = f"""
MATCH (a:{Label.ORGANIZATION})-[p:{Rel.REFERRED}]->(b:{Label.ORGANIZATION})
WHERE a.id > $after[0] OR (a.id = $after[0] AND b.id > $after[1])
RETURN p {{from_org: a.id, to_org: b.id, .first_sent_at, .last_sent_at, .counts}} AS row
ORDER BY a.id, b.id LIMIT $limit
"""

_UPSERT_NODES = """
UNWIND $rows AS row
MERGE (n:{label} {{{key}: row.{key}}})
SET n += row
"""
IMPORT_COPIED: dict[str, tuple[str, ...]] = {
    name: (_UPSERT_NODES.format(label=_COPIED_NODES[name][0], key=_COPIED_NODES[name][2]),)
    for name in ("sectors", "profiles", "organizations", "tokens", "referrals", "audit_log")
}
"""The statements that upsert ``$rows`` of each kind, run in order, each on the whole batch."""
IMPORT_COPIED["contacts"] = (
    f"""
UNWIND $rows AS row
MATCH (o:{Label.ORGANIZATION} {{id: row.org_id}})
MERGE (c:{Label.CONTACT} {{id: row.id}})
SET c += row.properties
WITH c, o
OPTIONAL MATCH (c)-[works:{Rel.WORKS_AT}]->(other) WHERE other <> o
DELETE works
MERGE (c)-[:{Rel.WORKS_AT}]->(o)
""",
)
IMPORT_COPIED["relationships"] = (
    MERGE_RELATIONSHIPS.replace("ON CREATE SET r += row", "SET r += row"),
)
IMPORT_COPIED["assessments"] = (
    MERGE_ASSESSMENTS.replace("ON CREATE SET a += row", "SET a += row"),
    KEEP_ROUTE_FACTS,
)
IMPORT_COPIED["engagements"] = (
    f"""
UNWIND $rows AS row
MERGE (e:{Label.ENGAGEMENT} {{id: row.id}})
SET e += row.properties
WITH e, row
MATCH (e)-[link:{Rel.WITH_ORG}|{Rel.WITH_CONTACT}]->(n)
WHERE NOT n.id IN CASE type(link) WHEN '{Rel.WITH_ORG}' THEN row.org_ids ELSE row.contact_ids END
DELETE link
""",
    LINK_ENGAGEMENT_ORGANIZATIONS,
    LINK_ENGAGEMENT_CONTACTS,
)
IMPORT_COPIED["referral_pairs"] = (
    f"""
UNWIND $rows AS row
MATCH (a:{Label.ORGANIZATION} {{id: row.from_org}})
MATCH (b:{Label.ORGANIZATION} {{id: row.to_org}})
MERGE (a)-[p:{Rel.REFERRED}]->(b)
SET p.counts = row.counts, p.first_sent_at = row.first_sent_at, p.last_sent_at = row.last_sent_at
""",
)
for _kind, _label in EVIDENCE_LABELS.items():
    IMPORT_COPIED[f"evidence:{_kind.value}"] = (
        f"""
UNWIND $rows AS row
MERGE (e:{_label} {{id: row.id}})
SET e += row.properties
WITH e, row
OPTIONAL MATCH (e)-[binds:{Rel.BINDS}]->(o) WHERE NOT o.id IN row.org_ids
DELETE binds
WITH DISTINCT e, row
UNWIND row.org_ids AS org_id
MATCH (o:{Label.ORGANIZATION} {{id: org_id}})
MERGE (e)-[:{Rel.BINDS}]->(o)
""",
    )
RAISE_COUNTER = f"""
MERGE (c:{Label.COUNTER} {{name: $name}})
SET c.value = CASE WHEN coalesce(c.value, 0) < $last THEN $last ELSE c.value END
"""
"""Keeps a counter of sequence numbers ($name: 'assessment' or 'audit') past ``$last``."""


# -- surveys ----------------------------------------------------------------------------------
# Rounds, respondents and answers are plain nodes keyed by their ids, apart from the
# organizations: a round outlives a deleted organization, as in the embedded store.

SCHEMA += (
    f"CREATE CONSTRAINT surveyround_id IF NOT EXISTS "
    f"FOR (n:{Label.SURVEY_ROUND}) REQUIRE n.id IS UNIQUE",
    f"CREATE CONSTRAINT surveyrespondent_key IF NOT EXISTS "
    f"FOR (n:{Label.SURVEY_RESPONDENT}) REQUIRE (n.round_id, n.id) IS UNIQUE",
    f"CREATE CONSTRAINT surveyanswer_key IF NOT EXISTS "
    f"FOR (n:{Label.SURVEY_ANSWER}) REQUIRE (n.round_id, n.partner_id, n.respondent_id) IS UNIQUE",
    f"CREATE INDEX surveyround_org_id IF NOT EXISTS FOR (n:{Label.SURVEY_ROUND}) ON (n.org_id)",
    f"CREATE INDEX surveyanswer_round IF NOT EXISTS "
    f"FOR (n:{Label.SURVEY_ANSWER}) ON (n.round_id, n.respondent_id)",
    f"CREATE INDEX surveyanswer_round_id IF NOT EXISTS "
    f"FOR (n:{Label.SURVEY_ANSWER}) ON (n.round_id)",
    f"CREATE INDEX surveyrespondent_round_id IF NOT EXISTS "
    f"FOR (n:{Label.SURVEY_RESPONDENT}) ON (n.round_id)",
    f"CREATE CONSTRAINT outgoingmail_id IF NOT EXISTS "
    f"FOR (n:{Label.OUTGOING_MAIL}) REQUIRE n.id IS UNIQUE",
    f"CREATE INDEX outgoingmail_round IF NOT EXISTS FOR (n:{Label.OUTGOING_MAIL}) ON (n.round_id)",
)
CREATE_SURVEY_ROUND = f"""
CREATE (r:{Label.SURVEY_ROUND}) SET r = $round
WITH r
UNWIND $people AS person
CREATE (p:{Label.SURVEY_RESPONDENT}) SET p = person, p.round_id = r.id, p.version = 0
"""
SURVEY_ROUND_TAKEN = f"MATCH (r:{Label.SURVEY_ROUND} {{id: $id}}) RETURN r.id AS row"
_RESPONDENT_ROW = f"""p {{.*, answered: COUNT {{
    MATCH (a:{Label.SURVEY_ANSWER} {{round_id: p.round_id, respondent_id: p.id}}) }}}}"""
GET_SURVEY_ROUND = f"""
MATCH (r:{Label.SURVEY_ROUND} {{id: $id}})
OPTIONAL MATCH (p:{Label.SURVEY_RESPONDENT} {{round_id: r.id}})
WITH r, p ORDER BY p.org_id, p.name, p.id
WITH r, collect({_RESPONDENT_ROW}) AS people
RETURN r {{.*, people: people}} AS row
"""
GET_SURVEY_RESPONDENT = f"""
MATCH (p:{Label.SURVEY_RESPONDENT} {{round_id: $round_id, id: $id}})
RETURN {_RESPONDENT_ROW} AS row
"""
LOCK_SURVEY_RESPONDENT = f"""
MATCH (p:{Label.SURVEY_RESPONDENT} {{round_id: $round_id, id: $id}})
SET p.locked_at = $at
"""
"""Takes the respondent's write lock first, so that the version read after it is the last
committed one: two saves from the same version cannot both pass."""
_SURVEY_ROUND_ROW = f"""
WITH r ORDER BY r.created_at DESC, r.id
RETURN r {{.*,
    respondents: COUNT {{ MATCH (p:{Label.SURVEY_RESPONDENT} {{round_id: r.id}}) }},
    answered: size(COLLECT {{
        MATCH (a:{Label.SURVEY_ANSWER} {{round_id: r.id}}) RETURN DISTINCT a.respondent_id
    }})}} AS row
"""
LIST_SURVEY_ROUNDS = {
    "all": f"MATCH (r:{Label.SURVEY_ROUND}) {_SURVEY_ROUND_ROW}",
    "org_id": f"MATCH (r:{Label.SURVEY_ROUND} {{org_id: $org_id}}) {_SURVEY_ROUND_ROW}",
    "round_id": f"MATCH (r:{Label.SURVEY_ROUND} {{id: $round_id}}) {_SURVEY_ROUND_ROW}",
}
"""The rounds of an agency (``org_id``), one round (``round_id``) or all (``all``), newest
first, with counts."""
SURVEY_ANSWERS = f"""
MATCH (a:{Label.SURVEY_ANSWER} {{round_id: $round_id}})
WITH a ORDER BY a.partner_id, a.respondent_id
RETURN a {{.*}} AS row
"""
SURVEY_ASKED = f"""
MATCH (p:{Label.SURVEY_RESPONDENT} {{round_id: $round_id}})
UNWIND p.partner_ids AS partner_id
WITH partner_id, p.side AS side, count(*) AS asked
ORDER BY partner_id, side
RETURN collect([partner_id, side, asked]) AS row
"""
"""How many of each side were asked about each partner of the round, in one record."""
_TRUST, _VALUE = summed(TRUST_ITEMS, "a."), summed(VALUE_ITEMS, "a.")
SURVEY_TALLIES = f"""
MATCH (a:{Label.SURVEY_ANSWER} {{round_id: $round_id}})
WITH a.partner_id AS partner_id, a.side AS side, a.state_view AS view,
     CASE WHEN a.state_view = $unsure THEN {_TRUST} + {_VALUE} END AS unsure,
     count(*) AS answered, sum({_TRUST}) AS trust, sum({_VALUE}) AS value
ORDER BY partner_id, side, view
RETURN collect([partner_id, side, view, answered, trust, value]) AS row
"""
"""The round's answers counted and summed per partner, side and view (and, for those who
don't know, the sum of their six ratings), in one record: thousands of small records cost more
to send than to count."""
SAVE_SURVEY_ANSWERS = f"""
UNWIND $rows AS answer
MERGE (a:{Label.SURVEY_ANSWER}
    {{round_id: answer.round_id, partner_id: answer.partner_id,
      respondent_id: answer.respondent_id}})
SET a += answer
WITH count(*) AS saved
MATCH (p:{Label.SURVEY_RESPONDENT} {{round_id: $round_id, id: $id}})
SET p.version = p.version + 1, p.updated_at = $at
"""
QUEUE_MAIL = f"UNWIND $rows AS mail CREATE (m:{Label.OUTGOING_MAIL}) SET m = mail"
_MAIL_ROWS = """
WHERE NOT $unsent OR m.sent_at IS NULL
WITH m ORDER BY m.created_at, m.id
RETURN m {.*} AS row
"""
LIST_MAIL = {
    "all": f"MATCH (m:{Label.OUTGOING_MAIL}) {_MAIL_ROWS}",
    "round_id": f"MATCH (m:{Label.OUTGOING_MAIL} {{round_id: $round_id}}) {_MAIL_ROWS}",
}
"""The outbox, or one round's messages, oldest first; only those not sent with ``$unsent``."""
CLAIM_MAIL = f"""
MATCH (m:{Label.OUTGOING_MAIL} {{id: $id}})
SET m._lock = true
WITH m WHERE m.sent_at IS NULL AND m.claimed_at IS NULL
SET m.claimed_at = $at
RETURN m.id AS row
"""
MAIL_SENT = f"""
MATCH (m:{Label.OUTGOING_MAIL} {{id: $id}})
SET m.sent_at = $at, m.attempts = m.attempts + 1, m.last_error = null
"""
MAIL_FAILED = f"""
MATCH (m:{Label.OUTGOING_MAIL} {{id: $id}})
SET m.claimed_at = null, m.attempts = m.attempts + 1, m.last_error = $error
"""
# -- loops closed again by the current rule ---------------------------------------------------

SCHEMA += (
    f"CREATE CONSTRAINT storemark_name IF NOT EXISTS "
    f"FOR (n:{Label.STORE_MARK}) REQUIRE n.name IS UNIQUE",
)
LOOP_RULE_KEPT = f"MATCH (m:{Label.STORE_MARK}) WHERE m.name = 'loop_rule' RETURN m.value AS row"
KEEP_LOOP_RULE = f"MERGE (m:{Label.STORE_MARK} {{name: 'loop_rule'}}) SET m.value = $rule"
KEEP_LOOP_RULE_OF_EMPTY_STORE = f"""
MATCH (r:{Label.REFERRAL}) WITH count(r) AS referrals WHERE referrals = 0
MERGE (m:{Label.STORE_MARK} {{name: 'loop_rule'}}) ON CREATE SET m.value = $rule"""
"""The mark of the loop rule ``$rule`` on a store that holds no referral and no mark yet. The
mark's unique name orders it with :data:`MARK_LOOPS_COPIED`: a copy landing meanwhile wins."""
MARK_LOOPS_COPIED = f"MERGE (m:{Label.STORE_MARK} {{name: 'loop_rule'}}) SET m.value = 'copied'"
"""Mark the loops as their source store kept them (no rule of this store is named so)."""
REFERRAL_LOOPS = f"""
MATCH (r:{Label.REFERRAL})
RETURN [r.id, r.from_org, r.to_org, r.screening, r.sent_at, r.loop_closed_at,
        coalesce(r.event_statuses, []), coalesce(r.event_ats, [])] AS row
"""
"""Of every referral what closing its loop again needs (``shared.referrals.reclosed``)."""
RECLOSE_REFERRALS = f"""
UNWIND $rows AS row
MATCH (r:{Label.REFERRAL}) WHERE r.id = row[2]
SET r.loop_closed_at = row[0], r.feedback_days = row[1]
"""
_SCREENING_CLOSED_COLUMN = PAIR_COLUMNS.index("screening_loop_closed")
RECOUNT_CLOSED_LOOPS = f"""
UNWIND $rows AS row
MATCH (a:{Label.ORGANIZATION})-[p:{Rel.REFERRED}]->(b:{Label.ORGANIZATION})
WHERE a.id = row[0] AND b.id = row[1]
SET p.counts = p.counts[0..{_CLOSED_COLUMN}] + [row[2]]
             + p.counts[{_CLOSED_COLUMN + 1}..{_SCREENING_CLOSED_COLUMN}] + [row[3]]
             + p.counts[{_SCREENING_CLOSED_COLUMN + 1}..]
"""
"""Sets each pair's counters of closed loops, ``[from_org, to_org, closed, screening_closed]``."""

# Copied between stores, as the other kinds above; a respondent and an answer are keyed by
# several properties, pages of them follow the list of their keys.
_SURVEY_COPIES = {
    "survey_rounds": (Label.SURVEY_ROUND, ("id",)),
    "survey_respondents": (Label.SURVEY_RESPONDENT, ("round_id", "id")),
    "survey_answers": (Label.SURVEY_ANSWER, ("round_id", "partner_id", "respondent_id")),
    "outbox": (Label.OUTGOING_MAIL, ("id",)),
}
for _name, (_label, _keys) in _SURVEY_COPIES.items():
    _key = f"[{', '.join(f'n.{key}' for key in _keys)}]" if len(_keys) > 1 else f"n.{_keys[0]}"
    _fields = ", ".join(f".{field}" for field in RECORD_FIELDS[RecordKind(_name)])
    COUNT_COPIED[_name] = f"MATCH (n:{_label}) RETURN count(n) AS total"
    EXPORT_COPIED[_name] = f"""
MATCH (n:{_label}) WHERE {_key} > $after
RETURN n {{{_fields}}} AS row ORDER BY {", ".join(f"n.{key}" for key in _keys)} LIMIT $limit
"""
    IMPORT_COPIED[_name] = (
        f"""
UNWIND $rows AS row
MERGE (n:{_label} {{{", ".join(f"{key}: row.{key}" for key in _keys)}}})
SET n += row
""",
    )
EXISTING_KEYS[Label.SURVEY_ROUND] = (
    f"UNWIND $keys AS key MATCH (n:{Label.SURVEY_ROUND} {{id: key}}) RETURN key"
)

# -- what one organization's health and engagement plan rest on ----------------------------------

_ENGAGEMENTS_OF_FOCAL = f"""COLLECT {{
        MATCH (focal)<-[:{Rel.WITH_ORG}]-(e:{Label.ENGAGEMENT})
        RETURN {_ENGAGEMENT} AS engagement ORDER BY e.date, e.id
    }}"""
_TOUCHPOINTS_OF_FOCAL = f"""COLLECT {{
        MATCH (focal)<-[:{Rel.WITH_ORG}]-(e:{Label.ENGAGEMENT})-[:{Rel.WITH_ORG}]->(p)
        WHERE p <> focal AND e.status = '{TOUCHPOINT.value}' AND e.date <= $day
        WITH p, max(e.date) AS day
        RETURN [p.id, day] AS touchpoint
    }}"""
_ROUNDS_OF_FOCAL = f"COLLECT {{ {LIST_SURVEY_ROUNDS['org_id']} }}"


def _records_of_focal(engagements: str, *more: str) -> str:
    """A statement of no row when ``$org_id`` does not exist, else one: ``[noted, engagements,
    rounds, *more]``, the number of the last change of the live graph noted, the expression
    ``engagements`` of the organization ``focal``, its survey rounds as
    :data:`LIST_SURVEY_ROUNDS` has them, and each of the expressions ``more`` of it.
    ``engagements`` is worked out apart from the list, in which Neo4j refuses a subquery that
    aggregates."""
    listed = ",\n    ".join([_NOTED, "engagements", _ROUNDS_OF_FOCAL, *more])
    return f"""
MATCH (focal:{Label.ORGANIZATION}) WHERE focal.id = $org_id
WITH focal, {engagements} AS engagements
RETURN [
    {listed}
] AS row
"""


HEALTH_RECORDS = _records_of_focal(
    _TOUCHPOINTS_OF_FOCAL, f"[{', '.join(_PAIR_TALLIES)}]", _NAMING, _FACTS
)
"""``[noted, touchpoints, rounds, [sent, received], evidence, referrals]`` as
:func:`_records_of_focal` has them, per partner ``[id, day]`` of the latest touchpoint
(``TOUCHPOINT``) with it on or before ``$day``, the pair tallies of
:data:`REFERRAL_PAIR_TALLIES` by ``$until`` (of ``$id``, the same organization), the evidence
naming it as :data:`EVIDENCE_NAMING` has it and its referrals after ``$since`` as
:data:`REFERRAL_FACTS` has them: all the health of its relationships reads besides the live
graph, in one statement."""
PLAN_RECORDS = _records_of_focal(
    _ENGAGEMENTS_OF_FOCAL,
    f"""COLLECT {{
        MATCH (focal)<-[:{Rel.WITH_ORG}]-(e:{Label.ENGAGEMENT})-[:{Rel.WITH_CONTACT}]->
              (c:{Label.CONTACT})-[:{Rel.WORKS_AT}]->(o:{Label.ORGANIZATION})
        WHERE e.status = '{EngagementStatus.PLANNED.value}'
        WITH DISTINCT c, o
        RETURN {_CONTACT} AS contact ORDER BY c.id
    }}""",
)
"""``[noted, engagements, rounds, contacts]`` as :func:`_records_of_focal` has them, with
every engagement activity of ``$org_id`` by date, and the contacts of its planned engagement
activities by id: all its engagement plan reads besides the live graph, in one statement."""
