"""What every applications use case gets: the kernel's unit of work (seteli_common.context), the signer and the
writes the request follows."""

from __future__ import annotations

from dataclasses import dataclass, field

from seteli_common.consistency import After
from seteli_common.context import ServiceContext

from .signing import Signer


@dataclass(kw_only=True)
class ApplicationsContext(ServiceContext):
    signer: Signer
    # The writes of other services the request says it follows (`Seteli-After`): a site added a moment ago.
    after: After = field(default_factory=After)
