"""The fair floor of each figure of ``make bench`` on the embedded store: the best simple way a
competent engineer would answer the same question from the same data, in this process.

Like the service, the floor loads the partner graph into networkx once (timed, as the floor of
the cold start); every answer then reads the adjacency in memory and, through their indexes, the
rows of the SQLite file it needs: the per-pair referral counters (``referral_pairs``), the
evidence, the engagements. It computes the same kind of answer for the current day and writes
it as JSON with :func:`pydantic_core.to_json`, as fast an encoder as the project has. No HTTP,
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
from pydantic_core import to_json

from graph_models.evidence import AgreementKind, PartnershipLevel
from service.store.embedded import DATABASE_FILE

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
    "plan": "adjacency + engagements, in-process",
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
                    org_a, org_b, id=rel_id, state=state, since=at, first=at, cost=STATE_COST[state]
                )
            elif edge["state"] != state:
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

    def _evidence(self, org_id: str) -> dict[str, list[tuple[Any, ...]]]:
        """Per partner, the evidence naming both: kind, id, level, start, end."""
        found: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for partner, kind, evidence_id, subkind, start, end in self.db.execute(
            "SELECT other.org_id, e.kind, e.id, e.subkind, e.start_date, e.end_date "
            "FROM evidence_orgs mine JOIN evidence_orgs other "
            "ON other.kind = mine.kind AND other.evidence_id = mine.evidence_id "
            "JOIN evidence e ON e.kind = mine.kind AND e.id = mine.evidence_id "
            "WHERE mine.org_id = ?1 AND other.org_id <> ?1",
            (org_id,),
        ):
            level = EVIDENCE_LEVEL.get(kind) or (6 if subkind == "state" else 5)
            found[partner].append((kind, evidence_id, level, start, end))
        return found

    def _levels(self, org_id: str, flows: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, int]:
        """Each partner's level: the highest of its evidence in force today, 1 for referrals."""
        today = date.today().isoformat()
        levels = dict.fromkeys(flows[0].keys() | flows[1].keys(), 1)
        for partner, items in self._evidence(org_id).items():
            for _, _, level, _, end in items:
                if end is None or end >= today:
                    levels[partner] = max(level, levels.get(partner, 0))
        return levels

    def _touchpoints(self, org_id: str) -> dict[str, tuple[str | None, str | None]]:
        """Per partner, the last engagement held with it by today and the next one planned."""
        found: dict[str, tuple[str | None, str | None]] = {}
        for partner, held, planned in self.db.execute(
            "SELECT other.org_id, max(CASE WHEN e.status = 'held' AND e.date <= ?2 "
            "THEN e.date END), "
            "min(CASE WHEN e.status = 'planned' THEN e.date END) "
            "FROM engagement_orgs mine JOIN engagements e ON e.id = mine.engagement_id "
            "JOIN engagement_orgs other ON other.engagement_id = mine.engagement_id "
            "WHERE mine.org_id = ?1 AND other.org_id <> ?1 GROUP BY other.org_id",
            (org_id, datetime.now(UTC).date().isoformat()),
        ):
            found[partner] = (held, planned)
        return found

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
        return to_json({"focal": self._organization(org_id), "partners": partners})

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
        return to_json({"org_id": org_id, "as_of": day, "partners": answer})

    def health(self, org_id: str) -> bytes:
        """Each partner's assessed state beside the state its signals suggest, why, and the
        flag where they disagree, as the service answers it: every partner by relationship,
        evidence or referral; the last engagement (held touchpoint or referral); the window's
        referrals each way and those without feedback; the level now and a year ago. The
        benchmark's network has no survey round, so each partner's ``survey`` is null."""
        day = datetime.now(UTC).date()
        until, since = _end_of(day), _end_of(day - timedelta(days=HEALTH_WINDOW_DAYS))
        ended = {
            other
            for (other,) in self.db.execute(
                "SELECT org_b FROM relationships WHERE org_a = ?1 AND ended_on <= ?2 UNION ALL "
                "SELECT org_a FROM relationships WHERE org_b = ?1 AND ended_on <= ?2",
                (org_id, day.isoformat()),
            )
        }
        assessed = {other: edge["state"] for other, edge in self.graph.adj[org_id].items()}
        assessed = {other: state for other, state in assessed.items() if other not in ended}
        sent, received = self._flows(org_id)
        last: dict[str, str] = {}
        first: dict[str, str] = {}
        window: dict[str, list[int]] = {}
        for way, flows in enumerate((sent, received)):
            for partner, (_, _, first_at, last_at) in flows.items():
                if partner == org_id:
                    continue
                first[partner] = min(first_at, first.get(partner, first_at))
                last[partner] = max(last_at[:10], last.get(partner, ""))
                if last_at > since:
                    pair = (org_id, partner) if way == 0 else (partner, org_id)
                    count, still_open = self.db.execute(
                        "SELECT count(*), count(*) - count(CASE WHEN loop_closed_at <= ?3 "
                        "THEN 1 END) FROM referrals WHERE from_org = ?1 AND to_org = ?2 "
                        "AND sent_at > ?4 AND sent_at <= ?3",
                        (*pair, until, since),
                    ).fetchone()
                    counts = window.setdefault(partner, [0, 0, 0, 0])
                    counts[way], counts[way + 2] = count, still_open
        for partner, (held, _) in self._touchpoints(org_id).items():
            if held:
                last[partner] = max(held, last.get(partner, ""))
        evidence = self._evidence(org_id)
        year_ago = day - timedelta(days=365)
        levels, before = (
            _levels_on(on, evidence, {p for p, at in first.items() if at <= _end_of(on)})
            for on in (day, year_ago)
        )
        flagged: list[dict[str, Any]] = []
        others: list[dict[str, Any]] = []
        for partner in sorted(assessed.keys() | levels.keys() | last.keys()):
            row = _health_row(
                org_id,
                partner,
                day,
                assessed.get(partner),
                last.get(partner),
                window.get(partner, [0, 0, 0, 0]),
                levels.get(partner, 0),
                before.get(partner, 0),
            )
            (others if row["flag"] is None else flagged).append(row)
        return to_json(
            {
                "org_id": org_id,
                "as_of": day,
                "window_days": HEALTH_WINDOW_DAYS,
                "partners": flagged + others,
                "survey_round": None,
            }
        )

    def plan(self, org_id: str) -> bytes:
        """Partners grouped by the action of their state, with the last and next touchpoint."""
        touchpoints = self._touchpoints(org_id)
        groups: dict[str, list[dict[str, Any]]] = {action: [] for action in ACTION.values()}
        for other, edge in self.graph.adj[org_id].items():
            held, planned = touchpoints.get(other, (None, None))
            groups[ACTION[edge["state"]]].append(
                {
                    "organization": self._organization(other),
                    "state": edge["state"],
                    "last_touchpoint": held,
                    "next_planned": planned,
                }
            )
        for members in groups.values():
            members.sort(key=lambda p: (p["organization"]["name"], p["organization"]["id"]))
        return to_json({"org_id": org_id, "groups": groups})

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
        return to_json({"org_id": org_id, "missing_sectors": gaps})

    def shortest_path(self, source: str, target: str) -> bytes:
        """The warmest route, by bidirectional Dijkstra over the costs of the states."""
        cost, route = nx.bidirectional_dijkstra(self.graph, source, target, weight="cost")
        return to_json({"paths": [{"org_ids": route, "cost": cost}]})

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
        return to_json({"paths": [{"org_ids": route, "cost": cost} for cost, _, route in best]})

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
        return to_json(_gap_page(pairs, overdue, days, overdue_after_days))

    def whole_gaps(self, *, overdue_after_days: int = 30) -> bytes:
        """The gap report of the whole network: one pass over the pair counters, summed per
        sender, receiver and in all; the overdue loops from the index of open ones; the
        median days to feedback from the index of closed ones."""
        cutoff = (datetime.now(UTC) - timedelta(days=overdue_after_days)).isoformat()
        recent = Counter(
            {
                (from_org, to_org): count
                for from_org, to_org, count in self.db.execute(
                    "SELECT from_org, to_org, count(*) FROM referrals "
                    "WHERE feedback_days IS NULL AND sent_at >= ? GROUP BY from_org, to_org",
                    (cutoff,),
                )
            }
        )
        senders: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        receivers: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        totals = [0, 0, 0]
        pairs: list[tuple[int, str, str, int, int]] = []
        for from_org, to_org, sent, closed in self.db.execute(
            "SELECT from_org, to_org, sent, loop_closed FROM referral_pairs"
        ):
            late = sent - closed - recent[from_org, to_org]
            for sums in (senders[from_org], receivers[to_org], totals):
                sums[0] += sent
                sums[1] += closed
                sums[2] += late
            pairs.append((-late, from_org, to_org, sent, closed))
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
        worst = heapq.nsmallest(PAGE, pairs)
        owing = heapq.nsmallest(PAGE, receivers.items(), key=lambda item: (-item[1][2], item[0]))
        return to_json(
            {
                "overdue_after_days": overdue_after_days,
                "totals": totals,
                "median_days_to_feedback": sum(middle) / len(middle) if middle else None,
                "pairs": [
                    {"from_org": a, "to_org": b, "sent": s, "closed": c, "overdue": -late}
                    for late, a, b, s, c in worst
                ],
                "total_pairs": len(pairs),
                "organizations": [
                    {"org_id": org, "as_sender": senders[org], "as_receiver": sums}
                    for org, sums in owing
                ],
                "total_organizations": len(senders.keys() | receivers.keys()),
            }
        )


def _end_of(day: date) -> str:
    """The last instant of ``day`` as the store writes timestamps."""
    return f"{day.isoformat()}T23:59:59.999999Z"


def _levels_on(
    day: date, evidence: dict[str, list[tuple[Any, ...]]], referred: set[str]
) -> dict[str, int]:
    """Each partner's level on ``day``: its highest evidence in force, 1 if ``referred``."""
    on = day.isoformat()
    levels = dict.fromkeys(referred, 1)
    for partner, items in evidence.items():
        for _, _, level, start, end in items:
            if start <= on and (end is None or on <= end):
                levels[partner] = max(level, levels.get(partner, 0))
    return levels


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
