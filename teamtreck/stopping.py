"""How `teamtreck up`'s demo fill ends promptly on Ctrl-C.

The fill writes a day with a pool of threads, and Python finishes every task queued in a pool
before it exits: without this, Ctrl-C waited until the whole day was written (tens of seconds
on S3). Once `up` is stopping, the fill's writes raise `Stopping`, so each queued task ends at
its first file. The day is not marked done, and the next `up --demo` writes it again.
"""

from __future__ import annotations

import threading

from lakehouse.storage import Store


class Stopping(Exception):
    """`teamtreck up` is stopping; the interrupted work is redone on its next start."""


class StopAwareStore(Store):
    """The same lake as `store`; `put_bytes` refuses once `stop` is set."""

    def __init__(self, store: Store, stop: threading.Event) -> None:
        super().__init__(store.fs, store.root, store.url)
        self.stop = stop

    def put_bytes(self, rel_path: str, data: bytes, durable: bool = True) -> None:
        if self.stop.is_set():
            raise Stopping(f"not writing {rel_path!r}: teamtreck up is stopping")
        super().put_bytes(rel_path, data, durable)
