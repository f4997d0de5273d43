"""A company's producer parts (domain.md "tuottajanosa") as the portal offers them: by kind, each by name."""

from __future__ import annotations

PART_KINDS = ("site", "unit", "employee")


def grouped(parts: dict[str, str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Producer parts ("site:<id>", "unit:<name>", "employee:<id>" -> name) by kind, each kind by name."""
    groups = []
    for kind in PART_KINDS:
        found = sorted(((part, name) for part, name in parts.items() if part.startswith(f"{kind}:")),
                       key=lambda item: (item[1].casefold(), item[0]))
        if found:
            groups.append((kind, found))
    return groups
