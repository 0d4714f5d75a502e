"""The AssetWatcher trigger on the landing zone's `.ready` markers.

Airflow's `FileDeleteTrigger` / `DirectoryFileDeleteTrigger` watch one fixed file name
and delete it; producers here name a marker after each file (`<file>.ready`). This
trigger fires when any marker of its folder appears, claims it (renames it
`<file>.queued`, see `ingest.markers`) so that it does not fire twice, and yields the
claimed names (they reach the asset event's extra as `payload`). The triggerer restarts
it after each event.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, AsyncIterator

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from ingest.markers import claim_ready_markers


class LandingMarkerTrigger(BaseEventTrigger):
    def __init__(self, *, directory: str, poke_interval: float = 5.0) -> None:
        super().__init__()
        self.directory = directory
        self.poke_interval = poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("ingest.triggers.LandingMarkerTrigger",
                {"directory": self.directory, "poke_interval": self.poke_interval})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        while True:
            claimed = await asyncio.to_thread(claim_ready_markers, Path(self.directory))
            if claimed:
                self.log.info("claimed %d marker(s) in %s: %s", len(claimed), self.directory, claimed)
                yield TriggerEvent({"directory": self.directory, "files": claimed})
                return
            await asyncio.sleep(self.poke_interval)
