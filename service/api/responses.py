"""The response of the heavy analytic routes: the model serialized once, by pydantic.

A route that returns a model (with ``response_model`` or a return annotation) has FastAPI
validate it again, dump it to plain Python objects and encode those with :mod:`json`: on a hub
with thousands of partners that costs more than computing the answer. A :class:`ModelResponse`
is passed through as it is, so such a route keeps ``response_model=`` in its decorator for the
OpenAPI schema and returns ``ModelResponse(answer)``.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


class ModelResponse(Response):
    """``model`` as JSON, as :meth:`pydantic.BaseModel.model_dump_json` writes it.

    >>> from graph_models.ecomaps import MissingSector
    >>> ModelResponse(MissingSector(sector="wic", label="WIC")).body
    b'{"sector":"wic","label":"WIC"}'
    """

    media_type = "application/json"

    def __init__(self, model: BaseModel, status_code: int = 200) -> None:
        super().__init__(model.model_dump_json(), status_code=status_code)
