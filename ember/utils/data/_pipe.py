"""Length-prefixed messages from one worker to the main process over that worker's own pipe.

Why not a shared ``multiprocessing.Queue``: a worker killed in the middle of writing a large batch leaves the
queue's write lock held and a half-written message that the reader then waits on forever, and ``get(timeout=...)``
only bounds the wait for the first byte. Here every worker owns one pipe, and the main process reads it without
blocking, a chunk at a time, so it can watch the workers' process sentinels and the timeout between chunks.
"""
from __future__ import annotations

import io
import os
import struct
from multiprocessing.reduction import ForkingPickler

_HEADER = struct.Struct("<Q")
_CHUNK = 1 << 20


def send_message(fd: int, obj) -> None:
    """Pickle ``obj`` and write it, length first, to the blocking pipe end ``fd``."""
    payload = ForkingPickler.dumps(obj)
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view):]


class MessageReader:
    """Non-blocking reader of one pipe: collects bytes as they arrive and hands back whole messages."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self._file = io.FileIO(fd, "rb", closefd=True)
        self._header = bytearray()
        self._body: bytearray | None = None
        self._filled = 0

    def fileno(self) -> int:
        return self._file.fileno()

    def read_available(self) -> list:
        """Every message completed by the bytes readable now, without waiting for more."""
        messages = []
        while True:
            if self._body is None:
                chunk = self._file.read(_HEADER.size - len(self._header))
                if not chunk:
                    return messages
                self._header += chunk
                if len(self._header) == _HEADER.size:
                    self._body = bytearray(_HEADER.unpack(self._header)[0])
                    self._filled = 0
                    self._header.clear()
                continue
            if self._filled < len(self._body):
                got = self._file.readinto(memoryview(self._body)[self._filled:self._filled + _CHUNK])
                if not got:
                    return messages
                self._filled += got
            if self._filled == len(self._body):
                messages.append(ForkingPickler.loads(self._body))
                self._body = None

    def close(self) -> None:
        self._file.close()
