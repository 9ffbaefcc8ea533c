"""SQLite writers take turns here before they take SQLite's own write lock.

SQLite's busy handler makes a waiting writer sleep (1, 2, 5 ... 100 ms) and look again, so under load
writers sleep through the moments the lock is free: with 32 requests in flight on one server, some waited the
whole busy timeout while the database sat idle. Two queues replace that wait:

- inside a process, threads queue first come first served, and a finished turn is handed to the next at once;
- between processes (server workers, the outbox worker, the CLI), the thread at the head of each process's
  queue takes an exclusive ``flock`` on a file beside the database, looking again every 0.1 ms.

The look is short because the holder's next local writer needs about as long to reach the file lock as a
waiting process needs to notice it free: a slower look lets one worker keep the database while the other's
requests starve. Both waits end at the lock timeout, so a writer still gets its contention answer in time.

A turn belongs to a connection, from its BEGIN IMMEDIATE until it goes back to the pool, so one
transaction's COMMIT is finished before the next begins.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections import deque
from typing import IO

# Between looks at the file lock. Only the head of each process's queue looks, so this costs little.
_LOOK_EVERY_S = 0.0001


class WriterQueue:
    def __init__(self, database_path: str, timeout_s: float) -> None:
        self._gate_path = database_path + ".writers"
        self._timeout_s = timeout_s
        self._mutex = threading.Lock()
        self._waiting: deque[tuple[threading.Event, object]] = deque()
        self._holder: object | None = None
        self._gate: IO[bytes] | None = None
        self._gate_pid = 0

    def take(self, connection: object) -> bool:
        """Wait for ``connection``'s turn; False when the lock timeout passed first."""
        deadline = time.monotonic() + self._timeout_s
        if not self._take_local(connection):
            return False
        if self._take_gate(deadline):
            return True
        self.give_back(connection, gate_held=False)
        return False

    def give_back(self, connection: object, *, gate_held: bool = True) -> None:
        with self._mutex:
            if self._holder is not connection:
                return
            if gate_held and self._gate is not None:
                fcntl.flock(self._gate, fcntl.LOCK_UN)
            self._holder = None
            if self._waiting:
                turn, self._holder = self._waiting.popleft()
                turn.set()

    def _take_local(self, connection: object) -> bool:
        with self._mutex:
            if self._holder is connection:
                return True
            if self._holder is None and not self._waiting:
                self._holder = connection
                return True
            place = (threading.Event(), connection)
            self._waiting.append(place)
        if place[0].wait(self._timeout_s):
            return True
        with self._mutex:
            if self._holder is connection:  # handed over just as the wait ran out
                return True
            self._waiting.remove(place)
        return False

    def _take_gate(self, deadline: float) -> bool:
        gate = self._open_gate()
        while True:
            try:
                fcntl.flock(gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(_LOOK_EVERY_S)

    def _open_gate(self) -> IO[bytes]:
        # A forked child must not share its parent's open file: flock would count them as one holder.
        if self._gate is None or self._gate_pid != os.getpid():
            self._gate = open(self._gate_path, "ab")  # noqa: SIM115 - held open for the engine's life
            self._gate_pid = os.getpid()
        return self._gate
