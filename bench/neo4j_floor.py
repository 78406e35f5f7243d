"""The floor on Neo4j: the best hand-written Cypher for a question the benchmark asks.

Every question the benchmark times on Neo4j has one. A floor answers the same question as the
service, from the same graph, in one statement sent through the driver alone. For warm paths,
eco-maps, partnership levels, missing partners and one organization's feedback gaps the
ranking the service does in Python is done in Cypher too: what Neo4j itself allows, with no
service around it. Relationship health, the engagement plan and the whole feedback-gap report
read in one statement what the answer needs, and the answer is made of it in Python by the same
functions the embedded store's floors call (:func:`bench.floors.health_report`,
:func:`bench.floors.engagement_plan`, :func:`bench.floors.gap_report`). ``make bench
STORE=neo4j`` first checks that each floor gives the service's answer (:func:`differs`) for a
few organizations (the whole report once), then times each figure beside its floor;
:func:`profile` prints a floor's ``PROFILE`` plan.

    python -m bench.neo4j_floor paths FROM TO     # PROFILE of the warmest-path floor
    python -m bench.neo4j_floor ecomap ORG        # ... of the eco-map floor
    python -m bench.neo4j_floor levels ORG        # ... of the partnership levels floor
    python -m bench.neo4j_floor missing-partners ORG [--profile NAME]
    python -m bench.neo4j_floor gaps ORG          # ... of one organization's feedback gaps
    python -m bench.neo4j_floor health ORG        # ... of the relationship health floor
    python -m bench.neo4j_floor plan ORG          # ... of the engagement plan floor
    python -m bench.neo4j_floor whole-gaps        # ... of the whole feedback-gap report

It reads the server from ``STAKEHOLDER_GRAPH_NEO4J_URI``, ``_USER``, ``_PASSWORD`` and
``_DATABASE``, as the service does (``set -a; . tests/neo4j_server/.state/env; set +a``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from neo4j import READ_ACCESS, Driver, GraphDatabase, ManagedTransaction

from bench.floors import HEALTH_WINDOW_DAYS, PROFILE, gap_report, gap_report_fields, health_report
from bench.floors import engagement_plan as plan_answer
from graph_models import DEFAULT_PAGE_SIZE
from graph_models.common import end_of_day
from graph_models.referrals import DEFAULT_OVERDUE_AFTER_DAYS, PAIR_COUNTERS
from service.missing_partners.analytics import WARMTH
from service.missing_partners.service import DEFAULT_CANDIDATES
from service.settings import Settings
from service.store.neo4j.cypher import Label, Rel
from service.store.shared.values import to_text

HOW = "the best hand-written Cypher (bench/neo4j_floor.py)"
"""How the benchmark names a floor baseline."""
RATIO = 1.5
"""How many times its floor a figure may take."""
STATE_COST = {"green": 1, "yellow": 2, "no_dot": 3, "red": 5}
"""What one hop costs, by state, as ``service.paths.analytics.STATE_COST`` has it."""

_ROUTES_WITHIN_FOUR = f"""
MATCH half = (a)-[:{Rel.RELATED}*0..2]-(m)
MATCH back = (b)-[:{Rel.RELATED}*0..2]-(m)
USING JOIN ON m
WHERE (length(half) = 2 OR length(back) = 0)
  AND all(r IN relationships(half) WHERE r.ended_on IS NULL)
  AND all(r IN relationships(back) WHERE r.ended_on IS NULL)
WITH nodes(half) + reverse(nodes(back))[1..] AS route,
     relationships(half) + reverse(relationships(back)) AS hops
