"""Issue 16's proof: random tenant-months driven through the real services (embedded suite) agree with the
independent reference model, to the cent: every payee's amount and account, every carried-over amount,
which events go to manual approval, which credits are accepted, every client's co-payment.

CI runs a fixed set of seeds over the features that agree today (`generator.CI_FEATURES`): each feature
alone, then all of them together. The long form runs thousands of histories:

    SETELI_MODEL_HISTORIES=2000 uv run --frozen pytest tests/model -m slow -q -p no:cacheprovider

(`SETELI_MODEL_FEATURES=all` adds the known gaps of `generator.KNOWN_GAPS`, `SETELI_MODEL_SEED` moves
the first seed, `SETELI_MODEL_WITH=a,b` puts those features in every history; at the end it prints how many
histories reached each rule of the newer features). A disagreement fails with the seed, the differences,
and the smallest history that still shows it (shrunk by dropping vouchers, events, interruptions, credits,
re-runs, price changes and months one at a time).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from driver import Runner, embedded_suite
from generator import CI_FEATURES, FEATURES, KNOWN_GAPS, History, generate, smaller
from reference import Outcome, expected
from seteli_common import testing

from seteli.services import SERVICES

# Features that need another to mean anything.
NEEDS = {"site_billing": ("sites",), "across_months": ("interruptions",), "odd_minutes": ("over_limit",),
         "correction": ("credits",), "interruption_approval": ("interruptions",),
         "approval_toggle": ("interruption_approval", "interruptions"), "content_end": ("interruptions",),
         "pays_change": ("interruptions", "credits"), "stay_part": ("interruptions", "sites", "site_billing"),
         "auto_recording": ("voucher_end",)}


def differences(model: Outcome, services: Outcome) -> list[str]:
    out = []
    model_runs, service_runs = model.runs, services.runs
    for i in range(max(len(model_runs), len(service_runs))):
        a = model_runs[i] if i < len(model_runs) else None
        b = service_runs[i] if i < len(service_runs) else None
        if a != b:
            out.append(f"run {i}: model {a}\n        services {b}")
    for name in ("over_limit", "credits_accepted", "co_payments", "early_runs", "interruptions_waiting",
                 "drafts"):
        a, b = getattr(model, name), getattr(services, name)
        if name == "co_payments":  # a breakdown with nothing to pay lists no line: the same as a zero
            a, b = ({k: v for k, v in x.items() if Decimal(v) != 0} for x in (a, b))
        if a != b:
            out.append(f"{name}: model {a}\n        services {b}")
    if set(model.refused) != set(services.refused):
        out.append(f"refused: model {model.refused}\n        services {services.refused}")
    return out


async def shrink(runner: Runner, history: History, budget_seconds: float = 240.0) -> History:
    """The smallest history that still disagrees (greedy; stops at the time budget)."""
    deadline = time.monotonic() + budget_seconds
    current = history
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for candidate in smaller(current):
            if time.monotonic() > deadline:
                break
            try:
                disagrees = bool(differences(expected(candidate), await runner.drive(candidate)))
            except Exception:  # noqa: BLE001 - a variant that breaks the driver is not smaller evidence
                disagrees = False
            if disagrees:
                current = candidate
                improved = True
                break
    return current


async def check(runner: Runner, history: History, *, shrink_budget: float = 240.0) -> str | None:
    """None when the services agree with the model; else a report with the seed and the smallest history."""
    diff = differences(expected(history), await runner.drive(history))
    if not diff:
        return None
    small = await shrink(runner, history, shrink_budget)
    small_diff = differences(expected(small), await runner.drive(small))
    return "\n".join([
        f"DISAGREEMENT seed {history.seed} features {sorted(history.features)}",
        *diff,
        "smallest history that shows it:",
        small.describe(),
        *small_diff,
    ])


# The features of 5 December's merges share one case instead of one each, so that the CI set's time stays
# within a fifth of what it was (measured: 31 cases 202 s; one case each would have made it 1.20 times that).
TOGETHER = ("approval_toggle", "content_end", "pays_change")


# Auto-recording with what it meets most (validity and content ends, a death, open and ended stays, client-paid
# meals, credits): seeds chosen by the model's own counts (142: drafts clipped at a content's and a validity's end;
# 180: none for an open stay), both confirming client by client, correcting one and leaving one unconfirmed.
AUTO_WITH = ("auto_recording", "voucher_end", "interruptions", "across_months", "death", "content_end", "client_pays",
             "credits", "correction")


def ci_cases() -> list[tuple[int, tuple[str, ...]]]:
    """Core alone, each agreeing feature alone (with what it needs; `TOGETHER` in one case), then all of them
    together."""
    cases: list[tuple[int, tuple[str, ...]]] = [(1, ()), (2, ())]
    for n, feature in enumerate(f for f in CI_FEATURES if f not in TOGETHER):
        cases.append((100 + n, (feature, *NEEDS.get(feature, ()))))
    together = [f for f in CI_FEATURES if f in TOGETHER]
    if together:
        cases.append((130, tuple(dict.fromkeys([*together, *(n for f in together for n in NEEDS.get(f, ()))]))))
    if "auto_recording" in CI_FEATURES:
        cases += [(142, AUTO_WITH), (180, AUTO_WITH)]
    # four all-features seeds in CI (eight until 7 December: CI had reached its 30 minutes); the long form runs
    # thousands (README)
    cases += [(200 + n, CI_FEATURES) for n in range(4)]
    return cases


@pytest.fixture(scope="module")
async def runner() -> AsyncIterator[Runner]:
    async with embedded_suite() as r:
        yield r


@pytest.mark.parametrize(("seed", "features"), ci_cases(),
                         ids=[f"{s}-{'+'.join(f) or 'core'}" for s, f in ci_cases()])
async def test_services_pay_what_the_model_says(runner: Runner, seed: int, features: tuple[str, ...]) -> None:
    report = await check(runner, generate(seed, features), shrink_budget=120.0)
    assert report is None, report


def test_known_gaps_name_their_finding() -> None:
    """Every gap is a feature the generator knows and names the issue finding it waits for."""
    assert set(KNOWN_GAPS) <= set(FEATURES)
    assert all("finding" in why for why in KNOWN_GAPS.values())
    assert not set(KNOWN_GAPS) & set(CI_FEATURES)


@pytest.mark.integration
async def test_services_on_postgresql_and_rabbitmq_pay_what_the_model_says(pg_admin_url: str) -> None:
    """The same comparison with each service on its own PostgreSQL database (as its row-level-security
    role) and every event over RabbitMQ (a vhost of its own); the services run in this process so that
    the clock can be set month by month."""
    base = testing.amqp_base_url()
    if base is None:
        if os.environ.get("SETELI_REQUIRE_INTEGRATION") == "1":
            pytest.fail(testing.SKIP_REASON_AMQP)
        pytest.skip(testing.SKIP_REASON_AMQP)
    assert base is not None
    vhost = testing.create_vhost(base)
    urls = {name: await testing.create_database(pg_admin_url) for name in SERVICES}
    try:
        async with embedded_suite(urls, vhost) as runner:
            # one history in CI (300 and 301 until 7 December); SETELI_MODEL_PG_SEEDS=300,301,302 runs more
            for seed in (int(s) for s in os.environ.get("SETELI_MODEL_PG_SEEDS", "300").split(",")):
                report = await check(runner, generate(seed, CI_FEATURES), shrink_budget=60.0)
                assert report is None, report
    finally:
        for url in urls.values():
            await testing.drop_database(pg_admin_url, url)
        testing.delete_vhost(vhost)


LONG = int(os.environ.get("SETELI_MODEL_HISTORIES", "0"))


@pytest.mark.slow
@pytest.mark.skipif(not LONG, reason="long form: set SETELI_MODEL_HISTORIES (e.g. 2000)")
async def test_thousands_of_histories(runner: Runner) -> None:
    first = int(os.environ.get("SETELI_MODEL_SEED", "10000"))
    pool = FEATURES if os.environ.get("SETELI_MODEL_FEATURES") == "all" else CI_FEATURES
    # SETELI_MODEL_WITH=a,b: these features (and what they need) in every history, the rest at random
    always = [f for f in os.environ.get("SETELI_MODEL_WITH", "").split(",") if f]
    always += [n for f in always for n in NEEDS.get(f, ())]
    reports: list[str] = []
    reached: Counter[str] = Counter()
    for seed in range(first, first + LONG):
        rng = random.Random(seed)
        features = tuple(f for f in pool if rng.random() < 0.6 or f in always)
        history = generate(seed, features)
        reached.update(expected(history).exercised)
        try:
            report = await check(runner, history)
        except Exception as exc:  # noqa: BLE001 - a history the driver could not finish is reported too
            report = f"ERROR seed {seed} features {sorted(features)}: {type(exc).__name__}: {exc}"
        if report is not None:
            print(report, flush=True)
            reports.append(report)
            if len(reports) >= 5:
                break
        else:
            print(f"[model] seed {seed}: agrees ({len(features)} features)", flush=True)
    print(f"[model] histories that reached each rule: {dict(sorted(reached.items()))}", flush=True)
    assert not reports, "\n\n".join(reports)
