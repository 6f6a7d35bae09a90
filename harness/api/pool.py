"""A small pool of database connections for the API's worker threads.

A connection goes back to the pool only after a clean request (a business error is clean: the
procedure rolled back its own work); after any other failure it is closed, so a broken
connection is never handed out twice.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Iterator

from ..db import DatabaseUrl, connect
from ..errors import BusinessError


class ConnectionPool:
    def __init__(self, url: DatabaseUrl, size: int = 8):
        self.url = url
        self.idle: queue.LifoQueue = queue.LifoQueue(maxsize=size)

    @contextlib.contextmanager
    def connection(self) -> Iterator:
        try:
            conn = self.idle.get_nowait()
            if not conn.is_connected():
                conn = connect(self.url)
        except queue.Empty:
            conn = connect(self.url)
        try:
            yield conn
        except BusinessError:
            self._give_back(conn)
            raise
        except BaseException:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        else:
            self._give_back(conn)

    def _give_back(self, conn) -> None:
        try:
            self.idle.put_nowait(conn)
        except queue.Full:
            conn.close()

    def close(self) -> None:
        while True:
            try:
                self.idle.get_nowait().close()
            except queue.Empty:
                return
