"""Forms on the API's own request models and rules.

A page's form post is read into the same pydantic model as the API's body
(:func:`parse_form`), handed to the same service function as the API route, and answered
with Post/Redirect/Get (:func:`submit`). A refusal, by the model or by the rules and the
store, shows the form again with its status (4xx) and each message next to its field; nothing
is written. The session's CSRF token and the service's own origin are checked before anything
else, as for every write made with the session cookie.

A form page is one renderer, ``show(principal, state)``, used by its GET route and by its
POST route when a form comes back refused; :class:`FormPages` (the routes' ``PageForms``
dependency, from :mod:`service.access.deps`) does the rest::

    @router.get("/relationships/{rel_id}")
    def relationship_page(rel_id: str, store: StoreDep, forms: PageForms) -> Response:
        return forms.get(lambda principal, state: the_page(principal, rel_id, assess=state))

    @router.post("/relationships/{rel_id}/assess")
    def assess(rel_id: str, store: StoreDep, forms: PageForms, form: FormBody) -> Response:
        def act(principal: Principal) -> str:
            body = parse_form(RelationshipUpdate, form_values(form, RelationshipUpdate))
            service.assess(store, principal, rel_id, body)
            return f"/relationships/{rel_id}"          # where the browser goes next

        return forms.post(form, act=act,
                          show=lambda principal, state: the_page(principal, rel_id, assess=state))

A refusal raised while a page is shown (an organization that does not exist, a role that may
not see it) is the error page, with its status.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar, get_args, get_origin

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from graph_models import Principal
from service.errors import DomainError
from service.store.protocol import Store
from service.web.org_picker import pick_organization
from service.web.pages import page_error

M = TypeVar("M", bound=BaseModel)

Errors = dict[str, str]
"""A message per field name."""

WHOLE_FORM = ""
"""The key of a message about the form as a whole rather than one field."""


@dataclass
class FormState:
    """What a form shows: the values typed (empty on a fresh form), a message per field name
    (:data:`WHOLE_FORM` for the form as a whole), and the refusal they come from, if any."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    refusal: DomainError | None = None

    def value(self, name: str, default: Any = "") -> Any:
        """The value typed into ``name``, else ``default``."""
        return self.values.get(name, default)


Show = Callable[[Principal, FormState], Response]
"""A form page's renderer: the page for ``principal`` with the form in ``state``."""


class FormRefused(DomainError):
    """A form's input refused, with a message per field."""

    status_code = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {text}" for name, text in errors.items()))
        self.errors = errors


async def read_form(request: Request) -> FormData:
    """The posted form (read once; the CSRF check reads the same)."""
    return await request.form()


FormBody = Annotated[FormData, Depends(read_form)]
"""The posted form of a route, as a dependency, so that the route itself can stay sync."""


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in get_args(annotation))
    return get_origin(annotation) is list


