"""A local HTTP server that answers the way a hostile or broken one does: a body of hundreds of
megabytes, a body trickled a byte at a time, a gzip bomb. It listens on 127.0.0.1 only, runs in the
test's event loop, and every answer is bounded in bytes and in time."""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

HUGE = 200 * 1024 * 1024
TRICKLE_BYTES, TRICKLE_EVERY = 60, 0.5
CHUNK = b"x" * (64 * 1024)


def _bomb(size: int = 100 * 1024 * 1024) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    return b"".join(squeeze.compress(zeros) for _ in range(size // len(zeros))) + squeeze.flush()


@dataclass
class Hostile:
    """``mode``: huge, trickle or bomb; ``status`` of every answer."""

    mode: str
    status: int = 200
    served: list[int] = field(default_factory=list)  # bytes written per answer
    url: str = ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sent = 0
        try:
            await _request(reader)
            head = f"HTTP/1.1 {self.status} X\r\nContent-Type: application/json\r\nConnection: close\r\n"
            if self.mode == "huge":
                writer.write(f"{head}Content-Length: {HUGE}\r\n\r\n".encode())
                while sent < HUGE:
                    writer.write(CHUNK)
                    await writer.drain()
                    sent += len(CHUNK)
            elif self.mode == "trickle":
                writer.write(f"{head}Content-Length: {TRICKLE_BYTES}\r\n\r\n".encode())
                for _ in range(TRICKLE_BYTES):
                    writer.write(b"x")
                    await writer.drain()
                    sent += 1
                    await asyncio.sleep(TRICKLE_EVERY)
            elif self.mode == "bomb":
                bomb = _bomb()
                writer.write(f"{head}Content-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n".encode())
                writer.write(bomb)
                await writer.drain()
                sent = len(bomb)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.served.append(sent)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def _request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    if length:
        await reader.readexactly(length)


@contextlib.asynccontextmanager
async def hostile(mode: str, status: int = 200) -> AsyncIterator[Hostile]:
    server_state = Hostile(mode, status)
    server = await asyncio.start_server(server_state._handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server_state.url = f"http://127.0.0.1:{port}"
    try:
        yield server_state
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 5)
