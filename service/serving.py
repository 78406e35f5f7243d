"""Serving the app from several worker processes that share one listening socket.

uvicorn's own ``workers=N`` path binds the socket without naming TCP as its protocol; the
connections it accepts inherit that, and asyncio then leaves Nagle's algorithm on, so every
answer on a kept-alive connection after the first waits about 40 ms for the client's delayed
acknowledgement (uvicorn issue 3149, open in the version pinned here). The socket bound here
names TCP, so each worker's connections get ``TCP_NODELAY`` as a single process's do.
"""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host`` and ``port``, whose accepted connections asyncio
    recognises as TCP (and so sends small answers without delay).

    >>> sock = listening_socket("127.0.0.1", 0)
    >>> sock.proto == socket.IPPROTO_TCP
    True
    >>> sock.close()
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve_workers(app: str, *, workers: int, host: str, port: int) -> None:
    """Serve the app factory ``app`` ("module:function") from ``workers`` processes, which
    uvicorn's supervisor restarts when one dies, until interrupted."""
    config = uvicorn.Config(
        app, factory=True, workers=workers, host=host, port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    sock = listening_socket(host, port)
    try:
        Multiprocess(config, target=server.run, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