WHERE all(i IN range(0, size(route) - 2) WHERE NOT route[i] IN route[i + 1..])
WITH route, [r IN hops | r.state] AS states
WITH route, states, reduce(cost = 0, state IN states | cost + $costs[state]) AS cost
RETURN [n IN route | n.id] AS ids, [n IN route | n.name] AS names, states, cost
ORDER BY cost, size(route), ids
LIMIT $k"""
"""The ``$k`` warmest routes from ``a`` to ``b`` of at most four hops that pass no
organization twice nor a relationship that has ended: halves of up to two hops from each end
joined where they meet, each hop costing by the state its ``RELATED`` link keeps (that of its
latest assessment); cheapest first, then the shorter, then by ids."""

WARMEST_PATHS = f"""
MATCH (a:{Label.ORGANIZATION} {{id: $from_org}}), (b:{Label.ORGANIZATION} {{id: $to_org}})
CALL (a, b) {{{_ROUTES_WITHIN_FOUR}
}}
RETURN ids, names, states, cost
"""
"""The ``$k`` warmest routes of :data:`_ROUTES_WITHIN_FOUR` between ``$from_org`` and
``$to_org``."""

WARMEST_PATH = f"""
MATCH (a:{Label.ORGANIZATION} {{id: $from_org}}), (b:{Label.ORGANIZATION} {{id: $to_org}})
CALL (a, b) {{
    MATCH route = ALL SHORTEST (a)-[r:{Rel.RELATED} WHERE r.ended_on IS NULL]-{{1,4}}(b)
    RETURN route
  UNION
    MATCH route = ALL SHORTEST (a)-[r:{Rel.RELATED} WHERE r.ended_on IS NULL
        AND r.state = 'green']-{{1,4}}(b)
    RETURN route
}}
WITH a, b, route, reduce(cost = 0, r IN relationships(route) | cost + $costs[r.state]) AS cost
ORDER BY cost, length(route), [n IN nodes(route) | n.id]
WITH a, b, collect([route, cost]) AS found, min(length(route)) AS fewest
WITH a, b, found[0][0] AS best, found[0][1] AS least, fewest
WITH a, b, best, least,
     fewest = 4 OR least < fewest + 2 OR least = fewest + 2 AND length(best) = fewest AS certain
CALL (a, b, best, least, certain) {{
    WITH best, least WHERE certain
    RETURN [n IN nodes(best) | n.id] AS ids, [n IN nodes(best) | n.name] AS names,
           [r IN relationships(best) | r.state] AS states, least AS cost
  UNION
    WITH a, b WHERE NOT certain{_ROUTES_WITHIN_FOUR.replace(chr(10), chr(10) + "    ")}
}}
RETURN ids, names, states, cost
"""
"""The warmest route of :data:`WARMEST_PATHS` (``$k`` is 1), found as the service finds it:
Neo4j's shortest-route search gives the routes of the fewest hops and those of the fewest
green hops, and the warmest of them is the answer when no other route can beat it: one of
more hops that is not all green costs at least two more than the fewest hops, and an all
green one cannot beat the warmest of the fewest green hops. Only when one may are the routes
of up to four hops gathered."""


_STATE_OF = f"""COLLECT {{
        MATCH (r)-[:{Rel.ASSESSED}]->(a:{Label.ASSESSMENT})
        RETURN a.state ORDER BY a.assessed_at DESC, a.seq DESC LIMIT 1
    }}[0]"""
"""The state of the latest assessment of the relationship node ``r`` (the later recorded on
a tie)."""
_LEVEL = f"""CASE WHEN e:{Label.COLLABORATIVE} THEN CASE e.subkind WHEN 'state' THEN 6 ELSE 5 END
        WHEN e:{Label.AGREEMENT} THEN 4 WHEN e:{Label.JOINT_PROGRAM} THEN 3 ELSE 2 END"""
"""The partnership level the evidence ``e`` shows."""
_LOOP_CLOSED = PAIR_COUNTERS.index("loop_closed")

ECOMAP = f"""
MATCH (o:{Label.ORGANIZATION} {{id: $org_id}})
CALL (o) {{
    MATCH (o)-[:{Rel.PARTY}]->(r:{Label.RELATIONSHIP})<-[:{Rel.PARTY}]-(p:{Label.ORGANIZATION})
    WHERE r.ended_on IS NULL OR r.ended_on > $today
    RETURN p, {_STATE_OF} AS state, null AS sent, null AS received, null AS level
  UNION ALL
    MATCH (o)-[sent:{Rel.REFERRED}]->(p:{Label.ORGANIZATION})
    RETURN p, null AS state, sent, null AS received, null AS level
  UNION ALL
    MATCH (o)<-[received:{Rel.REFERRED}]-(p:{Label.ORGANIZATION})
    RETURN p, null AS state, null AS sent, received, null AS level
  UNION ALL
    MATCH (o)<-[:{Rel.BINDS}]-(e)-[:{Rel.BINDS}]->(p:{Label.ORGANIZATION})
    WHERE e.start_date <= $today AND coalesce(e.end_date >= $today, true)
    RETURN p, null AS state, null AS sent, null AS received, {_LEVEL} AS level
}}
WITH p, collect(state)[0] AS state, collect(sent)[0] AS sent, collect(received)[0] AS received,
     max(level) AS evidenced
