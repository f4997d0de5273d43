"""One list of attachment types: every type a tenant's service can require is one a company can upload,
the portal offers it and names it in Finnish and Swedish (the demo's sheltered housing once required a
type nobody could upload, so its applications could never be sent)."""

from __future__ import annotations

from seteli_applications.demo import kouvola_services
from seteli_common.attachment_types import ATTACHMENT_TYPES
from seteli_portal.catalog import CATALOG
from seteli_registry.domain import ATTACHMENT_TYPES as REGISTRY_TYPES


def test_the_registry_accepts_every_platform_type_and_no_other() -> None:
    assert REGISTRY_TYPES == frozenset(ATTACHMENT_TYPES) and len(ATTACHMENT_TYPES) == len(set(ATTACHMENT_TYPES))


def test_every_type_is_named_in_finnish_and_swedish_in_the_portal() -> None:
    for code in ATTACHMENT_TYPES:
        fi, sv = CATALOG[f"attachment.type.{code}"]
        assert fi and sv and fi != code and sv != code, code


def test_every_type_the_demo_services_require_can_be_uploaded() -> None:
    required = {item["type"] for service in kouvola_services()
                for items in service["required_attachments"].values() for item in items}
    assert required and required <= set(ATTACHMENT_TYPES), required - set(ATTACHMENT_TYPES)
