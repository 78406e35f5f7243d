#!/usr/bin/env bash
# Runs the whole suite on both stores: starts the throwaway Neo4j unless one is up already,
# and stops it afterwards if it started it. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
server=tests/neo4j_server/neo4j.sh
if bash "$server" status >/dev/null 2>&1; then
  started_here=0
else
  bash "$server" up
  started_here=1
fi
stop() { if [ "$started_here" = 1 ]; then bash "$server" down; fi; }
trap stop EXIT
set -a
# shellcheck disable=SC1091
. tests/neo4j_server/.state/env
set +a
export STAKEHOLDER_GRAPH_REQUIRE_NEO4J=1 STAKEHOLDER_GRAPH_REQUIRE_BROWSER=1
.venv/bin/pytest "$@"
