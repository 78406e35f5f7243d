"""Domain errors. The API layer maps each to one HTTP status in a single handler."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user can cause or meet; its message is shown as-is."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The thing named in the path does not exist."""

    status_code = 404


class InvalidReference(DomainError):
    """The body names something that does not exist (an unknown organization or sector)."""

    status_code = 422


class InvalidInput(DomainError):
    """The input is well-formed but not acceptable."""

    status_code = 422


class Conflict(DomainError):
    """The write would clash with what is stored: a duplicate id, a pair already related."""

    status_code = 409


class Unauthenticated(DomainError):
    """No token, or a token that is not known."""

    status_code = 401


class Forbidden(DomainError):
    """The token is known, but its role may not do this."""

    status_code = 403


class StoreUnavailable(DomainError):
    """The store cannot be reached right now."""

    status_code = 503


class TooManyAttempts(DomainError):
    """A client sent too many wrong tokens and is refused for a while."""

    status_code = 429


def describe_validation_errors(errors: object) -> str:
    """One readable sentence per problem, e.g. ``body.state: Input should be 'green', ...``.

    >>> describe_validation_errors([{"loc": ("query", "limit"), "msg": "too big"}])
    'query.limit: too big'
    """
    problems = []
    for error in errors if isinstance(errors, list) else []:
        where = ".".join(str(part) for part in error.get("loc", ()))
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems) or "the request is not valid"
