"""Named, supervised background tasks: crashes are logged, restarted with backoff, cancelled on stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

CoroFactory = Callable[[], Coroutine[Any, Any, None]]


class TaskSupervisor:
    """Owns the background tasks of one component."""

    def __init__(self, owner: str) -> None:
        self._owner = owner
        self._log = logging.getLogger(f"printedge.{owner}")
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.crashes: dict[str, int] = {}

    def spawn(self, name: str, factory: CoroFactory, *, restart: bool = False, max_backoff: float = 30.0) -> None:
        """Start a task; with restart, a crash is retried after a capped exponential backoff."""
        if name in self._tasks and not self._tasks[name].done():
            raise RuntimeError(f"task {self._owner}.{name} is already running")
        coro = self._supervise(name, factory, max_backoff) if restart else self._once(name, factory)
        self._tasks[name] = asyncio.create_task(coro, name=f"{self._owner}.{name}")

    def running(self, name: str) -> bool:
        """Whether the named task is alive."""
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def names(self) -> list[str]:
        """The names of the tasks alive now."""
        return [name for name, task in self._tasks.items() if not task.done()]

    async def cancel(self, name: str) -> None:
        """Cancel one task and wait for it to finish."""
        task = self._tasks.pop(name, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def cancel_all(self) -> None:
        """Cancel every task, newest first."""
        for name in reversed(list(self._tasks)):
            await self.cancel(name)

    async def _once(self, name: str, factory: CoroFactory) -> None:
        try:
            await factory()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a supervisor must log whatever killed its task
            self.crashes[name] = self.crashes.get(name, 0) + 1
            self._log.exception("task %s.%s crashed", self._owner, name)

    async def _supervise(self, name: str, factory: CoroFactory, max_backoff: float) -> None:
        backoff = 0.5
        while True:
            try:
                await factory()
                return
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a supervisor must log whatever killed its task
                self.crashes[name] = self.crashes.get(name, 0) + 1
                self._log.exception("task %s.%s crashed; restarting in %.1f s", self._owner, name, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, max_backoff)
