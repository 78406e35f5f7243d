"""What the person importing a file may add to it: a sector or region for records the file
gives none, a mapping from the file's own words (taxonomy terms, places) to the project's
sectors and regions, and the column that names each organization's sector.

Readers that have no use for an option leave it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from service.data.tables import refuse


@dataclass(frozen=True)
class ReadOptions:
    """Options of one import.

    ``sector``: the sector of every organization the file gives none (HSDS; Kumu elements with
    an empty Type). ``region``: the region of every organization (HSDS). ``sectors`` and
    ``regions``: the file's words mapped to a sector's slug or label and to a region.
    ``sector_column``: the Kumu elements column that names the sector (Type if None).
    """

    sector: str | None = None
    region: str | None = None
    sectors: dict[str, str] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)
    sector_column: str | None = None

    def mapped_sector(self, *words: str | None) -> str | None:
        """The sector the mapping gives the first of ``words`` it names, any case.

        >>> ReadOptions(sectors={"Food Pantry": "wic"}).mapped_sector("BD-1800", "food pantry")
        'wic'
        """
        return _first_mapped(self.sectors, words)

    def mapped_region(self, *words: str | None) -> str | None:
        """The region the mapping gives the first of ``words`` it names, any case.

        >>> ReadOptions(regions={"Eugene": "Lane"}).mapped_region(None, "EUGENE")
        'Lane'
        """
        return _first_mapped(self.regions, words)


def _first_mapped(mapping: dict[str, str], words: tuple[str | None, ...]) -> str | None:
    folded = {key.strip().lower(): value for key, value in mapping.items()}
    for word in words:
        if word and word.strip().lower() in folded:
            return folded[word.strip().lower()]
    return None


def read_mapping(
    data: bytes, filename: str = "mapping.json"
) -> tuple[dict[str, str], dict[str, str]]:
    """The sectors and regions of a mapping file: a JSON object with ``sectors`` (a taxonomy
    term's code or name to a sector's slug or label) and ``regions`` (a city, county or region
    of an address to the project's region), each optional.

    >>> read_mapping(b'{"sectors": {"BD-1800": "food_bank"}}')
    ({'BD-1800': 'food_bank'}, {})
    """
    try:
        found = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        refuse(f"the mapping is not JSON: {error}", sheet=filename)
    if not isinstance(found, dict) or set(found) - {"sectors", "regions"}:
        refuse(
            'the mapping must be a JSON object {"sectors": {"term": "sector"}, '
            '"regions": {"place": "region"}}',
            sheet=filename,
        )
    parts: list[dict[str, str]] = []
    for key in ("sectors", "regions"):
        part = found.get(key, {})
        if not isinstance(part, dict) or not all(
            isinstance(word, str) and isinstance(meant, str) for word, meant in part.items()
        ):
            refuse(f"'{key}' must map words to words", sheet=filename, column=key)
        parts.append(part)
    return parts[0], parts[1]
