#!/usr/bin/env bash
# Runs the whole suite on both stores, in TEST_WORKERS processes (one per core unless set), each
# with a throwaway Neo4j of its own: Community edition has one database, and a test empties it.
# Beside them, a spare Neo4j starts for the test that crashes one (tests/store/test_neo4j_faults.py).
# Servers started here stop afterwards; one already up (`make neo4j-up`) stays. Extra arguments
# go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
server=tests/neo4j_server/neo4j.sh
home=$PWD/tests/neo4j_server
spare=$home/.spare
workers=${TEST_WORKERS:-$(nproc)}
states=("$home/.state")
for ((i = 1; i < workers; i++)); do states+=("$home/.state-$i"); done
started=("$spare")
for state in "${states[@]}"; do
  NEO4J_STATE_DIR=$state bash "$server" status >/dev/null 2>&1 || started+=("$state")
done
stop() {
  for state in "${started[@]}"; do
    (NEO4J_STATE_DIR=$state bash "$server" down >/dev/null || true) &
  done
  wait
}
trap stop EXIT
starting=()
for state in "${started[@]}"; do
  NEO4J_STATE_DIR=$state bash "$server" up >/dev/null &
  starting+=($!)
done
for pid in "${starting[@]}"; do wait "$pid"; done
echo "Neo4j: ${#states[@]} for the tests and a spare, up"
set -a
# shellcheck disable=SC1091
. "${states[0]}/env"
set +a
export STAKEHOLDER_GRAPH_REQUIRE_NEO4J=1 STAKEHOLDER_GRAPH_REQUIRE_BROWSER=1
export STAKEHOLDER_GRAPH_SPARE_NEO4J=$spare
if [ "$workers" -gt 1 ]; then
  STAKEHOLDER_GRAPH_TEST_NEO4J_ENVS=$(printf '%s/env:' "${states[@]}")
  export STAKEHOLDER_GRAPH_TEST_NEO4J_ENVS=${STAKEHOLDER_GRAPH_TEST_NEO4J_ENVS%:}
  set -- -n "$workers" --dist loadfile "$@"
fi
.venv/bin/pytest "$@"
