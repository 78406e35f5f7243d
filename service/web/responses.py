"""The response of the heavy analytic routes: the answer serialized once, by pydantic.

A route that returns a model (with ``response_model`` or a return annotation) has FastAPI
validate it again, dump it to plain Python objects and encode those with :mod:`json`: on a hub
with thousands of partners that costs more than computing the answer. A :class:`ModelResponse`
is passed through as it is, so such a route keeps ``response_model=`` in its decorator for the
OpenAPI schema and returns ``ModelResponse(answer)``. The answer may also be the plain fields of
the model (dicts and lists of them, in the model's field order), written as the model would
write them without a model made for each of thousands of partners.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    """``answer`` as the JSON a :class:`ModelResponse` of it sends.

    >>> answer_json({"sector": "wic"})
    b'{"sector":"wic"}'
    """
    return to_json(answer, by_alias=False)