WHERE state IS NOT NULL
RETURN p.id AS id, state,
    coalesce(evidenced, CASE WHEN sent.first_sent_at <= $until
                              OR received.first_sent_at <= $until THEN 1 END) AS level,
    coalesce(sent.counts[0], 0) AS sent, coalesce(received.counts[0], 0) AS received,
    coalesce(sent.counts[0] - sent.counts[{_LOOP_CLOSED}], 0)
        + coalesce(received.counts[0] - received.counts[{_LOOP_CLOSED}], 0) AS open_loops
ORDER BY p.name, p.id
"""
"""The eco-map of ``$org_id`` today: per partner in a relationship that has not ended and
has been assessed, ``[id, state, level, sent, received, open loops]`` by name. The level is
that of the highest evidence in force binding both, else 1 once a referral went either way;
the referrals are the pair counters. Each kind of link of ``$org_id`` is read once, in one
pass from it, and joined by partner."""

LEVELS = f"""
MATCH (focal:{Label.ORGANIZATION} {{id: $org_id}})
CALL (focal) {{
    MATCH (focal)<-[:{Rel.BINDS}]-(e)-[:{Rel.BINDS}]->(p:{Label.ORGANIZATION})
    WHERE e.start_date <= $today AND coalesce(e.end_date >= $today, true)
    RETURN p.id AS partner, {_LEVEL} AS level, e.start_date AS start, e.end_date AS end,
           e.id AS id, null AS sent, null AS received
  UNION ALL
    MATCH (focal)-[q:{Rel.REFERRED}]-(p:{Label.ORGANIZATION})
    WHERE p <> focal AND q.first_sent_at <= $until
    WITH p, sum(CASE WHEN startNode(q) = focal THEN q.counts[0] ELSE 0 END) AS sent,
         sum(CASE WHEN startNode(q) = focal THEN 0 ELSE q.counts[0] END) AS received,
         min(q.first_sent_at) AS first, max(q.last_sent_at) AS last
    RETURN p.id AS partner, 1 AS level, left(first, 10) AS start, left(last, 10) AS end,
           null AS id, sent, received
}}
WITH partner, level, start, end, id, sent, received
ORDER BY level DESC, start, coalesce(id, '')
WITH partner, collect([level, id, start, end, sent, received]) AS evidence
RETURN partner, evidence[0][0] AS level, evidence
ORDER BY level DESC, partner
"""
"""The partnership level of each partner of ``$org_id`` today, highest first, then by id, with
its evidence ``[level, id, start, end, sent, received]``, highest level first, then oldest:
the evidence in force binding both, and the referrals either way summed up from the pair
counters (every referral was sent by ``$until``, the end of today)."""

MISSING_PARTNERS = f"""
MATCH (o:{Label.ORGANIZATION} {{id: $org_id}}), (profile:{Label.PROFILE} {{name: $profile}})
WITH o, profile, COLLECT {{
    MATCH (o)-[:{Rel.PARTY}]->(r:{Label.RELATIONSHIP})<-[:{Rel.PARTY}]-(p:{Label.ORGANIZATION})
    WHERE r.ended_on IS NULL
    RETURN [p, {_STATE_OF}, p.sector]
}} AS partners
WITH o, profile, partners, [o] + [x IN partners | x[0]] AS known
UNWIND range(0, size(profile.sectors) - 1) AS at
WITH o, partners, known, at, profile.sectors[at] AS sector
WITH o, partners, known, at, sector, [x IN partners WHERE x[2] = sector | x[1]] AS states
WITH o, partners, known, at, sector, size(states) AS n,
     size([s IN states WHERE s IN ['green', 'yellow']]) AS good
WHERE good < 2
CALL (o, partners, known, sector) {{
    CALL (o, partners, known, sector) {{
        UNWIND partners AS x
        WITH x[0] AS p, x[1] AS ours, known, sector
        WHERE ours IN ['green', 'yellow']
        MATCH (p)-[:{Rel.PARTY}]->(r:{Label.RELATIONSHIP})<-[:{Rel.PARTY}]-(c:{Label.ORGANIZATION})
        WHERE c.sector = sector AND r.ended_on IS NULL AND NOT c IN known
        WITH c, $warmth[ours] * $warmth[{_STATE_OF}] AS warmth
        RETURN c, sum(warmth) AS score
      UNION
        MATCH (c:{Label.ORGANIZATION}) WHERE c.sector = sector AND NOT c IN known
        WITH c ORDER BY coalesce(c.region = o.region, false) DESC, c.name, c.id LIMIT $limit
        RETURN c, 0.0 AS score
      UNION
        MATCH (o)-[:{Rel.REFERRED}]-(c:{Label.ORGANIZATION})
        WHERE c.sector = sector AND NOT c IN known
        RETURN c, 0.0 AS score
    }}
    WITH o, c, max(score) AS score
    WITH c, score, coalesce(c.region = o.region, false) AS near,
         reduce(n = 0, sent IN [(o)-[q:{Rel.REFERRED}]-(c) | q.counts[0]] | n + sent) AS activity
    ORDER BY score DESC, near DESC, activity DESC, c.name, c.id
    LIMIT $limit
    RETURN collect(c.id) AS candidates
}}
RETURN sector, CASE WHEN n = 0 THEN 'missing' WHEN good = 0 THEN 'weak' ELSE 'fragile' END
       AS status, candidates
