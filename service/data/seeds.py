"""Demo networks in ``seeds/``: listing them and loading one through the bundle model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from graph_models import NetworkBundle, ProfileCreate, Sector
from service.errors import Conflict, InvalidInput, NotFound
from service.store import ImportSummary, Store
from service.store.protocol import Progress

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


@dataclass(frozen=True)
class SeedInfo:
    """A demo network on disk."""

    name: str
    title: str
    description: str
    organizations: int


def list_seeds(seeds_dir: Path = SEEDS_DIR) -> list[SeedInfo]:
    """The demo networks in ``seeds_dir``, by name.

    >>> [seed.name for seed in list_seeds()]
    ['oklahoma', 'oregon']
    """
    seeds = []
    for path in sorted(seeds_dir.glob("*/network.json")):
        bundle = NetworkBundle.model_validate_json(path.read_text())
        seeds.append(
            SeedInfo(bundle.name, bundle.title, bundle.description, len(bundle.organizations))
        )
    return seeds


def read_seed(name: str, seeds_dir: Path = SEEDS_DIR) -> NetworkBundle:
    """The demo network ``name``, or the bundle file at the path ``name``, with the shared
    sector catalog and profiles folded in."""
    path = seeds_dir / name / "network.json"
    if not path.is_file() and Path(name).is_file():
        path = Path(name)
    elif not path.is_file():
        known = ", ".join(seed.name for seed in list_seeds(seeds_dir))
        raise NotFound(
            f"there is no seed named '{name}' and no file at that path; the seeds are: {known}"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"cannot read {path} as UTF-8 text: {error}") from error
    bundle = NetworkBundle.model_validate_json(text)
    catalog = read_catalog(seeds_dir)
    return bundle.model_copy(
        update={
            "sectors": catalog.sectors + bundle.sectors,
            "profiles": catalog.profiles + bundle.profiles,
        }
    )


def read_catalog(seeds_dir: Path = SEEDS_DIR) -> NetworkBundle:
    """The sector catalog, ``seeds/catalog.json``: every sector and the shared profiles.

    >>> catalog = read_catalog()
    >>> len(catalog.sectors) > 20, "oregon-infant-toddler" in [p.name for p in catalog.profiles]
    (True, True)
    """
    catalog = json.loads((seeds_dir / "catalog.json").read_text())
    return NetworkBundle(
        name="catalog",
        title="The sector catalog",
        sectors=[Sector.model_validate(s) for s in catalog["sectors"]],
        profiles=[ProfileCreate.model_validate(p) for p in catalog["profiles"]],
    )


def ensure_catalog(store: Store, seeds_dir: Path = SEEDS_DIR) -> ImportSummary | None:
    """Load the sector catalog into a store that has no sector yet, in one all-or-nothing
    import, so that a fresh data directory can take organizations at once; None when the
    store has sectors already (their catalog is left as it is)."""
    if store.list_sectors():
        return None
    return store.import_bundle(read_catalog(seeds_dir))


def load_seed(
    store: Store, name: str, *, progress: Progress | None = None, seeds_dir: Path = SEEDS_DIR
) -> ImportSummary | None:
    """Load the demo network ``name`` in one all-or-nothing import.

    Returns ``None`` when the seed is loaded already, so that loading twice is harmless.
    """
    bundle = read_seed(name, seeds_dir)
    org_ids = [org.id for org in bundle.organizations if org.id]
    present = [org_id for org_id in org_ids if _exists(store, org_id)]
    if org_ids and len(present) == len(org_ids):
        return None
    if present:
        raise Conflict(
            f"seed '{name}' is partly loaded: {len(present)} of its {len(org_ids)} organizations "
            f"exist already (e.g. '{present[0]}'); load it into an empty data directory"
        )
    return store.import_bundle(bundle, progress=progress)


def _exists(store: Store, org_id: str) -> bool:
    try:
        store.get_organization(org_id)
    except NotFound:
        return False
    return True