def form_values(form: FormData, model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """The fields of ``model`` the form filled in (named ``prefix`` + field): blank ones left
    out, so that a required one is missing and an optional one takes its default; a list field
    from every value sent under its name, any other from the last (a checkbox after a hidden
    field of the same name sends both when it is ticked).

    >>> from graph_models import RelationshipUpdate
    >>> form_values(FormData([("state", "red"), ("reason", " ")]), RelationshipUpdate)
    {'state': 'red'}
    """
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        sent = [
            text.strip()
            for text in form.getlist(prefix + name)
            if isinstance(text, str) and text.strip()
        ]
        if sent:
            values[name] = sent if _is_list(info.annotation) else sent[-1]
    return values


def parse_form(
    model: type[M],
    values: dict[str, Any],
    prefix: str = "",
    names: Mapping[str, str] = {},
    required: Collection[str] = (),
    also: Mapping[str, str] = {},
) -> M:
    """``values`` read into ``model``, else :class:`FormRefused` with the first message of each
    field, named ``prefix`` + field, or as ``names`` calls the fields the form names otherwise.
    A problem of the model as a whole goes beside the field it concerns
    (:class:`~graph_models.common.FieldProblem`). ``required`` fields must be filled even where
    the model would take them as "leave it as it is" (a form that changes a record). ``also``
    holds problems found in the form before (an organization's name that picks none), refused
    together with the model's.

    >>> from graph_models import RelationshipUpdate
    >>> try:
    ...     parse_form(RelationshipUpdate, {"state": "red"})
    ... except FormRefused as refused:
    ...     print(refused.errors)
    {'reason': 'a change of state needs a reason: say why the relationship moved'}
    """
    errors = {prefix + name: "fill this in" for name in required if name not in values}
    errors |= also
    try:
        parsed = model.model_validate(values)
    except ValidationError as error:
        raise FormRefused(field_errors(error, prefix, names) | errors) from None
    if errors:
        raise FormRefused(errors)
    return parsed


def field_errors(
    error: ValidationError, prefix: str = "", names: Mapping[str, str] = {}
) -> dict[str, str]:
    """The first message of each field ``error`` names, in words a form shows."""
    errors: dict[str, str] = {}
    for problem in error.errors():
        cause = problem.get("ctx", {}).get("error")
        name = problem["loc"][0] if problem["loc"] else getattr(cause, "field", None)
        where = prefix + names.get(str(name), str(name)) if name is not None else WHOLE_FORM
        text = str(problem["msg"]).removeprefix("Value error, ")
        if problem["type"] == "missing":
            text = "fill this in"
        errors.setdefault(where, text)
    return errors


def refusal_errors(error: DomainError, fields: Collection[str]) -> dict[str, str]:
    """Where a refusal goes on the form: next to the field its message starts with
    (``ended_on: ...``), else over the whole form.

    >>> from service.errors import InvalidInput
    >>> refusal_errors(InvalidInput("ended_on: too early"), ["ended_on", "reason"])
    {'ended_on': 'too early'}
    """
    if isinstance(error, FormRefused):
        return error.errors
    name, colon, rest = error.message.partition(": ")
    return {name: rest} if colon and name in fields else {WHOLE_FORM: error.message}


def submit(
    request: Request,
    form: FormData,
    *,
    who: Callable[[], Principal],
    act: Callable[[Principal], str],
    show: Show,
) -> Response:
    """Answer a form post: who sends it (``who()``, which checks the form's CSRF token and
    origin, as :func:`service.access.deps.form_principal` does; a refusal is the error page),
    then ``act(principal)``, which writes and names the page to go to next (303). A refusal
    shows the form again (``show``) with the values typed, the messages next to their fields,
    and the refusal's status."""
    try:
        principal = who()
    except DomainError as error:
        return page_error(request, error)
    try:
        return RedirectResponse(act(principal), status_code=303)
    except DomainError as error:
        values = {name: value for name, value in form.items() if isinstance(value, str)}
        state = FormState(values, refusal_errors(error, values), error)
        page = shown(request, show, principal, state)
        page.status_code = error.status_code
        return page


def shown(request: Request, show: Show, principal: Principal, state: FormState) -> Response:
    """``show(principal, state)``, or the error page when showing it is refused."""
    try:
        return show(principal, state)
    except DomainError as error:
        return page_error(request, error)


@dataclass(frozen=True)
class FormPages:
    """The form pages of one request: ``reader()`` names who a page is shown to, and
    ``poster(form)`` who posts a form (its CSRF token and origin checked)."""

    request: Request
    reader: Callable[[], Principal]
    poster: Callable[[FormData], Principal]

    def get(self, show: Show, state: FormState | None = None) -> Response:
        """The page ``show`` draws for the reader, its form fresh (or in ``state``)."""
        try:
            principal = self.reader()
        except DomainError as error:
            return page_error(self.request, error)
        return shown(self.request, show, principal, state or FormState())

    def post(self, form: FormData, *, act: Callable[[Principal], str], show: Show) -> Response:
        """:func:`submit` of ``form`` by whoever posts it."""
        return submit(self.request, form, who=lambda: self.poster(form), act=act, show=show)


def picked(store: Store, form: FormData, names: Iterable[str]) -> tuple[dict[str, str], Errors]:
    """The ids of the organizations whose names were typed into the fields ``names`` (a field
    left blank picks none), and a message beside each field whose name no one organization has
    (see :func:`~service.web.org_picker.pick_organization`): ``({"partner": "wic-lane"}, {})``
    or ``({}, {"partner": "no organization is named 'Nowhere'"})``."""
    ids: dict[str, str] = {}
    errors: Errors = {}
    for name in names:
        typed = form.get(name)
        pick = pick_organization(store, typed if isinstance(typed, str) else None)
        if pick.problem:
            errors[name] = pick.problem
        elif pick.organization:
            ids[name] = pick.organization.id
    return ids, errors


def why_not(check: Callable[[], object]) -> str | None:
    """None when ``check()`` lets the action through, else why it refuses: what a page says in
    place of a control it does not offer, in the words the API would answer with.

    >>> from service.errors import Forbidden
    >>> def refuse() -> None:
    ...     raise Forbidden("the planner role may not assess relationships")
    >>> why_not(refuse), why_not(lambda: None)
    ('the planner role may not assess relationships', None)
    """
    try:
        check()
    except DomainError as error:
        return error.message
    return None
