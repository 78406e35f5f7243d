"""The errors of the API as the OpenAPI document describes them: every error answers
``{"detail": "what is wrong"}``, and each operation lists the statuses it can answer with."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    """What every error answers: one sentence saying what is wrong."""

    detail: str = Field(
        description="What is wrong, in plain words.",
        examples=["body.state: Input should be 'green', 'yellow', 'red' or 'no_dot'"],
    )


WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})

ERRORS: dict[int, str] = {
    400: "The body cannot be read as JSON text (it is not UTF-8).",
    401: "No token, or a token that is not known.",
    403: "The token's role may not do this.",
    404: "Something the request names does not exist, or the token may not see it.",
    409: "The write clashes with what is stored (an id taken, a move the rules do not allow); "
    "nothing was written.",
    413: "The request body is larger than the service accepts; it was not read.",
    415: "The body is not declared as JSON (Content-Type: application/json); it was not read.",
    422: "The request is not valid: the detail names each field and what is wrong with it.",
    429: "Too many wrong tokens from this address; it is refused for a while.",
    503: "The store cannot be reached right now.",
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorDetail"}


def statuses_of(method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation of the API can answer with.

    >>> statuses_of("post", {"parameters": [], "requestBody": {}})
    [400, 401, 403, 404, 409, 413, 415, 422, 429, 503]
    >>> statuses_of("get", {})
    [401, 403, 404, 429, 503]
    """
    found = {401, 403, 404, 429, 503}
    if method in WRITE_METHODS:
        found.add(409)
    if "requestBody" in operation:
        found |= {400, 413, 415}
    if "requestBody" in operation or operation.get("parameters"):
        found.add(422)
    return sorted(found)


def with_errors(schema: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``schema`` with the errors of every operation under ``prefix`` described, each with
    the body it really has; FastAPI's list of validation errors is not what a 422 answers."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorDetail"] = ErrorDetail.model_json_schema()
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in statuses_of(method, operation):
                responses[str(code)] = {
                    "description": ERRORS[code],
                    "content": {"application/json": {"schema": ERROR_REF}},
                }
    return schema


def describe_errors(app: FastAPI, prefix: str) -> None:
    """Have ``app`` describe the errors of its routes under ``prefix`` in its OpenAPI
    document, made once on first request."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_errors(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                ),
                prefix,
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
