"""The Neo4j store: the stakeholder graph on a Neo4j 5 server, through the official driver.

It behaves as :class:`service.store.embedded.EmbeddedStore` does: the same ids, errors and
messages, orders and totals. Every write and every read of several statements is one managed
transaction, so the driver retries transient failures and a write returns only after it is
committed; a read of one statement is an auto-commit read, sent again as a managed transaction
when it fails in a way the driver retries. A write first checks its
records in the embedded store's order, then MERGEs them on their keys in UNWIND batches; a
bundle is one transaction, all or nothing. The Cypher is in :mod:`service.store.neo4j.cypher`.
Like the embedded store, each process keeps a live graph of organizations and relationships
for warm paths, missing partners and maps, brought up to date from the change log every such
write notes (:mod:`.connection`).

The store is composed of one mixin per module, each keeping one part of the graph on top of
:class:`~service.store.neo4j.connection.Neo4jConnection`: :mod:`.network`, :mod:`.evidence`,
:mod:`.referrals`, :mod:`.access`, :mod:`.bulk` (bundle imports and the writer every part
writes through) and :mod:`.copying` (records copied between stores); :mod:`.surveys` keeps
survey rounds and the outbox.
"""

from service.store.neo4j.access import AccessMixin
from service.store.neo4j.bulk import BulkMixin
from service.store.neo4j.copying import CopyingMixin
from service.store.neo4j.evidence import EvidenceMixin
from service.store.neo4j.network import NetworkMixin
from service.store.neo4j.referrals import ReferralsMixin
from service.store.neo4j.surveys import SurveysMixin

__all__ = ["Neo4jStore"]


class Neo4jStore(
    NetworkMixin,
    EvidenceMixin,
    ReferralsMixin,
    AccessMixin,
    BulkMixin,
    CopyingMixin,
    SurveysMixin,
):
    """The store on Neo4j, at any URI the driver takes (``bolt://``, ``neo4j://``, ``neo4j+s://``).

    Open it with :meth:`connect`, which also creates the constraints and indexes.
    """

    kind = "neo4j"