ORDER BY at
"""
"""The sectors of the profile ``$profile`` that ``$org_id`` lacks or holds weakly, in its
order, as ``[sector, status, candidate ids]``: the ``$limit`` best candidates, by warmth of
the introductions our green and yellow partners can make, then in our region, then by
referrals exchanged with us, then by name. Only organizations that can rank are weighed: the
warm ones, the first ``$limit`` of the sector by region and name, and those we exchanged
referrals with."""

ORGANIZATION_GAPS = f"""
CALL () {{
    MATCH (r:{Label.REFERRAL}) WHERE r.from_org = $org_id AND r.to_org IS NOT NULL RETURN r
  UNION ALL
    MATCH (r:{Label.REFERRAL}) WHERE r.to_org = $org_id AND r.from_org <> $org_id RETURN r
}}
WITH r.from_org AS from_org, r.to_org AS to_org, count(r) AS sent,
     count(r.loop_closed_at) AS closed,
     count(CASE WHEN r.loop_closed_at IS NULL AND r.sent_at < $before THEN 1 END) AS overdue,
     percentileCont(r.feedback_days, 0.5) AS median
WITH from_org, to_org, sent, closed, overdue, median,
     round(toFloat(closed) / sent, 3, 'HALF_EVEN') AS rate
RETURN from_org, to_org, sent, closed, rate, round(median, 2, 'HALF_EVEN') AS median, overdue
ORDER BY overdue DESC, rate, sent DESC, from_org, to_org
LIMIT $limit
"""
"""The first ``$limit`` pairs of the feedback gaps of ``$org_id``, from its referrals either
way read through their indexes: ``[from, to, sent, closed, closure rate, median days to
feedback, overdue]``, most overdue first, then the lowest closure rate, then the most sent.
Rates and medians are rounded half to even, as Python rounds them (9 of 16 is 0.562)."""


_WINDOW_ENDS = {0: ("from_org", "to_org"), 1: ("to_org", "from_org")}
_WINDOW = "\n      UNION ALL".join(
    f"""
        MATCH (r:{Label.REFERRAL})
        WHERE r.{ours} = focal.id AND r.{theirs} <> focal.id
          AND r.sent_at > $since AND r.sent_at <= $until
        RETURN r.{theirs} AS partner, {way} AS way, r"""
    for way, (ours, theirs) in _WINDOW_ENDS.items()
)
"""The referrals ``focal`` sent (way 0) and received (way 1) in the window, each through the
index of its end, with the partner at the other end."""

HEALTH = f"""
MATCH (focal:{Label.ORGANIZATION} {{id: $org_id}})
WITH focal, COLLECT {{
    MATCH (focal)-[q:{Rel.REFERRED}]-(p) WHERE p <> focal
    RETURN [p.id, q.first_sent_at, q.last_sent_at]
}} AS referred
WITH focal, referred, any(pair IN referred WHERE pair[2] > $since) AS active
RETURN
  COLLECT {{
    MATCH (focal)-[link:{Rel.RELATED}]-(p)
    WHERE link.state IS NOT NULL AND (link.ended_on IS NULL OR link.ended_on > $today)
    RETURN [p.id, link.state]
  }} AS assessed,
  referred,
  COLLECT {{
    WITH focal WHERE active
    CALL (focal) {{{_WINDOW}
    }}
    WITH partner, way, count(r) AS referrals,
         count(CASE WHEN r.loop_closed_at <= $until THEN 1 END) AS fed
    RETURN [partner, way, referrals, referrals - fed]
  }} AS window,
  COLLECT {{
    MATCH (focal)<-[:{Rel.WITH_ORG}]-(e:{Label.ENGAGEMENT})-[:{Rel.WITH_ORG}]->(p)
    WHERE p <> focal AND e.status = 'held' AND e.date <= $today
    WITH p, max(e.date) AS held
    RETURN [p.id, held]
  }} AS held,
  COLLECT {{
    MATCH (focal)<-[:{Rel.BINDS}]-(e)-[:{Rel.BINDS}]->(p) WHERE p <> focal
    RETURN [p.id, {_LEVEL}, e.start_date, e.end_date]
  }} AS evidence
