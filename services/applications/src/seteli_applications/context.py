"""What every applications use case gets: the kernel's unit of work (seteli_common.context) and the signer."""

from __future__ import annotations

from dataclasses import dataclass

from seteli_common.context import ServiceContext

from .signing import Signer


@dataclass(kw_only=True)
class ApplicationsContext(ServiceContext):
    signer: Signer
