"""The floor on Neo4j: the best hand-written Cypher for a question the benchmark asks.

So far warm paths have one. A floor answers the same question as the service, from the same
graph, in one statement sent through the driver alone, with the ranking the service does in
Python done in Cypher too: what Neo4j itself allows, with no service around it.
``make bench STORE=neo4j`` times each figure that has a floor beside it; :func:`profile`
prints a floor's ``PROFILE`` plan.

    python -m bench.neo4j_floor paths FROM TO     # PROFILE of the warmest-path floor

It reads the server from ``STAKEHOLDER_GRAPH_NEO4J_URI``, ``_USER``, ``_PASSWORD`` and
``_DATABASE``, as the service does (``set -a; . tests/neo4j_server/.state/env; set +a``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from neo4j import Driver, GraphDatabase, ManagedTransaction, RoutingControl

from service.settings import Settings
from service.store.neo4j.cypher import Label, Rel

HOW = "the best hand-written Cypher (bench/neo4j_floor.py)"
"""How the benchmark names a floor baseline."""
RATIO = 1.5
"""How many times its floor a figure may take."""
STATE_COST = {"green": 1, "yellow": 2, "no_dot": 3, "red": 5}
"""What one hop costs, by state, as ``service.paths.analytics.STATE_COST`` has it."""

_CURRENT_STATE = f"""COLLECT {{
        MATCH (x:{Label.ASSESSMENT}) WHERE x.rel_id = r.id
        RETURN x.state ORDER BY x.assessed_at DESC, x.seq DESC LIMIT 1
    }}[0]"""
"""The state of the latest assessment of the relationship ``r``."""

WARMEST_PATHS = f"""
MATCH (a:{Label.ORGANIZATION} {{id: $from_org}}), (b:{Label.ORGANIZATION} {{id: $to_org}})
MATCH half = (a)-[:{Rel.RELATED}*0..2]-(m:{Label.ORGANIZATION})
MATCH back = (b)-[:{Rel.RELATED}*0..2]-(m)
USING JOIN ON m
WHERE (length(half) = 2 OR length(back) = 0)
WITH nodes(half) + reverse(nodes(back))[1..] AS route,
     relationships(half) + reverse(relationships(back)) AS hops
WHERE all(i IN range(0, size(route) - 2) WHERE NOT route[i] IN route[i + 1..])
WITH route, hops, [r IN hops | {_CURRENT_STATE}] AS states
WITH route, states, reduce(cost = 0, state IN states | cost + $costs[state]) AS cost
RETURN [n IN route | n.id] AS ids, [n IN route | n.name] AS names, states, cost
ORDER BY cost, size(route), ids
LIMIT $k
"""
"""The ``$k`` warmest routes of at most four hops that pass no organization twice: halves of
up to two hops from each end joined where they meet, each hop costing by the state of its
latest assessment; cheapest first, then the shorter, then by ids."""


def warmest_paths(driver: Driver, database: str, from_org: str, to_org: str, k: int) -> list[Any]:
    """The floor of ``GET /api/v1/paths?max_hops=4``: the rows of :data:`WARMEST_PATHS`."""
    records, _, _ = driver.execute_query(
        WARMEST_PATHS,
        from_org=from_org,
        to_org=to_org,
        k=k,
        costs=STATE_COST,
        database_=database,
        routing_=RoutingControl.READ,
    )
    return [record.values() for record in records]


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
    parser = argparse.ArgumentParser(prog="bench.neo4j_floor", description=__doc__.split("\n")[0])
    parser.add_argument("question", choices=["paths"], help="the floor to profile")
    parser.add_argument("from_org", help="where the routes start")
    parser.add_argument("to_org", help="the organization to reach")
    parser.add_argument("-k", type=int, default=10, help="how many routes (default 10)")
    args = parser.parse_args(argv)
    settings = Settings()
    auth = (settings.neo4j_user, settings.neo4j_password.get_secret_value())
    with GraphDatabase.driver(settings.neo4j_uri, auth=auth) as driver:
        print(
            profile(
                driver,
                settings.neo4j_database,
                WARMEST_PATHS,
                from_org=args.from_org,
                to_org=args.to_org,
                k=args.k,
                costs=STATE_COST,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
