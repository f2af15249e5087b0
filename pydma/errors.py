"""Errors raised by pydma, carrying the errno a kernel call would return."""

from __future__ import annotations

import errno as _errno

EINVAL = -_errno.EINVAL
ENODEV = -_errno.ENODEV
ENOMEM = -_errno.ENOMEM
ENOSYS = -_errno.ENOSYS
ENXIO = -_errno.ENXIO
EPERM = -_errno.EPERM
EBUSY = -_errno.EBUSY
EIO = -_errno.EIO
ETIMEDOUT = -_errno.ETIMEDOUT


class DmaError(Exception):
    """A dmaengine call failed; `errno` is the negative errno the kernel would return."""

    def __init__(self, errno: int, message: str) -> None:
        super().__init__(f"{message} ({_errno.errorcode.get(-errno, errno)})")
        self.errno = errno


class DmaApiMisuse(DmaError):
    """The caller broke an API rule the kernel would WARN or BUG on (double submit,
    use of a released channel, sleeping call in atomic context, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__(EINVAL, message)


class DeadlockError(DmaApiMisuse):
    """A non-reentrant channel lock was taken twice: in the kernel, a deadlock."""
