"""Files fupin makes are its owner's alone: the database, uploads, exports, evidence and
progress files hold personal data, and other local users must not read them.

The console command and the WSGI entry set a umask of 077 before anything else, so every
file and directory the process makes is created private; the helpers here also set the
modes explicitly where fupin creates them, so that code run another way (tests, an
embedding server, a data directory made by an older version) ends up the same.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def private_umask() -> int:
    """Make everything this process creates readable by its owner only."""
    return os.umask(PRIVATE_UMASK)


def private_dir(path: Path | str) -> Path:
    """``mkdir -p`` whose new directories, and ``path`` itself, are 0700."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    path.mkdir(parents=True, exist_ok=True)
    for directory in (*missing, path):
        _chmod(directory, DIR_MODE)
    return path


def private_file(path: Path | str) -> None:
    """Make an existing file 0600 (a missing one is left missing)."""
    _chmod(Path(path), FILE_MODE)


def open_private(path: Path | str, mode: str = "wb", **kwargs: Any) -> IO[Any]:
    """``open(path, mode)`` for writing, the file created (or truncated) with mode 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # it may have existed with wider rights
    return os.fdopen(fd, mode, **kwargs)


def write_private(path: Path | str, data: bytes | str, encoding: str = "utf-8") -> None:
    raw = data.encode(encoding) if isinstance(data, str) else data
    with open_private(path, "wb") as handle:
        handle.write(raw)


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.stat().st_uid == os.getuid():
            path.chmod(mode)
    except FileNotFoundError:
        pass


def private_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On each new SQLite connection: the database and its WAL files are 0600 (SQLite
    gives the WAL files the database file's rights, so they stay private after)."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        private_file(name + suffix)
