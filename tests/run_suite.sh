#!/usr/bin/env bash
# Runs the whole suite on both stores: starts the throwaway Neo4j unless one is up already,
# and stops it afterwards if it started it. Beside it, a spare Neo4j starts for the test that
# crashes one (tests/store/test_neo4j_faults.py), and stops afterwards. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
server=tests/neo4j_server/neo4j.sh
spare=$PWD/tests/neo4j_server/.spare
started_here=0
stop() {
  NEO4J_STATE_DIR=$spare bash "$server" down >/dev/null || true
  if [ "$started_here" = 1 ]; then bash "$server" down; fi
}
trap stop EXIT
NEO4J_STATE_DIR=$spare bash "$server" up >/dev/null &
spare_starting=$!
if ! bash "$server" status >/dev/null 2>&1; then
  started_here=1
  bash "$server" up
fi
wait "$spare_starting"
set -a
# shellcheck disable=SC1091
. tests/neo4j_server/.state/env
set +a
export STAKEHOLDER_GRAPH_REQUIRE_NEO4J=1 STAKEHOLDER_GRAPH_REQUIRE_BROWSER=1
export STAKEHOLDER_GRAPH_SPARE_NEO4J=$spare
.venv/bin/pytest "$@"
