"""A network bundle: everything needed to load a network in one all-or-nothing import.

Seeds, migrations and the statewide generator all load through this one shape.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

from pydantic import ConfigDict, Field, model_validator

from graph_models.common import Name, Reason, Slug, StrictModel, Text, Timestamp
from graph_models.engagements import EngagementCreate
from graph_models.enums import RelationshipState
from graph_models.evidence import AgreementCreate, CollaborativeCreate, JointProgramCreate
from graph_models.organizations import ContactCreate, OrganizationCreate
from graph_models.referrals import ReferralImport
from graph_models.sectors import ProfileCreate, Sector

_collector_pauses = 0
_collector_was_enabled = False
_collector_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bulk batch is validated or written. A
    batch makes hundreds of thousands of objects and no reference cycles, and the collector's
    repeated passes over them would cost about as much as the work itself. Pauses may nest and
    overlap between threads: the collector resumes when the last one ends, if it was running
    when the first began. What was made meanwhile then joins the oldest generation, which
    only full collections walk: left in the youngest, all of it would be walked by the first
    collection after the pause, and again as it aged.

    >>> import gc
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    """
    global _collector_pauses, _collector_was_enabled
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pauses += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pauses -= 1
            if _collector_pauses == 0:
                _age_tracked_objects()
                if _collector_was_enabled:
                    gc.enable()


def _age_tracked_objects() -> None:
    """Move every object the collector tracks into its oldest generation, without walking
    them; unless some objects are frozen (:func:`gc.freeze`), which must stay so."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


class AssessmentImport(StrictModel):
    """One past assessment of a relationship, with who made it."""

    state: RelationshipState
    reason: Reason
    assessed_by: Name
    assessed_at: Timestamp


class RelationshipImport(StrictModel):
    """A relationship with its whole history, oldest assessment first."""

    org_a: Slug
    org_b: Slug
    history: list[AssessmentImport] = Field(min_length=1)

    @model_validator(mode="after")
    def _two_different_organizations(self) -> RelationshipImport:
        if self.org_a == self.org_b:
            raise ValueError("a relationship needs two different organizations")
        return self


class NetworkBundle(StrictModel):
    """Sectors, profiles, organizations, contacts, relationships and engagements of a network."""

    # Only the keys of a bundle's JSON repeat: its values (ids, case references, timestamps)
    # are nearly all distinct, and caching them would only cost a lookup each.
    model_config = ConfigDict(cache_strings="keys")

    name: Slug
    title: Name
    description: Text = ""
    focal_org_ids: list[Slug] = Field(
        default_factory=list, description="The agencies at the centre of this network."
    )
    sectors: list[Sector] = Field(default_factory=list)
    profiles: list[ProfileCreate] = Field(default_factory=list)
    organizations: list[OrganizationCreate] = Field(default_factory=list)
    contacts: list[ContactCreate] = Field(default_factory=list)
    relationships: list[RelationshipImport] = Field(default_factory=list)
    engagements: list[EngagementCreate] = Field(default_factory=list)
    # -- partnership evidence (joint case plans name cases: they come in one at a time) ----
    joint_programs: list[JointProgramCreate] = Field(default_factory=list)
    agreements: list[AgreementCreate] = Field(default_factory=list)
    collaboratives: list[CollaborativeCreate] = Field(default_factory=list)
    # -- changes to what is stored ----
    updated_organizations: list[OrganizationCreate] = Field(
        default_factory=list,
        description="Stored organizations (by id) whose name, sector, region, internal flag "
        "and notes become these.",
    )
    updated_contacts: list[ContactCreate] = Field(
        default_factory=list,
        description="Stored contacts (by id) whose organization, name, role and email become "
        "these.",
    )
    updated_engagements: list[EngagementCreate] = Field(
        default_factory=list,
        description="Stored engagements (by id) whose fields, organizations and contacts "
        "become these.",
    )
    added_assessments: list[RelationshipImport] = Field(
        default_factory=list,
        description="Assessments added to the history of stored relationships; none is "
        "overwritten.",
    )
    # -- referrals ----
    referrals: list[ReferralImport] = Field(
        default_factory=list, description="Referrals of cases with their status events."
    )

    @model_validator(mode="after")
    def _updates_name_their_organization(self) -> NetworkBundle:
        for org in self.updated_organizations:
            if not org.id:
                raise ValueError(f"updated organization '{org.name}' needs its id")
        for contact in self.updated_contacts:
            if not contact.id:
                raise ValueError(f"updated contact '{contact.name}' needs its id")
        for engagement in self.updated_engagements:
            if not engagement.id:
                raise ValueError(f"updated engagement '{engagement.title}' needs its id")
        return self

    @property
    def evidence(self) -> list[JointProgramCreate | AgreementCreate | CollaborativeCreate]:
        """The bundle's joint programs, agreements and collaboratives, in that order."""
        return [*self.joint_programs, *self.agreements, *self.collaboratives]

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a bundle with the cyclic garbage collector paused (see
        :func:`collector_paused`): a statewide batch makes hundreds of thousands of objects."""
        with collector_paused():
            return super().model_validate(
                obj,
                strict=strict,
                from_attributes=from_attributes,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            )

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a bundle's JSON with the cyclic garbage collector paused, as
        :meth:`model_validate` does."""
        with collector_paused():
            return super().model_validate_json(
                json_data, strict=strict, context=context, by_alias=by_alias, by_name=by_name
            )
