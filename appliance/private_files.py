"""Files that hold patient data (the store, recordings, exports, backups): nothing for other users.

The owner and the group (`appliance`, which the front desk's login is in) keep their access;
other users of the machine get none, whatever the umask of whoever started the program.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO, Any

OTHERS = 0o007  # the permission bits of 'other'
FILE_MODE = 0o660
DIR_MODE = 0o770


def restrict_umask() -> int:
    """From now on this process creates nothing other users may use (the umask gains 007);
    returns the previous umask. The umask is per process: call it before threads start."""
    old = os.umask(0)
    os.umask(old | OTHERS)
    return old


def private_dir(path: Path) -> Path:
    """`path` as a folder, created (with its parents) if missing; one it creates is 0770 at most."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    return path


def make_private(path: Path) -> None:
    """Take every permission of 'other' from `path` if it exists and this user owns it (a file
    of another user, such as the service's store opened by the front desk, is left as it is)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & OTHERS:
            os.chmod(path, mode & ~OTHERS)
    except (FileNotFoundError, PermissionError):
        pass


def create_private(path: Path) -> None:
    """Create `path` empty (0660 at most) unless it exists; an existing one loses 'other' access."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        make_private(path)


def open_private(path: Path, mode: str = "wb", **kwargs: Any) -> IO[Any]:
    """`open(path, mode)` for writing a file no other user may read."""
    create_private(path)
    return open(path, mode, **kwargs)  # noqa: SIM115 - the caller closes it


def write_private(path: Path, data: bytes | str) -> None:
    """Write `data` (text as UTF-8, newlines as they are) to a file no other user may read."""
    with open_private(path, "wb") as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)
