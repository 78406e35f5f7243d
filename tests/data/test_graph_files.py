"""GraphML and GEXF exports read back with networkx to the same nodes, edges and attributes."""

from __future__ import annotations

import io

import networkx as nx
import pytest

from service.data.exports import export_network
from service.data.graph_files import network_graph
from service.data.seeds import load_seed
from service.data.snapshot import read_network
from tests.networks import add_evidence_and_referrals


@pytest.mark.parametrize(
    ("format", "read"),
    [("graphml", nx.read_graphml), ("gexf", lambda f: nx.read_gexf(f, node_type=str))],
)
def test_a_graph_file_reads_back_to_the_same_nodes_edges_and_typed_attributes(store, format, read):
    load_seed(store, "oregon")
    expected = network_graph(read_network(store))
    written = export_network(store, format)
    assert written.filename == f"stakeholder-graph-network.{format}"
    graph = read(io.BytesIO(written.content))
    assert set(graph.nodes) == set(expected.nodes)
    assert {frozenset(edge) for edge in graph.edges} == {frozenset(e) for e in expected.edges}
    for node, attributes in expected.nodes(data=True):
        found = graph.nodes[node]
        for key, value in attributes.items():
            assert found[key] == value, (node, key)
    sent = sum(count for _, count in graph.nodes(data="referrals_sent"))
    assert sent == 9
    for a, b, attributes in expected.edges(data=True):
        found = graph.edges[a, b]
        assert {
            k: found[k] for k in ("state", "assessments", "level", "referrals", "open_loops")
        } == {
            k: attributes[k] for k in ("state", "assessments", "level", "referrals", "open_loops")
        }


@pytest.mark.parametrize(
    ("format", "read"),
    [("graphml", nx.read_graphml), ("gexf", lambda f: nx.read_gexf(f, node_type=str))],
)
def test_each_relationship_carries_its_partnership_level_as_a_typed_number(store, format, read):
    load_seed(store, "oregon")
    graph = store.partner_graph()
    focal = max(sorted(graph), key=graph.degree)
    partners = sorted(graph[focal])
    add_evidence_and_referrals(store)
    written = read(io.BytesIO(export_network(store, format).content))
    levels = {partner: written.edges[focal, partner]["level"] for partner in partners}
    assert all(isinstance(level, int) for level in levels.values())
    assert levels[partners[0]] == 2  # a joint case plan
    assert levels[partners[1]] == levels[partners[2]] == 3  # a joint program
    assert levels[partners[4]] == 5  # a local collaborative
    assert levels[partners[-1]] == 6  # a state cabinet
    assert levels[partners[3]] == 1  # the liaison agreement ended in 2018; referrals remain
    assert min(level for _, _, level in written.edges(data="level")) == 0
