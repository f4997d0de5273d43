"""What the API modules share (and import none of them): the runtime and settlement's process-level
dependencies of the request's app."""

from __future__ import annotations

from fastapi import Request
from seteli_common.runtime import ServiceRuntime

from .deps import SettlementDeps


def service_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def settlement_deps(request: Request) -> SettlementDeps:
    deps: SettlementDeps = service_runtime(request).extras["deps"]
    return deps
