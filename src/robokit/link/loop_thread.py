"""An asyncio event loop in a background thread, for blocking code that drives async code.

bleak and the targets are async; ``NusLink`` and ``targets.Brick`` offer blocking calls.
Each owns a :class:`LoopThread`: coroutines are submitted to its loop from the caller's
thread, and :meth:`LoopThread.stop` ends the loop and closes it once its thread is gone.

Pure standard library; imports nothing of robokit.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["LoopThread"]


class LoopThread:
    """A new event loop, run forever by a daemon thread named ``name``."""

    def __init__(self, name: str):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        """Run ``coro`` on the loop; its future, for the calling thread to wait on."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def running(self) -> bool:
        return self.loop.is_running()

    def alive(self) -> bool:
        return self.thread.is_alive()

    def stop(self, join: float = 5.0) -> None:
        """Stop the loop, wait up to ``join`` seconds for its thread, and close the loop if
        the thread has ended (again: nothing more)."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(join)
        if not self.thread.is_alive():
            self.loop.close()