"""
"""What the relationship health of ``$org_id`` on ``$today`` rests on, in one row, each part
as :func:`bench.floors.health_report` takes it: the state each relationship that has not
ended keeps on its ``RELATED`` link (that of its latest assessment); when the first and the
last referral of each pair it is an end of were sent, from the pair counters; the window's
referrals (after ``$since``, by ``$until``), read only when the last referral of some pair
falls in it (worked out before, so that the list of pairs is no key of their counting, which
for a hub with a full window filled Neo4j's memory); the day of the last touchpoint held with
each organization; the evidence binding both. The links named here join organizations only:
the organizations at their far ends go unlabelled."""

PLAN = f"""
MATCH (focal:{Label.ORGANIZATION} {{id: $org_id}})
RETURN
  COLLECT {{
    MATCH (focal)-[:{Rel.PARTY}]->(r)<-[:{Rel.PARTY}]-(p)
    WHERE r.ended_on IS NULL OR r.ended_on > $today
    WITH p, COLLECT {{
        MATCH (r)-[:{Rel.ASSESSED}]->(a) WHERE a.assessed_at <= $until
        RETURN [a.state, a.assessed_at] ORDER BY a.assessed_at DESC, a.seq DESC LIMIT 1
    }}[0] AS latest
    WHERE latest IS NOT NULL
    RETURN [p.id, p.name, p.sector] + latest
  }} AS partners,
  COLLECT {{
    MATCH (focal)<-[:{Rel.WITH_ORG}]-(e:{Label.ENGAGEMENT})-[:{Rel.WITH_ORG}]->(p)
    WHERE p <> focal AND (e.status = 'planned' OR e.status = 'held' AND e.date <= $today)
    RETURN [p.id, e.id, e.kind, e.title, e.date, e.status] ORDER BY e.date, e.id
  }} AS activities,
  COLLECT {{
    MATCH (focal)<-[:{Rel.WITH_ORG}]-(e:{Label.ENGAGEMENT})-[:{Rel.WITH_CONTACT}]->(c)
          -[:{Rel.WORKS_AT}]->(o)
    WHERE e.status = 'planned'
    RETURN [e.id, c.id, o.id, c.name, c.role] ORDER BY c.id
  }} AS people
"""
"""What the engagement plan of ``$org_id`` on ``$today`` rests on, in one row, each part as
:func:`bench.floors.engagement_plan` takes it: each partner in a relationship that has not
ended, with its name, sector, and the state and time of its latest assessment by ``$until``
(the later recorded on a tie); its engagements with each organization, held by ``$today`` or
planned, by date; the contacts of the planned ones. As in :data:`HEALTH`, the nodes at the
far end of a link that joins one label only go unlabelled."""

WHOLE_GAPS = f"""
RETURN
  COLLECT {{
    MATCH (a)-[p:{Rel.REFERRED}]->(b)
    WITH a, b, p.counts AS counts
    RETURN [a.id, b.id, counts[0], counts[{_LOOP_CLOSED}]]
  }} AS pairs,
  COLLECT {{
    MATCH (r:{Label.REFERRAL}) WHERE r.sent_at >= $before AND r.loop_closed_at IS NULL
    WITH r.from_org AS from_org, r.to_org AS to_org, count(r) AS open
    RETURN [from_org, to_org, open]
  }} AS recent,
  COLLECT {{
    MATCH (r:{Label.REFERRAL}) WHERE r.feedback_days IS NOT NULL
    RETURN percentileCont(r.feedback_days, 0.5) AS median
  }}[0] AS median
"""
"""What the feedback-gap report of the whole network rests on, in one row, as
:func:`bench.floors.gap_report` takes it: the counters of every ordered pair (sent, loops
closed), from the scan of ``REFERRED`` links (they join organizations only); per pair its
open loops sent at or after ``$before``, not yet overdue, through the index of when
referrals were sent; the median days to feedback of every closed loop, through the index of
days."""


def warmest_paths(driver: Driver, database: str, from_org: str, to_org: str, k: int) -> list[Any]:
    """The floor of ``GET /api/v1/paths?max_hops=4``: the rows of :data:`WARMEST_PATH` for
    one route, else of :data:`WARMEST_PATHS`."""
    query, params = statement("paths", from_org, to_org, k)
    return _rows(driver, database, query, **params)


def ecomap(driver: Driver, database: str, org_id: str) -> list[Any]:
    """The floor of ``GET /api/v1/organizations/{org_id}/ecomap``: the rows of :data:`ECOMAP`."""
    query, params = statement("ecomap", org_id)
    return _rows(driver, database, query, **params)


def partnership_levels(driver: Driver, database: str, org_id: str) -> list[Any]:
    """The floor of ``GET /api/v1/organizations/{org_id}/partnership-levels``: the rows of
    :data:`LEVELS`."""
    query, params = statement("levels", org_id)
    return _rows(driver, database, query, **params)


def missing_partners(
    driver: Driver, database: str, org_id: str, profile: str = PROFILE
) -> list[Any]:
    """The floor of ``GET /api/v1/organizations/{org_id}/missing-partners?profile=`` with the
    benchmark's profile: the rows of :data:`MISSING_PARTNERS`."""
    query, params = statement("missing_partners", org_id, profile)
    return _rows(driver, database, query, **params)


def organization_gaps(driver: Driver, database: str, org_id: str) -> list[Any]:
    """The floor of ``GET /api/v1/feedback-gaps?org_id=``: the rows of
    :data:`ORGANIZATION_GAPS`."""
    query, params = statement("gaps", org_id)
    return _rows(driver, database, query, **params)


def relationship_health(
    driver: Driver, database: str, org_id: str, day: date | None = None
) -> bytes:
    """The floor of ``GET /api/v1/organizations/{org_id}/relationship-health`` as of the end of
    ``day`` (today when None; after the last assessment, as :meth:`bench.floors.Floor.health`
    says): the row of :data:`HEALTH`, turned into the answer by
    :func:`bench.floors.health_report`."""
    day = day or datetime.now(UTC).date()
    [(assessed, referred, window, held, evidence)] = _rows(
        driver, database, HEALTH, **_day_params(org_id, day)
    )
    return health_report(
        org_id,
        day,
        assessed=assessed,
        referred=referred,
        window=window,
        held=held,
        evidence=evidence,
    )


def engagement_plan(driver: Driver, database: str, org_id: str) -> bytes:
    """The floor of ``GET /api/v1/organizations/{org_id}/engagement-plan``: the row of
    :data:`PLAN`, turned into the answer by :func:`bench.floors.engagement_plan`."""
    day = datetime.now(UTC).date()
    [(partners, activities, people)] = _rows(driver, database, PLAN, **_day_params(org_id, day))
    return plan_answer(org_id, day, partners=partners, activities=activities, people=people)


def whole_gaps(driver: Driver, database: str) -> bytes:
    """The floor of ``GET /api/v1/feedback-gaps``: the row of :data:`WHOLE_GAPS`, turned into
    the answer by :func:`bench.floors.gap_report`."""
    [(pairs, recent, median)] = _rows(driver, database, WHOLE_GAPS, **_whole_gaps_params())
    return gap_report(pairs, recent, median, overdue_after_days=DEFAULT_OVERDUE_AFTER_DAYS)


def _paths_params(from_org: str, to_org: str, k: int = 10) -> dict[str, Any]:
    return {"from_org": from_org, "to_org": to_org, "k": k, "costs": STATE_COST}


def _ecomap_params(org_id: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"org_id": org_id, "today": now.date().isoformat(), "until": to_text(now)}


def _missing_params(org_id: str, profile: str = PROFILE) -> dict[str, Any]:
    warmth = {state.value: value for state, value in WARMTH.items()}
    return {"org_id": org_id, "profile": profile, "limit": DEFAULT_CANDIDATES, "warmth": warmth}


def _gaps_params(org_id: str) -> dict[str, Any]:
    before = datetime.now(UTC) - timedelta(days=DEFAULT_OVERDUE_AFTER_DAYS)
    return {"org_id": org_id, "before": to_text(before), "limit": DEFAULT_PAGE_SIZE}


def _day_params(org_id: str, day: date) -> dict[str, Any]:
    """The parameters of a question about ``org_id`` on ``day``: ``$today``; ``$until``, its
    last instant; ``$since``, the last instant before the health window."""
    return {
        "org_id": org_id,
        "today": day.isoformat(),
        "until": to_text(end_of_day(day)),
        "since": to_text(end_of_day(day - timedelta(days=HEALTH_WINDOW_DAYS))),
    }


def _whole_gaps_params() -> dict[str, Any]:
    before = datetime.now(UTC) - timedelta(days=DEFAULT_OVERDUE_AFTER_DAYS)
    return {"before": to_text(before)}


def _rows(driver: Driver, database: str, query: str, **params: Any) -> list[Any]:
    """The values of each record of the read ``query``, in one auto-committed read: one
    message out, with no COMMIT to wait for."""
    with driver.session(database=database, default_access_mode=READ_ACCESS) as session:
        return [record.values() for record in session.run(query, params)]


FLOORS: dict[str, tuple[Callable[..., Any], Callable[[Any], Any]]] = {
    "ecomap": (
        ecomap,
        lambda answer: [
            [
                p["organization"]["id"],
                p["state"],
                p["partnership_level"],
                p["referrals_sent"],
                p["referrals_received"],
                p["open_loops"],
            ]
            for p in answer["partners"]
        ],
    ),
    "levels": (
        partnership_levels,
        lambda answer: [
            [p["partner_id"], p["level"], [_evidence_row(e) for e in p["evidence"]]]
            for p in answer["partners"]
        ],
    ),
    "missing_partners": (
        missing_partners,
        lambda answer: sorted(
            [entry["sector"], status, [c["organization"]["id"] for c in entry["candidates"]]]
            for status in ("missing", "weak", "fragile")
            for entry in answer[f"{status}_sectors"]
        ),
    ),
    "gaps": (
        organization_gaps,
        lambda answer: [
            [
                p["from_org"],
                p["to_org"],
                p["sent"],
                p["closed"],
                p["closure_rate"],
                p["median_days_to_feedback"],
                p["overdue"],
            ]
            for p in answer["pairs"]
        ],
    ),
    "health": (relationship_health, lambda answer: answer),
    "plan": (engagement_plan, lambda answer: answer),
    "whole_gaps": (whole_gaps, gap_report_fields),
}
"""Per method of :class:`bench.floors.Floor` that has a hand-written floor on Neo4j: the
floor, called as ``floor(driver, database, org_id)`` (``floor(driver, database)`` for the
whole gap report), and how the service's JSON answer reads as what the floor gives: its rows
(the missing partners' sectors sorted, as the floor gives them in profile order), or for
relationship health, the engagement plan and the whole gap report its JSON answer. Health
and plan are compared whole, as if no survey round ran (the benchmark's network has none);
the whole report in the fields :func:`bench.floors.gap_report_fields` names."""


def _evidence_row(evidence: dict[str, Any]) -> list[Any]:
    """A piece of evidence of the service's levels as the floor's row: ``[level, id, start, end,
    sent, received]``, the referrals sent and received read from its summary.

    >>> _evidence_row({"level": 1, "id": None, "start": "2018-01-05", "end": "2018-01-05",
    ...     "summary": "3 referrals between a and b (2 sent, 1 received), on 2018-01-05"})
    [1, None, '2018-01-05', '2018-01-05', 2, 1]
    """
    tally = re.search(r"\((\d+) sent, (\d+) received\)", evidence["summary"])
    counts: list[int | None] = (
        [int(n) for n in tally.groups()] if evidence["id"] is None and tally else [None, None]
    )
    return [evidence["level"], evidence["id"], evidence["start"], evidence["end"], *counts]


def differs(method: str, floor_answer: list[Any] | bytes, answer: Any) -> bool:
    """Whether the floor of ``method`` answered otherwise than the service's JSON ``answer``:
    ``floor_answer`` is the floor's rows, or its JSON answer.

    >>> differs("gaps", [["a", "b", 2, 1, 0.5, 3.0, 0]], {"pairs": [{"from_org": "a",
    ...     "to_org": "b", "sent": 2, "closed": 1, "closure_rate": 0.5,
    ...     "median_days_to_feedback": 3.0, "overdue": 0}]})
    False
    >>> differs("plan", b'{"org_id": "a", "overdue": 1}', {"org_id": "a", "overdue": 0})
    True
    """
    found = json.loads(floor_answer) if isinstance(floor_answer, bytes) else floor_answer
    if method == "missing_partners":
        found = sorted(found)
    return bool(found != FLOORS[method][1](answer))


_STATEMENTS: dict[str, Callable[..., tuple[str, dict[str, Any]]]] = {
    "paths": lambda from_org, to_org, k=10: (
        WARMEST_PATH if k == 1 else WARMEST_PATHS,
        _paths_params(from_org, to_org, k),
    ),
    "ecomap": lambda org_id: (ECOMAP, _ecomap_params(org_id)),
    "levels": lambda org_id: (LEVELS, _ecomap_params(org_id)),
    "missing_partners": lambda org_id, profile=PROFILE: (
        MISSING_PARTNERS,
        _missing_params(org_id, profile),
    ),
    "gaps": lambda org_id: (ORGANIZATION_GAPS, _gaps_params(org_id)),
    "health": lambda org_id, day=None: (
        HEALTH,
        _day_params(org_id, day or datetime.now(UTC).date()),
    ),
    "plan": lambda org_id: (PLAN, _day_params(org_id, datetime.now(UTC).date())),
    "whole_gaps": lambda: (WHOLE_GAPS, _whole_gaps_params()),
}


def statement(question: str, *asked: Any) -> tuple[str, dict[str, Any]]:
    """The hand-written Cypher of ``question`` (a key of :data:`FLOORS`, or ``paths``) and its
    parameters, for what is ``asked``: the organization (and for missing partners the
    profile, for relationship health the day), for paths the two ends and how many routes,
    for the whole report nothing.

    >>> query, params = statement("paths", "a", "b", 1)
    >>> query == WARMEST_PATH, params["k"]
    (True, 1)
    >>> statement("ecomap", "lane-hub")[1]["org_id"]
    'lane-hub'
    """
    return _STATEMENTS[question](*asked)


def profile(driver: Driver, database: str, query: str, **params: Any) -> str:
    """The ``PROFILE`` of ``query``: each operator, its rows and its database hits."""

    def work(tx: ManagedTransaction) -> str:
        result = tx.run(f"PROFILE {query}", params)
        result.fetch(sys.maxsize)  # the profile comes once every record is read
        return _plan(result.consume().profile or {}, 0)

    with driver.session(database=database) as session:
        return session.execute_read(work)


def _plan(operator: dict[str, Any], depth: int) -> str:
    """A profiled plan as an indented list of operators with rows and database hits."""
    line = (
        f"{'  ' * depth}{operator.get('operatorType', '?')}: rows {operator.get('rows', 0)}, "
        f"db hits {operator.get('dbHits', 0)}"
    )
    return "\n".join([line, *(_plan(child, depth + 1) for child in operator.get("children", []))])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench.neo4j_floor",
        description="Print the PROFILE (each operator, its rows and its database hits) of the "
        "hand-written Cypher floor of QUESTION, run on the Neo4j that the "
        "STAKEHOLDER_GRAPH_NEO4J_* settings name.",
    )
    questions = parser.add_subparsers(dest="question", required=True, metavar="QUESTION")
    paths = questions.add_parser("paths", help="the warmest routes of up to four hops")
    paths.add_argument("from_org", help="where the routes start")
    paths.add_argument("to_org", help="the organization to reach")
    paths.add_argument("-k", type=int, default=10, help="how many routes (default 10)")
    for name, what in (
        ("ecomap", "an organization's eco-map"),
        ("levels", "an organization's partnership levels"),
        ("missing-partners", "an organization's missing partners"),
        ("gaps", "an organization's feedback gaps"),
        ("health", "an organization's relationship health"),
        ("plan", "an organization's engagement plan"),
    ):
        asked = questions.add_parser(name, help=what)
        asked.add_argument("org_id", help="the organization asked about")
        if name == "missing-partners":
            asked.add_argument("--profile", default=PROFILE, help=f"(default {PROFILE})")
        if name == "health":
            asked.add_argument(
                "--day",
                type=date.fromisoformat,
                help="the day health is asked as of, YYYY-MM-DD (default today)",
            )
    questions.add_parser("whole-gaps", help="the feedback-gap report of the whole network")
    args = parser.parse_args(argv)
    given = vars(args)  # what the question's parser took, in the order statement() takes it
    names = ("from_org", "to_org", "k", "org_id", "profile", "day")
    values = [given[name] for name in names if name in given]
    query, params = statement(args.question.replace("-", "_"), *values)
    settings = Settings()
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with GraphDatabase.driver(
        settings.neo4j_uri, auth=auth, notifications_min_severity="OFF"
    ) as driver:
        print(profile(driver, settings.neo4j_database, query, **params))
    return 0


if __name__ == "__main__":
    sys.exit(main())
