"""A small network to survey: the hub runs rounds about its relationships with WIC (assessed
green) and a clinic (assessed yellow); a library is related to nobody."""

from __future__ import annotations

from datetime import timedelta

import pytest

from graph_models import ContactCreate, RelationshipCreate, RelationshipState
from graph_models.common import utc_now
from tests.conftest import add_orgs

AT_HUB = ["hana", "hugo", "hedy"]
AT_WIC = ["wen", "will", "wanda", "walt"]
AT_CLINIC = ["cleo"]


@pytest.fixture
def network(store):
    add_orgs(
        store,
        ("hub", "early_learning_hub"),
        ("wic", "wic"),
        ("clinic", "primary_care"),
        ("library", "library"),
    )
    for partner, state in (("wic", RelationshipState.GREEN), ("clinic", RelationshipState.YELLOW)):
        store.create_relationship(
            RelationshipCreate(org_a="hub", org_b=partner, state=state, reason="as we see it"),
            assessed_by="Lee",
        )
    for org_id, people in (("hub", AT_HUB), ("wic", AT_WIC), ("clinic", AT_CLINIC)):
        for person in people:
            store.create_contact(
                ContactCreate(
                    id=person,
                    org_id=org_id,
                    name=person.title(),
                    role="Staff",
                    email=f"{person}@{org_id}.example",
                )
            )
    store.create_contact(ContactCreate(id="lou", org_id="library", name="Lou", role="Librarian"))
    return store


def round_body(**changes):
    """A round of the hub about WIC and the clinic, asking everyone there, closing in 14 days."""
    return {
        "org_id": "hub",
        "title": "Spring partner survey",
        "closes_at": (utc_now() + timedelta(days=14)).isoformat(),
        "partner_ids": ["wic", "clinic"],
        "contact_ids": AT_HUB + AT_WIC + AT_CLINIC,
        **changes,
    }


def ratings(partner_id: str, trust: int, value: int, view: str, comment: str = "") -> dict:
    """An answer rating each trust item ``trust`` and each value item ``value``."""
    return {
        "partner_id": partner_id,
        "openness": trust,
        "reliability": trust,
        "shared_mission": trust,
        "influence": value,
        "resources": value,
        "involvement": value,
        "state_view": view,
        "comment": comment,
    }
