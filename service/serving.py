"""Serving the app from several worker processes, each listening on a socket of its own.

Each worker binds the service's port with ``SO_REUSEPORT``, and the kernel hands each new
connection to one of them by a hash of its addresses. With one socket shared by every worker,
whichever worker woke first took the connection: 32 connections opened at once went 1 and 31,
3 and 29, at best 12 and 20 to two idle workers; and a kept-alive connection stays with the
worker that took it. The serving process binds the port first without listening on it, to
hold it (and to learn it when ``port`` is 0) while workers come and go.

uvicorn's own ``workers=N`` path binds the socket without naming TCP as its protocol; the
connections it accepts inherit that, and asyncio then leaves Nagle's algorithm on, so every
answer on a kept-alive connection after the first waits about 40 ms for the client's delayed
acknowledgement (uvicorn issue 3149, open in the version pinned here). The sockets bound here
name TCP, so each worker's connections get ``TCP_NODELAY`` as a single process's do (uvloop,
which the workers run when it is installed, sets it by itself).

uvicorn runs each worker on uvloop and parses HTTP with httptools, both installed with the
service: a kept typical eco-map then costs its worker 0.55-0.65 ms of CPU instead of
0.75-0.76 ms with asyncio and h11 (statewide, one worker, three runs each).
"""

from __future__ import annotations

import socket
from functools import partial

import uvicorn
from uvicorn.supervisors import Multiprocess

from service.errors import InvalidInput


def listening_socket(host: str, port: int, *, shared: bool = True) -> socket.socket:
    """A TCP socket bound to ``host`` and ``port``, whose accepted connections asyncio
    recognises as TCP (and so sends small answers without delay); ``shared``: other sockets
    of this user may bind the port too (``SO_REUSEPORT``).

    >>> sock = listening_socket("127.0.0.1", 0)
    >>> sock.proto == socket.IPPROTO_TCP
    True
    >>> sock.close()
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, int(shared))
    sock.bind((host, port))
    return sock


def hold_port(host: str, port: int) -> socket.socket:
    """A socket holding ``port`` (a free one for 0) for the workers to bind too, not
    listening. A port any other socket holds, even another ``serve``'s, is refused
    (``OSError``, address in use) rather than shared with it."""
    with listening_socket(host, port, shared=False) as alone:
        port = alone.getsockname()[1]
    return listening_socket(host, port)


def serve_on_own_socket(
    server: uvicorn.Server, host: str, port: int, _: list[socket.socket] | None
) -> None:
    """What each worker runs: ``server`` on a socket of its own, bound to ``port``."""
    server.run(sockets=[listening_socket(host, port)])


def serve_workers(app: str, *, workers: int, host: str, port: int) -> None:
    """Serve the app factory ``app`` ("module:function") from ``workers`` processes, which
    uvicorn's supervisor restarts when one dies, until interrupted."""
    config = uvicorn.Config(
        app, factory=True, workers=workers, host=host, port=port, log_level="warning"
    )
    try:
        held = hold_port(host, port)
    except OSError as error:
        raise InvalidInput(f"cannot listen on {host}:{port}: {error.strerror}") from error
    target = partial(serve_on_own_socket, uvicorn.Server(config), host, held.getsockname()[1])
    try:
        Multiprocess(config, target=target, sockets=[]).run()
    except KeyboardInterrupt:
        pass
    finally:
        held.close()
