"""The fair floor of each figure of ``make bench`` on the embedded store: the best simple way a
competent engineer would answer the same question from the same data, in this process.

Like the service, the floor loads the partner graph into networkx once (timed, as the floor of
the cold start); every answer then reads the adjacency in memory and, through their indexes, the
rows of the SQLite file it needs: the per-pair referral counters (``referral_pairs``), the
evidence, the engagements. It computes the same kind of answer for the current day and writes
it as JSON with :func:`~service.web.responses.answer_json`, as the service does. No HTTP,
no validation, no access control and no audit: what is left is the work the question takes.

Each method names its way in :data:`FLOOR_HOW`.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import networkx as nx

from graph_models import RelationshipState
from graph_models.evidence import AgreementKind, PartnershipLevel
from service.store.embedded import DATABASE_FILE
from service.store.shared.values import to_text
from service.web.responses import answer_json

PROFILE = "oregon-infant-toddler"
"""The profile the benchmark asks missing partners for."""
STATE_COST = {"green": 1, "yellow": 2, "no_dot": 3, "red": 5}
ACTION = {"green": "keep", "yellow": "improve", "red": "heal", "no_dot": "develop"}
EVIDENCE_LEVEL = {"joint_case_plan": 2, "joint_program": 3, "agreement": 4}
"""The partnership level of each kind of evidence; a collaborative is 5 (local) or 6 (state),
referrals are 1."""
HEALTH_WINDOW_DAYS = 90
CANDIDATES = 5
"""Candidates ranked per missing sector."""
PAGE = 50
"""Pairs and organizations on one page of a gap report (the route's default)."""

FLOOR_HOW = {
    "ecomap": "adjacency + pair counters + evidence, in-process",
    "levels": "pair counters + evidence, in-process",
    "health": "adjacency + pair counters + window referrals + engagements + evidence, in-process",
    "plan": "adjacency + engagements with the contacts of the planned ones, in-process",
    "missing_partners": "networkx common neighbours, counted over the partners' adjacency",
    "gaps": "pair counters + the pairs' closed-loop days, in-process",
    "whole_gaps": "one pass over the pair counters + the open-loop index, in-process",
    "shortest_path": "networkx bidirectional Dijkstra",
    "paths": "bounded bidirectional search: half-routes of up to two hops met in the middle",
}


class Floor:
    """The floors of every per-organization answer, of paths and of the gap report, read
    from the data directory ``data_dir`` of the embedded store."""

    def __init__(self, data_dir: Path, profile: str) -> None:
        started = time.perf_counter()
        self.db = sqlite3.connect(data_dir / DATABASE_FILE)
        self.graph = nx.Graph()
        for org_id, name, sector, region, internal in self.db.execute(
            "SELECT id, name, sector, region, internal FROM organizations"
        ):
            self.graph.add_node(
                org_id, name=name, sector=sector, region=region, internal=bool(internal)
            )
        for rel_id, org_a, org_b, state, at in self.db.execute(
            "SELECT r.id, r.org_a, r.org_b, a.state, a.assessed_at FROM relationships r "
            "JOIN assessments a ON a.rel_id = r.id ORDER BY a.assessed_at, a.seq"
        ):
            edge = self.graph.get_edge_data(org_a, org_b)
            if edge is None:
                self.graph.add_edge(
                    org_a,
                    org_b,
                    id=rel_id,
                    state=state,
                    since=at,
                    first=at,
                    latest=at,
                    cost=STATE_COST[state],
                )
            else:
                edge["latest"] = at
                if edge["state"] != state:
                    edge.update(state=state, since=at, cost=STATE_COST[state])
        self.load_seconds = time.perf_counter() - started
        self.profile: list[str] = json.loads(
            self.db.execute("SELECT sectors FROM profiles WHERE name = ?", (profile,)).fetchone()[0]
        )
        self.by_sector: dict[str, list[str]] = defaultdict(list)
        for org_id, sector in self.graph.nodes(data="sector"):
            self.by_sector[sector].append(org_id)

    # -- reads ------------------------------------------------------------------------------

    def _flows(self, org_id: str) -> tuple[dict[str, tuple[Any, ...]], dict[str, tuple[Any, ...]]]:
        """Per partner, the counters of the pairs ``org_id`` sends on and receives from."""
        sql = (
            "SELECT {partner}, sent, loop_closed, first_sent_at, last_sent_at "
            "FROM referral_pairs WHERE {end} = ?"
        )
        sent = {
            row[0]: row[1:]
            for row in self.db.execute(sql.format(partner="to_org", end="from_org"), (org_id,))
        }
        received = {
            row[0]: row[1:]
            for row in self.db.execute(sql.format(partner="from_org", end="to_org"), (org_id,))
        }
        return sent, received

    def _evidence(self, org_id: str) -> list[tuple[str, int, str, str | None]]:
        """The evidence naming ``org_id`` and a partner: partner, level, start, end."""
        return [
            (partner, EVIDENCE_LEVEL.get(kind) or (6 if subkind == "state" else 5), start, end)
            for partner, kind, subkind, start, end in self.db.execute(
                "SELECT other.org_id, e.kind, e.subkind, e.start_date, e.end_date "
                "FROM evidence_orgs mine JOIN evidence_orgs other "
                "ON other.kind = mine.kind AND other.evidence_id = mine.evidence_id "
                "JOIN evidence e ON e.kind = mine.kind AND e.id = mine.evidence_id "
                "WHERE mine.org_id = ?1 AND other.org_id <> ?1",
                (org_id,),
            )
        ]

    def _levels(self, org_id: str, flows: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, int]:
        """Each partner's level: the highest of its evidence in force today, 1 for referrals."""
        today = date.today().isoformat()
        levels = dict.fromkeys(flows[0].keys() | flows[1].keys(), 1)
        for partner, level, _, end in self._evidence(org_id):
            if end is None or end >= today:
                levels[partner] = max(level, levels.get(partner, 0))
        return levels

    def _ended(self, org_id: str, day: date) -> set[str]:
        """The partners whose relationship with ``org_id`` had ended by ``day``."""
        return {
            other
            for (other,) in self.db.execute(
                "SELECT org_b FROM relationships WHERE org_a = ?1 AND ended_on <= ?2 UNION ALL "
                "SELECT org_a FROM relationships WHERE org_b = ?1 AND ended_on <= ?2",
                (org_id, day.isoformat()),
            )
        }

    def _organization(self, org_id: str) -> dict[str, Any]:
        node = self.graph.nodes[org_id]
        return {"id": org_id, **node}

    # -- answers ----------------------------------------------------------------------------

    def ecomap(self, org_id: str) -> bytes:
        """Each partner with the state, level and referral counts of the relationship."""
        sent, received = flows = self._flows(org_id)
        levels = self._levels(org_id, flows)
        partners = []
        for other, edge in self.graph.adj[org_id].items():
            out, back = sent.get(other, (0, 0)), received.get(other, (0, 0))
            partners.append(
                {
                    "organization": self._organization(other),
                    "relationship_id": edge["id"],
                    "state": edge["state"],
                    "action": ACTION[edge["state"]],
                    "state_since": edge["since"],
                    "first_assessed_at": edge["first"],
                    "partnership_level": levels.get(other),
                    "referrals_sent": out[0],
                    "referrals_received": back[0],
                    "open_loops": out[0] - out[1] + back[0] - back[1],
                }
            )
        partners.sort(key=lambda p: (p["organization"]["name"], p["organization"]["id"]))
        return answer_json({"focal": self._organization(org_id), "partners": partners})

    def levels(self, org_id: str) -> bytes:
        """Each partner's level with the evidence in force today behind it, as the service
        answers an admin: each piece with its level, kind, id, summary, members and dates,
        referrals summed up per partner from the pair counters."""
        day = datetime.now(UTC).date().isoformat()
        sent, received = self._flows(org_id)
        partners: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for partner in (sent.keys() | received.keys()) - {org_id}:
            out, back = sent.get(partner, (0,)), received.get(partner, (0,))
            first = min(row[2] for row in (out, back) if len(row) > 1)[:10]
            last = max(row[3] for row in (out, back) if len(row) > 1)[:10]
            total = out[0] + back[0]
            partners[partner].append(
                {
                    "level": 1,
                    "kind": "referrals",
                    "id": None,
                    "summary": f"{total} referral{'s' if total != 1 else ''} between {org_id} "
                    f"and {partner} ({out[0]} sent, {back[0]} received), "
                    + (f"on {first}" if first == last else f"from {first} to {last}"),
                    "org_ids": [org_id, partner],
                    "start": first,
                    "end": last,
                    "case_ref": None,
                }
            )
        for (
            kind,
            evidence_id,
            subkind,
            name,
            case_ref,
            governance,
            start,
            end,
            members,
        ) in self.db.execute(
            "SELECT e.kind, e.id, e.subkind, e.name, e.case_ref, e.governance, e.start_date, "
            "e.end_date, (SELECT json_group_array(org_id) FROM evidence_orgs "
            "WHERE kind = e.kind AND evidence_id = e.id) "
            "FROM evidence_orgs mine JOIN evidence e ON e.kind = mine.kind "
            "AND e.id = mine.evidence_id WHERE mine.org_id = ?1 AND e.start_date <= ?2 "
            "AND (e.end_date IS NULL OR e.end_date >= ?2)",
            (org_id, day),
        ):
            period = f"since {start}" if end is None else f"from {start} to {end}"
            if kind == "joint_case_plan":
                level, summary = 2, f"joint case plan made on {start}"
            elif kind == "joint_program":
                level, summary = 3, f"joint program '{name}', {period}"
            elif kind == "agreement":
                what = AgreementKind(subkind).label
                titled = what if name.lower() == what else f"{what} '{name}'"
                level, summary = 4, f"{titled}, {period}"
            else:
                what = "state-level" if subkind == "state" else "local"
                governed = f" governed by {governance}" if governance else ""
                level = 6 if subkind == "state" else 5
                summary = f"members of the {what} collaborative '{name}'{governed}, {period}"
            members = sorted(json.loads(members))
            for partner in members:
                if partner != org_id:
                    partners[partner].append(
                        {
                            "level": level,
                            "kind": kind,
                            "id": evidence_id,
                            "summary": summary,
                            "org_ids": members,
                            "start": start,
                            "end": end,
                            "case_ref": case_ref,
                        }
                    )
        answer: list[dict[str, Any]] = []
        for partner, items in partners.items():
            items.sort(key=lambda item: (-item["level"], item["start"], item["id"] or ""))
            top = PartnershipLevel(items[0]["level"])
            answer.append(
                {"partner_id": partner, "level": top, "label": top.label, "evidence": items}
            )
        answer.sort(key=lambda partner: (-partner["level"], partner["partner_id"]))
        return answer_json({"org_id": org_id, "as_of": day, "partners": answer})

    def health(self, org_id: str, day: date | None = None) -> bytes:
        """Each partner's assessed state beside the state its signals suggest, why, and the
        flag where they disagree (:func:`health_report`), as of the end of ``day`` (today when
        None): the assessed states from the adjacency, less the relationships that have ended;
        the pair counters both ways; the window's referrals of the pairs with a referral in it;
        the last held touchpoints; the evidence. The states are the latest, so ``day`` comes
        after the last assessment (the benchmark asks of the day its network ends)."""
        day = day or datetime.now(UTC).date()
        until, since = _end_of(day), _end_of(day - timedelta(days=HEALTH_WINDOW_DAYS))
        ended = self._ended(org_id, day)
        sent, received = self._flows(org_id)
        referred, window = [], []
        for way, flows in enumerate((sent, received)):
            for partner, (_, _, first_at, last_at) in flows.items():
                if partner == org_id:
                    continue
                referred.append((partner, first_at, last_at))
                if last_at > since:
                    pair = (org_id, partner) if way == 0 else (partner, org_id)
                    count, still_open = self.db.execute(
                        "SELECT count(*), count(*) - count(CASE WHEN loop_closed_at <= ?3 "
                        "THEN 1 END) FROM referrals WHERE from_org = ?1 AND to_org = ?2 "
                        "AND sent_at > ?4 AND sent_at <= ?3",
                        (*pair, until, since),
                    ).fetchone()
                    window.append((partner, way, count, still_open))
        held = self.db.execute(
            "SELECT other.org_id, max(e.date) FROM engagement_orgs mine "
            "JOIN engagements e ON e.id = mine.engagement_id "
            "JOIN engagement_orgs other ON other.engagement_id = mine.engagement_id "
            "WHERE mine.org_id = ?1 AND other.org_id <> ?1 AND e.status = 'held' "
            "AND e.date <= ?2 GROUP BY other.org_id",
            (org_id, day.isoformat()),
        ).fetchall()
        return health_report(
            org_id,
            day,
            assessed=[
                (other, edge["state"])
                for other, edge in self.graph.adj[org_id].items()
                if other not in ended
            ],
            referred=referred,
            window=window,
            held=held,
            evidence=self._evidence(org_id),
        )

    def plan(self, org_id: str) -> bytes:
        """Partners grouped by the action of their state, each with its last touchpoint and
        its planned activities with who takes part (:func:`engagement_plan`): the states from
        the adjacency, less the relationships that have ended; the engagements of ``org_id``
        with each partner; the contacts of the planned ones."""
        day = datetime.now(UTC).date()
        ended = self._ended(org_id, day)
        nodes = self.graph.nodes
        activities = self.db.execute(
            "SELECT other.org_id, e.id, e.kind, e.title, e.date, e.status "
            "FROM engagement_orgs mine JOIN engagements e ON e.id = mine.engagement_id "
            "JOIN engagement_orgs other ON other.engagement_id = mine.engagement_id "
            "WHERE mine.org_id = ?1 AND other.org_id <> ?1 "
            "AND (e.status = 'planned' OR e.status = 'held' AND e.date <= ?2) "
            "ORDER BY e.date, e.id",
            (org_id, day.isoformat()),
        ).fetchall()
        people = self.db.execute(
            "SELECT e.id, c.id, c.org_id, c.name, c.role FROM engagement_orgs mine "
            "JOIN engagements e ON e.id = mine.engagement_id "
            "JOIN engagement_contacts taking_part ON taking_part.engagement_id = e.id "
            "JOIN contacts c ON c.id = taking_part.contact_id "
            "WHERE mine.org_id = ? AND e.status = 'planned' ORDER BY c.id",
            (org_id,),
        ).fetchall()
        return engagement_plan(
            org_id,
            day,
            partners=[
                (other, nodes[other]["name"], nodes[other]["sector"], edge["state"], edge["latest"])
                for other, edge in self.graph.adj[org_id].items()
                if other not in ended
            ],
            activities=activities,
            people=people,
        )

    def missing_partners(self, org_id: str) -> bytes:
        """For each sector of the profile with no partner, the organizations of that sector
        sharing the most partners with ``org_id`` (then by id)."""
        adjacency, nodes = self.graph.adj, self.graph.nodes
        have = {nodes[other]["sector"] for other in adjacency[org_id]}
        missing = [sector for sector in dict.fromkeys(self.profile) if sector not in have]
        wanted = set(missing)
        shared: dict[str, Counter[str]] = {sector: Counter() for sector in missing}
        if wanted:
            for partner in adjacency[org_id]:
                for other in adjacency[partner]:
                    sector = nodes[other]["sector"]
                    if sector in wanted and other != org_id:
                        shared[sector][other] += 1
        gaps = []
        for sector in missing:
            ranked = heapq.nsmallest(
                CANDIDATES, shared[sector].items(), key=lambda item: (-item[1], item[0])
            )
            if len(ranked) < CANDIDATES:  # too few share a partner: the rest of the sector
                known = {candidate for candidate, _ in ranked}
                rest = (other for other in self.by_sector[sector] if other not in known)
                ranked += [(other, 0) for other in islice(rest, CANDIDATES - len(ranked))]
            gaps.append(
                {
                    "sector": sector,
                    "candidates": [
                        {"organization": self._organization(other), "shared_partners": count}
                        for other, count in ranked
                    ],
                }
            )
        return answer_json({"org_id": org_id, "missing_sectors": gaps})

    def shortest_path(self, source: str, target: str) -> bytes:
        """The warmest route, by bidirectional Dijkstra over the costs of the states."""
        cost, route = nx.bidirectional_dijkstra(self.graph, source, target, weight="cost")
        return answer_json({"paths": [{"org_ids": route, "cost": cost}]})

    def paths(self, source: str, target: str, *, k: int, max_hops: int = 4) -> bytes:
        """The ``k`` warmest simple routes of up to ``max_hops``: half-routes of up to
        ``max_hops // 2`` hops from each end, met at a common organization."""
        from_source = _half_routes(self.graph, source, max_hops - max_hops // 2)
        from_target = _half_routes(self.graph, target, max_hops // 2)
        found = []
        for middle, heads in from_source.items():
            for tail_cost, tail in from_target.get(middle, ()):
                for head_cost, head in heads:
                    # Each route once: its head is as long as its tail or one hop longer.
                    if len(head) - len(tail) in (0, 1) and not set(head[:-1]) & set(tail):
                        route = (*head, *reversed(tail[:-1]))
                        found.append((head_cost + tail_cost, len(route), route))
        best = heapq.nsmallest(k, found)
        return answer_json({"paths": [{"org_ids": route, "cost": cost} for cost, _, route in best]})

    def gaps(self, org_id: str, *, overdue_after_days: int = 30) -> bytes:
        """The pairs ``org_id`` is an end of, most overdue first, with their closure rate and
        median days to feedback."""
        cutoff = (datetime.now(UTC) - timedelta(days=overdue_after_days)).isoformat()
        days: dict[tuple[str, str], list[float]] = defaultdict(list)
        overdue: Counter[tuple[str, str]] = Counter()
        rows = self.db.execute(
            "SELECT from_org, to_org, feedback_days, sent_at FROM referrals WHERE from_org = ?1 "
            "UNION ALL SELECT r.from_org, r.to_org, r.feedback_days, r.sent_at "
            "FROM referral_pairs p JOIN referrals r ON r.from_org = p.from_org "
            "AND r.to_org = p.to_org WHERE p.to_org = ?1 AND p.from_org <> ?1",
            (org_id,),
        )
        for from_org, to_org, feedback_days, sent_at in rows:
            if feedback_days is not None:
                days[from_org, to_org].append(feedback_days)
            elif sent_at < cutoff:
                overdue[from_org, to_org] += 1
        pairs = self.db.execute(
            "SELECT from_org, to_org, sent, loop_closed FROM referral_pairs WHERE from_org = ?1 "
            "UNION ALL SELECT from_org, to_org, sent, loop_closed FROM referral_pairs "
            "WHERE to_org = ?1 AND from_org <> ?1",
            (org_id,),
        ).fetchall()
        return answer_json(_gap_page(pairs, overdue, days, overdue_after_days))

    def whole_gaps(self, *, overdue_after_days: int = 30) -> bytes:
        """The gap report of the whole network (:func:`gap_report`): the pair counters in one
        pass; the open loops not yet overdue from the index of open ones; the median days to
        feedback from the index of closed ones, its count and its middle one or two."""
        cutoff = to_text(datetime.now(UTC) - timedelta(days=overdue_after_days))
        recent = self.db.execute(
            "SELECT from_org, to_org, count(*) FROM referrals "
            "WHERE feedback_days IS NULL AND sent_at >= ? GROUP BY from_org, to_org",
            (cutoff,),
        ).fetchall()
        pairs = self.db.execute(
            "SELECT from_org, to_org, sent, loop_closed FROM referral_pairs"
        ).fetchall()
        (closed_count,) = self.db.execute(
            "SELECT count(*) FROM referrals WHERE feedback_days IS NOT NULL"
        ).fetchone()
        middle = [
            row[0]
            for row in self.db.execute(
                "SELECT feedback_days FROM referrals WHERE feedback_days IS NOT NULL "
                "ORDER BY feedback_days LIMIT ? OFFSET ?",
                (2 - closed_count % 2, (closed_count - 1) // 2),
            )
        ]
        median = sum(middle) / len(middle) if middle else None
        return gap_report(pairs, recent, median, overdue_after_days=overdue_after_days)


def _end_of(day: date) -> str:
    """The last instant of ``day`` as the store writes timestamps."""
    return f"{day.isoformat()}T23:59:59.999999Z"


def _levels_on(
    day: date, evidence: list[tuple[str, int, str, str | None]], referred: set[str]
) -> dict[str, int]:
    """Each partner's level on ``day``: its highest ``evidence`` in force (partner, level,
    start, end), 1 if ``referred``.

    >>> _levels_on(date(2018, 6, 1), [("b", 4, "2018-01-01", None), ("c", 3, "2017-01-01",
    ...     "2018-01-01"), ("d", 5, "2019-01-01", None)], {"c"})
    {'c': 1, 'b': 4}
    """
    on = day.isoformat()
    levels = dict.fromkeys(referred, 1)
    for partner, level, start, end in evidence:
        if start <= on and (end is None or on <= end):
            levels[partner] = max(level, levels.get(partner, 0))
    return levels


def health_report(
    org_id: str,
    day: date,
    *,
    assessed: Iterable[tuple[str, str]],
    referred: Iterable[tuple[str, str, str]],
    window: Iterable[tuple[str, int, int, int]],
    held: Iterable[tuple[str, str]],
    evidence: Iterable[tuple[str, int, str, str | None]],
) -> bytes:
    """The relationship health of ``org_id`` on ``day`` as the service answers it, from what a
    floor read of its partners (``org_id`` itself never among them): ``assessed``, the state
    of each relationship that has not ended; ``referred``, when the first and the last
    referral of each pair were sent (partner, first, last, a row per way); ``window``, the
    referrals of the window (partner, way: 0 sent or 1 received, how many, how many without
    feedback); ``held``, the day of the last touchpoint held with each organization;
    ``evidence``, as :func:`_levels_on` takes it. Every partner by relationship, evidence or
    referral (a touchpoint alone makes none), flagged ones first, then by id; the benchmark's
    network has no survey round, so each partner's ``survey`` is null.

    >>> report = json.loads(health_report("a", date(2018, 2, 1), assessed=[("b", "green")],
    ...     referred=[], window=[], held=[("b", "2017-01-10")], evidence=[]))
    >>> [(row["partner_id"], row["suggested"], row["flag"]) for row in report["partners"]]
    [('b', 'red', 'assessed green, but last engagement 387 days ago (2017-01-10)')]
    """
    states = dict(assessed)
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for partner, first_at, last_at in referred:
        first[partner] = min(first_at, first.get(partner, first_at))
        last[partner] = max(last_at[:10], last.get(partner, ""))
    counts: dict[str, list[int]] = {}
    for partner, way, count, still_open in window:
        tally = counts.setdefault(partner, [0, 0, 0, 0])
        tally[way], tally[way + 2] = count, still_open
    for partner, held_on in held:
        last[partner] = max(held_on, last.get(partner, ""))
    evidence = list(evidence)
    levels, before = (
        _levels_on(on, evidence, {p for p, at in first.items() if at <= _end_of(on)})
        for on in (day, day - timedelta(days=365))
    )
    flagged: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for partner in sorted(states.keys() | levels.keys() | first.keys()):
        row = _health_row(
            org_id,
            partner,
            day,
            states.get(partner),
            last.get(partner),
            counts.get(partner, [0, 0, 0, 0]),
            levels.get(partner, 0),
            before.get(partner, 0),
        )
        (others if row["flag"] is None else flagged).append(row)
    return answer_json(
        {
            "org_id": org_id,
            "as_of": day,
            "window_days": HEALTH_WINDOW_DAYS,
            "partners": flagged + others,
            "survey_round": None,
        }
    )


SEVERITY = {"green": 0, "yellow": 1, "red": 2, None: -1}
"""How grave the state a finding points to is; a finding of no state points nowhere."""


def _health_row(
    focal: str,
    partner: str,
    day: date,
    assessed: str | None,
    last: str | None,
    counts: list[int],
    level: int,
    before: int,
) -> dict[str, Any]:
    """One partner's health: its signals, the findings they make, graver first, the state
    the gravest suggests and, where that disagrees with ``assessed``, the findings why."""
    days = (day - date.fromisoformat(last)).days if last else None
    sent, received, sent_open, received_open = counts
    total, missing, window = sent + received, sent_open + received_open, HEALTH_WINDOW_DAYS
    findings: list[tuple[str, str | None]] = []
    if last is None and not level:
        findings.append(("no touchpoint, referral or partnership evidence on record", "no_dot"))
    elif days is None:
        findings.append(("no touchpoint or referral on record", "yellow"))
    else:
        state = "red" if days > 365 else "yellow" if days > 180 else "green"
        findings.append((f"last engagement {days} days ago ({last})", state))
    if findings[0][1] != "no_dot":
        if total:
            share, enough = missing / total, total >= 5
            state = (
                "red" if enough and share > 0.5 else "yellow" if enough and share > 0.2 else "green"
            )
            if missing:
                sentence = f"{missing} of {total} referrals in {window} days have had no feedback"
            else:
                sentence = f"all {total} referrals in {window} days have had feedback"
            findings.append((sentence, state))
        if total >= 5 and sent and received:
            sentence = (
                f"referrals in {window} days went both ways: {sent} sent ({sent_open} without "
                f"feedback), {received} received ({received_open} without feedback)"
            )
            findings.append((sentence, "green"))
        elif total >= 5:
            ends = f"from {focal} to {partner}" if sent else f"from {partner} to {focal}"
            findings.append(
                (f"all {total} referrals in {window} days went one way, {ends}", "yellow")
            )
        if level < before:
            findings.append((f"level fell from {before} to {level} in the past year", "yellow"))
        elif level > before:
            findings.append((f"level rose from {before} to {level} in the past year", "green"))
        elif level:
            findings.append((f"level {level} as a year ago", "green"))
        else:
            findings.append(("no partnership evidence on record", None))
        findings.sort(key=lambda finding: -SEVERITY[finding[1]])
    suggested = findings[0][1] or "green"
    flag = None
    if assessed is not None and assessed != suggested:
        if suggested == "no_dot":
            reasons = findings
        elif assessed == "no_dot":
            wanted = {"green"} if suggested == "green" else {"yellow", "red"}
            reasons = [f for f in findings if f[1] in wanted]
        elif SEVERITY[suggested] > SEVERITY[assessed]:
            reasons = [f for f in findings if SEVERITY[f[1]] > SEVERITY[assessed]]
        else:
            milder = [f for f in findings if f[1] and SEVERITY[f[1]] < SEVERITY[assessed]]
            reasons = [f for f in milder if f[1] == "green"] or milder
        flag = f"assessed {assessed}, but {'; '.join(sentence for sentence, _ in reasons)}"
    return {
        "partner_id": partner,
        "assessed": assessed,
        "suggested": suggested,
        "action": ACTION[suggested],
        "explanation": "; ".join(sentence for sentence, _ in findings),
        "flag": flag,
        "signals": {
            "last_engagement": last,
            "days_since_engagement": days,
            "referrals_sent": sent,
            "referrals_received": received,
            "sent_without_feedback": sent_open,
            "received_without_feedback": received_open,
            "level": level,
            "level_a_year_ago": before,
        },
        "survey": None,
    }


def engagement_plan(
    org_id: str,
    day: date,
    *,
    partners: Iterable[tuple[str, str, str, str, str]],
    activities: Iterable[tuple[str, str, str, str, str, str]],
    people: Iterable[tuple[str, str, str, str, str]],
) -> bytes:
    """The engagement plan of ``org_id`` on ``day`` as the service answers it, from what a
    floor read: ``partners``, each partner in a relationship that has not ended with its
    name, sector, state and when that was assessed; ``activities``, the engagements of
    ``org_id`` held by ``day`` or planned, per partner taking part (partner, id, kind, title,
    date, status), by date then id; ``people``, the contacts taking part in the planned ones
    (engagement id, contact id, organization, name, role), by contact id. Partners grouped by
    state, each group by name; each with its last touchpoint and its planned activities with
    who of the two organizations takes part. The benchmark's network has no survey round, so
    nothing is said of one.

    >>> plan = json.loads(engagement_plan("a", date(2018, 2, 1),
    ...     partners=[("b", "B", "wic", "red", "2018-01-02T00:00:00.000000Z")],
    ...     activities=[("b", "visit", "meeting", "Visit", "2018-01-20", "planned")],
    ...     people=[("visit", "b-lead", "b", "Lee", "Director")]))
    >>> red = plan["groups"][2]
    >>> red["action"], [(p["partner_id"], p["overdue"]) for p in red["partners"]], plan["overdue"]
    ('heal', [('b', True)], 1)
    """
    who: dict[str, list[dict[str, str]]] = defaultdict(list)
    for engagement_id, contact_id, contact_org, name, role in people:
        who[engagement_id].append(
            {"id": contact_id, "org_id": contact_org, "name": name, "role": role}
        )
    today = day.isoformat()
    last: dict[str, dict[str, str]] = {}
    planned: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for partner, engagement_id, kind, title, on, status in activities:
        if status == "held":
            last[partner] = {"id": engagement_id, "title": title, "kind": kind, "date": on}
        else:
            planned[partner].append(
                {
                    "id": engagement_id,
                    "title": title,
                    "format": kind,
                    "date": on,
                    "who": [c for c in who[engagement_id] if c["org_id"] in (partner, org_id)],
                    "overdue": on < today,
                }
            )
    grouped: dict[str, list[dict[str, Any]]] = {state.value: [] for state in RelationshipState}
    for partner, name, sector, state, assessed_at in partners:
        ahead = planned.get(partner, [])
        grouped[state].append(
            {
                "partner_id": partner,
                "name": name,
                "sector": sector,
                "assessed_at": datetime.fromisoformat(assessed_at),
                "last_touchpoint": last.get(partner),
                "planned": ahead,
                "overdue": any(activity["overdue"] for activity in ahead),
                "survey": None,
            }
        )
    overdue = {
        a["id"]
        for members in grouped.values()
        for p in members
        for a in p["planned"]
        if a["overdue"]
    }
    groups = []
    for state, members in grouped.items():
        members.sort(key=lambda p: (p["name"], p["partner_id"]))
        what = RelationshipState(state)
        groups.append(
            {"state": state, "action": what.action, "guidance": what.guidance, "partners": members}
        )
    return answer_json(
        {
            "org_id": org_id,
            "today": day,
            "groups": groups,
            "overdue": len(overdue),
            "survey_round": None,
        }
    )


def _half_routes(
    graph: nx.Graph, start: str, hops: int
) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """Every simple route of up to ``hops`` from ``start``, with its cost, by where it ends."""
    found: dict[str, list[tuple[int, tuple[str, ...]]]] = {start: [(0, (start,))]}
    frontier: list[tuple[int, tuple[str, ...]]] = [(0, (start,))]
    for _ in range(hops):
        grown = []
        for cost, route in frontier:
            for other, edge in graph.adj[route[-1]].items():
                if other not in route:
                    step = (cost + edge["cost"], (*route, other))
                    found.setdefault(other, []).append(step)
                    grown.append(step)
        frontier = grown
    return found


def _gap_page(
    pairs: Iterable[tuple[str, str, int, int]],
    overdue: Counter[tuple[str, str]],
    days: dict[tuple[str, str], list[float]],
    overdue_after_days: int,
) -> dict[str, Any]:
    """The page of pairs most overdue first, with closure rates and median days."""
    answer: list[dict[str, Any]] = []
    for from_org, to_org, sent, closed in pairs:
        closed_days = sorted(days.get((from_org, to_org), ()))
        middle = closed_days[(len(closed_days) - 1) // 2 : len(closed_days) // 2 + 1]
        answer.append(
            {
                "from_org": from_org,
                "to_org": to_org,
                "sent": sent,
                "closed": closed,
                "closure_rate": round(closed / sent, 3) if sent else None,
                "median_days_to_feedback": sum(middle) / len(middle) if middle else None,
                "overdue": overdue[from_org, to_org],
                "closed_late": sum(1 for d in closed_days if d > overdue_after_days),
            }
        )
    answer.sort(key=lambda p: (-p["overdue"], p["closure_rate"] or 0, p["from_org"], p["to_org"]))
    return {"pairs": answer[:PAGE], "total_pairs": len(answer)}


def _ranked(sent: int, closed: int, overdue: int) -> tuple[int, float, int]:
    """Where loops rank in a gap report, as the service ranks them: most overdue first, then
    the lowest closure rate to three decimals (nothing sent last), then the most sent.

    >>> sorted([(4, 4, 0), (2, 1, 1), (3, 0, 1), (0, 0, 0)], key=lambda c: _ranked(*c))
    [(3, 0, 1), (2, 1, 1), (4, 4, 0), (0, 0, 0)]
    """
    return -overdue, round(closed / sent, 3) if sent else 2.0, -sent


def gap_report(
    pairs: Iterable[tuple[str, str, int, int]],
    recent: Iterable[tuple[str, str, int]],
    median: float | None,
    *,
    overdue_after_days: int,
) -> bytes:
    """The feedback-gap report of the whole network from what a floor read: ``pairs``, the
    counters of every ordered pair (from, to, sent, loops closed); ``recent``, per pair its
    open loops not yet overdue (from, to, how many); ``median``, the median days to feedback
    of every closed loop. Per pair and per organization, as sender and as receiver, the
    loops sent, closed and overdue; the first :data:`PAGE` pairs and organizations in the
    service's order (organizations by their loops as receiver), the totals and the median
    to two decimals.

    >>> report = json.loads(gap_report([("a", "b", 4, 4), ("a", "c", 3, 0)], [("a", "c", 1)],
    ...     2.125, overdue_after_days=30))
    >>> report["totals"], report["median_days_to_feedback"], report["pairs"][0]["to_org"]
    ([7, 4, 2], 2.12, 'c')
    >>> [org["org_id"] for org in report["organizations"]]
    ['c', 'b', 'a']
    """
    not_yet = {(from_org, to_org): count for from_org, to_org, count in recent}
    senders: dict[str, list[int]] = {}
    receivers: dict[str, list[int]] = {}
    totals = [0, 0, 0]
    ranked: list[tuple[tuple[int, float, int], str, str, int, int, int]] = []
    for from_org, to_org, sent, closed in pairs:
        overdue = sent - closed - not_yet.get((from_org, to_org), 0)
        for sums in (
            senders.setdefault(from_org, [0, 0, 0]),
            receivers.setdefault(to_org, [0, 0, 0]),
            totals,
        ):
            sums[0] += sent
            sums[1] += closed
            sums[2] += overdue
        ranked.append((_ranked(sent, closed, overdue), from_org, to_org, sent, closed, overdue))
    organizations = senders.keys() | receivers.keys()
    owing = heapq.nsmallest(
        PAGE, organizations, key=lambda org: (_ranked(*receivers.get(org, (0, 0, 0))), org)
    )
    return answer_json(
        {
            "overdue_after_days": overdue_after_days,
            "totals": totals,
            "median_days_to_feedback": None if median is None else round(median, 2),
            "pairs": [
                {"from_org": a, "to_org": b, "sent": sent, "closed": closed, "overdue": overdue}
                for _, a, b, sent, closed, overdue in heapq.nsmallest(PAGE, ranked)
            ],
            "total_pairs": len(ranked),
            "organizations": [
                {
                    "org_id": org,
                    "as_sender": senders.get(org, [0, 0, 0]),
                    "as_receiver": receivers.get(org, [0, 0, 0]),
                }
                for org in owing
            ],
            "total_organizations": len(organizations),
        }
    )


def gap_report_fields(answer: dict[str, Any]) -> dict[str, Any]:
    """The service's JSON gap report of the whole network as :func:`gap_report` writes it: the
    fields a floor answers, left out the funnel and the closure rates, medians and late loops
    of each pair and organization.

    >>> loops = {"sent": 3, "closed": 0, "overdue": 2, "median_days_to_feedback": None}
    >>> gap_report_fields({"overdue_after_days": 30, "totals": loops, "pairs": [{"from_org":
    ...     "a", "to_org": "c", **loops}], "total_pairs": 1, "organizations": [{"org_id": "c",
    ...     "as_sender": loops, "as_receiver": loops}], "total_organizations": 2})["pairs"]
    [{'from_org': 'a', 'to_org': 'c', 'sent': 3, 'closed': 0, 'overdue': 2}]
    """

    def counts(loops: dict[str, Any]) -> list[int]:
        return [loops["sent"], loops["closed"], loops["overdue"]]

    return {
        "overdue_after_days": answer["overdue_after_days"],
        "totals": counts(answer["totals"]),
        "median_days_to_feedback": answer["totals"]["median_days_to_feedback"],
        "pairs": [
            {key: p[key] for key in ("from_org", "to_org", "sent", "closed", "overdue")}
            for p in answer["pairs"]
        ],
        "total_pairs": answer["total_pairs"],
        "organizations": [
            {
                "org_id": o["org_id"],
                "as_sender": counts(o["as_sender"]),
                "as_receiver": counts(o["as_receiver"]),
            }
            for o in answer["organizations"]
        ],
        "total_organizations": answer["total_organizations"],
    }
