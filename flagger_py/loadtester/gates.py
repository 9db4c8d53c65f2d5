"""Manual gates (``/gate/...``, ``/rollback/...``), kept in a JSON file so they survive a restart.

The file holds ``{"open": ["name.namespace", "rollback.name.namespace", ...]}``. A file that cannot
be read, is not JSON or has another shape is reported in the log (the file, and the shape expected)
and the service starts with every gate closed, the safe default. The file is left as it is until a
gate changes; then it is moved aside to ``<file>.invalid`` and the new state written in its place.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from flagger_py.loadtester.payload import kind_of

log = logging.getLogger(__name__)

SHAPE = '{"open": ["name.namespace", "rollback.name.namespace", ...]}'


class GateFileError(Exception):
    """The gate file could not be written: the change was not made."""


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return f"it holds {kind_of(data)}, not an object"
    opened = data.get("open", [])
    if not isinstance(opened, list):
        return f'its "open" is {kind_of(opened)}, not an array of strings'
    odd = next((kind_of(key) for key in opened if not isinstance(key, str)), None)
    return None if odd is None else f'its "open" holds {odd}, not only strings'


class GateStore:
    """Open/closed state per key (``name.namespace`` or ``rollback.name.namespace``); closed by default."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.open: set[str] = set()
        self.invalid = False  # the file at ``path`` was not used: move it aside before writing
        self._lock = asyncio.Lock()
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            self._refuse(path, f"cannot be read ({exc.strerror or exc})")
            return
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError) as exc:
            self._refuse(path, f"is not JSON ({type(exc).__name__}: {str(exc)[:120]})")
            return
        problem = _shape_problem(data)
        if problem is not None:
            self._refuse(path, f"has the wrong shape: {problem}")
            return
        self.open = set(data.get("open", []))

    def _refuse(self, path: Path, problem: str) -> None:
        self.invalid = True
        log.error(
            "the gate file %s %s; starting with every gate closed. Expected %s. The file is kept "
            "until a gate changes, then moved to %s.invalid",
            path,
            problem,
            SHAPE,
            path.name,
            extra={"file": str(path)},
        )

    def is_open(self, key: str) -> bool:
        return key in self.open

    async def set(self, key: str, is_open: bool) -> None:
        """Open or close ``key`` and write the file; GateFileError (and no change) if it cannot be written."""
        was_open = key in self.open
        if is_open:
            self.open.add(key)
        else:
            self.open.discard(key)
        if self.path is None:
            return
        async with self._lock:  # one write at a time, each of the state as it is then
            try:
                await asyncio.to_thread(self._write, self.path, sorted(self.open))
            except OSError as exc:
                if was_open:
                    self.open.add(key)
                else:
                    self.open.discard(key)
                raise GateFileError(f"cannot write the gate file {self.path}: {exc.strerror or exc}") from exc

    def _write(self, path: Path, opened: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.invalid and path.is_file():
            aside = path.with_name(path.name + ".invalid")
            os.replace(path, aside)
            log.warning("moved the unusable gate file aside", extra={"file": str(path), "to": str(aside)})
        self.invalid = False
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".gates-")
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump({"open": opened}, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
