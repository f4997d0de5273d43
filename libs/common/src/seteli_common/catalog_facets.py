"""The public catalog's search facets: the needs, types of support and service languages a company can
give as its search information (registry), and what the catalog's filters and the company's own page
offer and name (portal, fi/sv). One list, so a company can always choose what residents filter on.

Areas are not a list: a company names its operating areas (towns) and the catalog's area filter also
matches the towns and postcodes of the company and its sites. Values are stored lower-case."""

from __future__ import annotations

from typing import Final, Literal, get_args

# what the resident needs help with ("Mihin etsit tukea?"), in the order offered
NEEDS: Final[tuple[str, ...]] = (
    "kotihoito", "kotisairaanhoito", "palveluasuminen", "omaishoito", "siivous", "ateriapalvelu",
    "kuntoutus", "mielenterveys", "vammaisuus", "lapsiperheet",
)

# how the support is given ("Millaista tukea etsit?")
SUPPORT_TYPES: Final[tuple[str, ...]] = (
    "kotikaynti", "asumispalvelu", "paivatoiminta", "lyhytaikainen_hoito", "ryhmatoiminta", "vertaistuki",
    "neuvonta", "kuljetus", "etapalvelu",
)

ServiceLanguage = Literal["fi", "sv", "en", "ru", "se"]
SERVICE_LANGUAGES: Final[tuple[str, ...]] = get_args(ServiceLanguage)
