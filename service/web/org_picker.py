"""Organizations picked by typing their name: what a page's name field resolves to."""

from __future__ import annotations

from dataclasses import dataclass

from graph_models import MAX_PAGE_SIZE, Organization, OrganizationQuery
from service.store.protocol import Store


@dataclass(frozen=True)
class Pick:
    """What a name field resolved to: the organization, or why there is none."""

    typed: str
    organization: Organization | None = None
    problem: str | None = None


def shown_name(org: Organization) -> str:
    """The name a field shows for ``org`` when another organization has the same name.

    >>> from datetime import UTC, datetime
    >>> org = Organization(id="wic-lane", name="WIC", sector="wic", region="Lane",
    ...     internal=False, notes="", created_at=datetime(2024, 1, 1, tzinfo=UTC))
    >>> shown_name(org)
    'WIC (Lane)'
    """
    return f"{org.name} ({org.region})" if org.region else org.name


def pick_organization(store: Store, typed: str | None) -> Pick:
    """The organization whose name is ``typed`` (any case), or ``Name (Region)`` where two
    share a name; when none or several match, ``problem`` says so and names some matches.
    Nothing typed picks nothing and is no problem."""
    text = " ".join((typed or "").split())
    if not text:
        return Pick(typed="")
    wanted = text.casefold()
    name = text.rsplit(" (", 1)[0] if text.endswith(")") else text
    # A short name is part of many others: look past the first page of suggestions.
    found = store.list_organizations(OrganizationQuery(q=name, limit=MAX_PAGE_SIZE)).items
    exact = [org for org in found if org.name.casefold() == wanted]
    if not exact:
        exact = [org for org in found if shown_name(org).casefold() == wanted]
    if len(exact) == 1:
        return Pick(typed=text, organization=exact[0])
    if exact:
        names = "; ".join(shown_name(org) for org in exact)
        return Pick(typed=text, problem=f"{len(exact)} organizations are named '{text}': {names}")
    hint = f"; did you mean {', '.join(org.name for org in found[:3])}?" if found else ""
    return Pick(typed=text, problem=f"no organization is named '{text}'{hint}")
