"""The response of the heavy analytic routes: the answer serialized once, by pydantic.

A route that returns a model (with ``response_model`` or a return annotation) has FastAPI
validate it again, dump it to plain Python objects and encode those with :mod:`json`: on a hub
with thousands of partners that costs more than computing the answer. A :class:`ModelResponse`
is passed through as it is, so such a route keeps ``response_model=`` in its decorator for the
OpenAPI schema and returns ``ModelResponse(answer)``. The answer may also be the plain fields of
the model (dicts and lists of them, in the model's field order), written as the model would
write them without a model made for each of thousands of partners, by orjson, which writes a
hub's 2 MB eco-map in a quarter of the time pydantic takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import Response
from pydantic import BaseModel
from pydantic_core import to_json


class ModelResponse(Response):
    """``answer`` as JSON, as :meth:`pydantic.BaseModel.model_dump_json` writes it.

    >>> from graph_models.ecomaps import MissingSector
    >>> ModelResponse(MissingSector(sector="wic", label="WIC")).body
    b'{"sector":"wic","label":"WIC"}'
    >>> ModelResponse({"sector": "wic", "label": "WIC"}).body
    b'{"sector":"wic","label":"WIC"}'
    >>> ModelResponse(b'{"sector":"wic"}').body
    b'{"sector":"wic"}'
    """

    media_type = "application/json"

    def __init__(
        self, answer: BaseModel | Mapping[str, Any] | bytes, status_code: int = 200
    ) -> None:
        body = answer if isinstance(answer, bytes) else answer_json(answer)
        super().__init__(body, status_code=status_code)


def answer_json(answer: BaseModel | Mapping[str, Any]) -> bytes:
    """``answer`` as the JSON a :class:`ModelResponse` of it sends: a model as pydantic writes
    it, plain fields byte for byte the same (moments in UTC end in ``Z``, as pydantic writes them).
    The keys of plain dicts must be text: orjson refuses others, where pydantic wrote them as
    text (keying them by text is cheaper than the orjson option that takes any key).

    >>> from datetime import UTC, datetime
    >>> answer_json({"sector": "wic", "since": datetime(2019, 1, 2, 3, 4, 5, 6, tzinfo=UTC)})
    b'{"sector":"wic","since":"2019-01-02T03:04:05.000006Z"}'
    """
    if isinstance(answer, BaseModel):
        return to_json(answer, by_alias=False)
    return orjson.dumps(answer, default=_as_pydantic_writes_it, option=orjson.OPT_UTC_Z)


def _as_pydantic_writes_it(value: Any) -> orjson.Fragment:
    """What orjson cannot write itself (a model among the plain fields), written by pydantic."""
    return orjson.Fragment(to_json(value, by_alias=False))
