"""Manual gates (``/gate/...``, ``/rollback/...``), kept in a JSON file so they survive a restart."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


class GateStore:
    """Open/closed state per key (``name.namespace`` or ``rollback.name.namespace``); closed by default."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.open: set[str] = set()
        if path is not None and path.exists():
            try:
                self.open = set(json.loads(path.read_text()).get("open", []))
            except (OSError, ValueError):
                self.open = set()  # a corrupt file means every gate closed: the safe default

    def is_open(self, key: str) -> bool:
        return key in self.open

    def set(self, key: str, is_open: bool) -> None:
        if is_open:
            self.open.add(key)
        else:
            self.open.discard(key)
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".gates-")
        with os.fdopen(fd, "w") as handle:
            json.dump({"open": sorted(self.open)}, handle)
        os.replace(temp, self.path)
