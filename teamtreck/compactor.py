"""Compaction for `teamtreck up`: `teamtreck lake compact` in a child process, on a schedule and
after each demo day, one run at a time.

A child rather than a thread: compaction reads landing files with a pool of threads, and Python
finishes every task queued in a pool before the process exits, so a run in `up`'s own process
held Ctrl-C for as long as reading a partition took (30 s and more on S3). A child is simply
ended; compaction is safe to cut short (nothing is counted twice) and the next run goes on.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading

from teamtreck.stopping import Stopping
from teamtreck.supervisor import teamtreck_argv

log = logging.getLogger(__name__)


class CompactionFailed(RuntimeError):
    """`teamtreck lake compact` exited with an error; the message has its output."""


class Compactor:
    """Runs compaction children until `stop` is set; `end()` ends the one running."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self._lock = threading.Lock()  # the schedule and the demo fill share one compaction
        self._child: subprocess.Popen[str] | None = None

    def run(self) -> None:
        """Compact what is new in the lake; raises `Stopping` when `up` stops meanwhile."""
        with self._lock:
            if self.stop.is_set():
                raise Stopping("not compacting: teamtreck up is stopping")
            child = subprocess.Popen(
                teamtreck_argv("lake", "compact"),
                env=dict(os.environ),  # the lake, key store and S3 settings `up` resolved
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,  # Ctrl-C reaches `up`, which ends the child itself
            )
            self._child = child
            if self.stop.is_set():  # `end()` may have looked just before the child existed
                child.terminate()
            output, errors = child.communicate()
            self._child = None
        if self.stop.is_set():
            raise Stopping("compaction ended: teamtreck up is stopping")
        if child.returncode != 0:
            raise CompactionFailed(
                f"teamtreck lake compact exited with code {child.returncode}: "
                f"{errors.strip()[-2000:]}"
            )
        log.info("compaction: %s", "; ".join(output.split("\n")).strip("; "))

    def every(self, seconds: float) -> None:
        """Compact every `seconds` until `stop` is set (the body of a background thread)."""
        while not self.stop.wait(seconds):
            try:
                self.run()
            except Stopping:
                return
            except CompactionFailed as e:  # e.g. another job holds the lake's lease: it says so
                log.warning("%s; retrying in %s s", e, seconds)
            except Exception:  # a failed run is retried on the next tick; never take `up` down
                log.exception("compaction failed; retrying in %s s", seconds)

    def end(self) -> None:
        """End the run in progress at once (`up` is stopping)."""
        child = self._child
        if child is not None and child.poll() is None:
            child.terminate()
