"""Sectors and sector profiles."""

from __future__ import annotations

from fastapi import APIRouter, status

from graph_models import Profile, ProfileCreate, Sector
from service.web.deps import Editor, Reader, StoreDep

router = APIRouter(tags=["sectors and profiles"])


@router.get("/sectors")
def list_sectors(store: StoreDep, _: Reader) -> list[Sector]:
    """Every known sector: its slug and a label people read."""
    return store.list_sectors()


@router.get("/profiles")
def list_profiles(store: StoreDep, _: Reader) -> list[Profile]:
    """Sector profiles: named lists of the sectors an agency is expected to engage."""
    return store.list_profiles()


@router.post("/profiles", status_code=status.HTTP_201_CREATED)
def create_profile(body: ProfileCreate, store: StoreDep, _: Editor) -> Profile:
    """Add a profile; every sector it names must be known."""
    return store.create_profile(body)


@router.get("/profiles/{name}")
def get_profile(name: str, store: StoreDep, _: Reader) -> Profile:
    """One profile with its sectors in order."""
    return store.get_profile(name)
