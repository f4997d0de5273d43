"""External systems behind interfaces: each has a fake (embedded mode, tests) and a real client."""

from __future__ import annotations

from dataclasses import dataclass

from .blobstore import BlobStore
from .company_register import CompanyRegister
from .identity import IdentityProvider
from .liability import LiabilityChecker
from .mandates import MandateProvider


@dataclass
class Adapters:
    company_register: CompanyRegister
    liability: LiabilityChecker
    identity: IdentityProvider
    mandates: MandateProvider
    blobs: BlobStore
