"""Each service's migrations form one line: a single head. Two changes made side by side that both start from
the same revision leave two heads, and `alembic upgrade head` then refuses to run, so every database of that
service fails to migrate; this finds it before any service test does."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = sorted(ROOT.glob("services/*/src/seteli_*/migrations"))


def _heads(directory: Path) -> list[str]:
    config = Config()
    config.set_main_option("script_location", str(directory))
    return list(ScriptDirectory.from_config(config).get_heads())


def test_every_service_has_migrations() -> None:
    assert {m.parts[-2] for m in MIGRATIONS} >= {"seteli_registry", "seteli_applications", "seteli_vouchers",
                                                  "seteli_events", "seteli_settlement", "seteli_notifications"}


@pytest.mark.parametrize("directory", MIGRATIONS, ids=lambda m: m.parts[-2])
def test_the_migrations_have_one_head(directory: Path) -> None:
    heads = _heads(directory)
    assert len(heads) == 1, f"{directory.parts[-2]}: {len(heads)} heads {heads}: chain one after the other"


def test_two_revisions_from_the_same_parent_are_two_heads(tmp_path: Path) -> None:
    versions = tmp_path / "versions"
    versions.mkdir()
    (tmp_path / "script.py.mako").write_text("")
    for name, parent in (("a1", None), ("b2", "a1"), ("c3", "a1")):
        (versions / f"{name}_m.py").write_text(f"revision = {name!r}\ndown_revision = {parent!r}\n"
                                               "branch_labels = None\ndepends_on = None\n")
    assert sorted(_heads(tmp_path)) == ["b2", "c3"]
