"""The attachment types of the platform: what a company can upload (registry), what a tenant's service can
require (applications) and what the portal offers and names (fi/sv). One list, so a service can never
require a type that cannot be uploaded (the demo's sheltered housing once did: its applications could
never be sent). Order: as the portal offers them."""

from __future__ import annotations

from typing import Final

ATTACHMENT_TYPES: Final[tuple[str, ...]] = (
    "trade_register_extract", "prepayment_register", "tyel_certificate", "yel_certificate",
    "tax_payment_certificate", "liability_insurance", "accident_insurance", "collective_agreement",
    "occupational_health_care", "avi_valvira_licence", "avi_valvira_register_certificate", "staff_list",
    "medication_plan", "self_monitoring_plan", "service_description", "rescue_plan", "fire_authority_statement",
    "data_protection_statement", "annual_report", "action_plan", "other",
)
