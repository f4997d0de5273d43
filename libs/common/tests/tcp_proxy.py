"""A small TCP proxy for tests: lets a test make the broker unreachable and bring it back."""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, listen_port: int = 0,
                 answer_delay: float = 0.0) -> None:
        self.target = (target_host, target_port)
        self.answer_delay = answer_delay  # a slow broker: its first answer on a connection comes this late
        self.port = listen_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._answering = asyncio.Event()  # cleared by hold_answers: the broker 'freezes' for the client
        self._answering.set()

    def hold_answers(self) -> None:
        """What the broker sends is held back (connections stay open) until `release_answers`."""
        self._answering.clear()

    def release_answers(self) -> None:
        self._answering.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Refuse new connections and reset the open ones: the broker is 'down'."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update({writer, up_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, delay: float = 0.0,
                       gate: asyncio.Event | None = None) -> None:
            with contextlib.suppress(Exception):
                first = True
                while data := await src.read(65536):
                    if first and delay:
                        await asyncio.sleep(delay)
                    first = False
                    if gate is not None:
                        await gate.wait()
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer, self.answer_delay, self._answering))
        self._writers.difference_update({writer, up_writer})
