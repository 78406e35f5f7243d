"""Several workers share one listening socket; their connections answer without delay."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import uvicorn
import uvloop

from service.serving import listening_socket

EVENT_LOOPS = {"uvloop": uvloop.new_event_loop, "asyncio": asyncio.SelectorEventLoop}
"""The loop each worker runs (uvicorn's choice when uvloop is installed), and asyncio's own
(named, since uvicorn may have made uvloop the default of this process)."""


def nagle_off_on_connections_accepted_by(
    sock: socket.socket, new_loop: Callable[[], asyncio.AbstractEventLoop]
) -> bool:
    """Whether a connection accepted through ``sock`` on a loop of ``new_loop`` (as each
    worker accepts) has ``TCP_NODELAY`` set, so that small answers leave at once."""

    async def accept_one() -> bool:
        loop = asyncio.get_running_loop()
        accepted: asyncio.Future[int] = loop.create_future()

        class Accepted(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                peer = transport.get_extra_info("socket")
                accepted.set_result(peer.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await loop.create_server(Accepted, sock=sock)
        _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
        try:
            return bool(await asyncio.wait_for(accepted, 10))
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    def run_on_new_loop() -> bool:
        with asyncio.Runner(loop_factory=new_loop) as runner:
            return runner.run(accept_one())

    # in a thread of its own: the suite's browser tests may hold an event loop in this one
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(run_on_new_loop).result()


@pytest.mark.parametrize("loop", EVENT_LOOPS)
def test_connections_accepted_on_the_workers_socket_send_answers_without_waiting(loop: str):
    assert nagle_off_on_connections_accepted_by(listening_socket("127.0.0.1", 0), EVENT_LOOPS[loop])


def test_the_socket_uvicorn_binds_for_workers_still_leaves_connections_on_asyncio_waiting():
    """Why the workers' sockets name TCP, though uvloop (which they run) turns Nagle's
    algorithm off by itself: on asyncio's own loop, which uvicorn falls back to without
    uvloop, connections accepted on the socket uvicorn binds still wait. When this fails,
    uvicorn binds a TCP socket itself."""
    config = uvicorn.Config("service.app:app_from_environment", host="127.0.0.1", port=0)
    assert not nagle_off_on_connections_accepted_by(config.bind_socket(), EVENT_LOOPS["asyncio"])
