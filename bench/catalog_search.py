"""Public catalog search (registry, issue #3) under concurrent load, beside a plain GET by id.

    uv run --frozen python bench/catalog_search.py [--providers 10000] [--clients 16] [--seconds 15]

Creates its own database, runs the registry's migrations, bulk-inserts N approved providers with
Finnish service descriptions (plus their facet tags and one approved service each) straight into the
registry's tables, serves the registry app with uvicorn (one process) on 127.0.0.1 and drives, with
`--clients` concurrent keep-alive httpx clients (closed loop) for `--seconds` each:

1. GET /v1/catalog/providers?q=<word>[&need=..] (Finnish full-text search, a mix of words and inflections)
2. GET /v1/catalog/providers/{id} (the provider card: a few primary-key reads)
3. GET /v1/catalog/providers?need=<tag> (filter only, no text)
4. GET /health/live (no database: the HTTP stack's floor on this machine)

The load driver runs in this process on the same machine. Full size is the default (10,000 providers).
Environment: SETELI_TEST_POSTGRES_URL (admin URL; default local).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from _support import ADMIN_URL, Served, drive, load
from seteli_common import testing

WORDS = {  # need tag -> description fragments (inflected as real descriptions are)
    "kotihoito": ["Kotihoidon palvelut ikäihmisille", "kotihoitoa arkisin ja viikonloppuisin",
                  "kotihoidon käynnit"],
    "siivous": ["Siivouspalvelut kotiin", "ikkunoiden pesu ja siivous", "kotisiivousta"],
    "ateriapalvelu": ["Ateriapalvelu kotiin kuljetettuna", "lounasateriat", "ateriapalvelun tilaus"],
    "fysioterapia": ["Fysioterapiaa kotona ja vastaanotolla", "kuntoutus ja fysioterapia"],
    "omaishoito": ["Omaishoidon vapaan sijaispalvelu", "omaishoitajien tukeminen"],
    "palveluasuminen": ["Tehostettu palveluasuminen", "palveluasumisen yksikkö Kouvolassa"],
    "kuljetus": ["Kuljetuspalvelut asiointiin", "saattajapalvelu lääkäriin"],
    "lastenhoito": ["Lastenhoitoapua perheille", "perhetyö ja lastenhoito"],
}
FILLER = ["Toimimme Kymenlaaksossa.", "Palvelemme suomeksi ja ruotsiksi.", "Kokenut henkilökunta.",
          "Asiakaslähtöinen toiminta.", "Tilaa helposti puhelimella.", "Pieni perheyritys vuodesta 1998.",
          "Laatu on meille tärkeää.", "Palvelu myös iltaisin."]
CITIES = ["Kouvola", "Kotka", "Hamina", "Iitti", "Lappeenranta", "Lahti", "Mikkeli", "Porvoo"]
QUERIES = ["kotihoito", "siivouspalvelut", "fysioterapiaa", "ateriapalvelu", "omaishoitaja",
           "palveluasuminen kouvola", "kuljetuspalvelu", "lastenhoito", "kotihoidon palvelut",
           "hammaslääkäri"]


def build_registry(database_url: str, data_dir: str) -> object:
    from seteli_common.messaging.memory import InMemoryBroker
    from seteli_registry.bootstrap import build_app, build_runtime
    from seteli_registry.config import RegistrySettings

    settings = RegistrySettings(database_url=database_url, data_dir=Path(data_dir), log_json=False,
                                log_level="WARNING", signing_key_path=Path(data_dir) / "key.json", adapters="fake")
    return build_app(build_runtime(settings, broker=InMemoryBroker()))


async def seed(dsn: str, count: int, rng: random.Random) -> list[str]:
    now = datetime.now(UTC)
    providers, tags, approvals = [], [], []
    needs = list(WORDS)
    for i in range(count):
        pid = f"00000000-0000-4000-8000-{i:012d}"
        own = rng.sample(needs, rng.choice((1, 1, 2, 3)))
        description = " ".join([rng.choice(WORDS[n]) + "." for n in own] + rng.sample(FILLER, 2))
        city = rng.choice(CITIES)
        providers.append((pid, f"{i:07d}-0", "company", f"{rng.choice(['Hoiva', 'Apu', 'Koti', 'Elo'])} "
                          f"{city} {i} Oy", "fi", f"info{i}@hoiva.fi", "0401234567", f"Katu {i % 90 + 1}",
                          "45100", city, i % 10 == 0, "approved", description, "", "[]", "[]", now))
        tags += [(pid, "need", n) for n in own] + [(pid, "area", city.lower()), (pid, "language", "fi")]
        approvals.append(("kouvola", rng.choice(needs), pid, f"app-{i}", "[]"))
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("providers", records=providers, columns=[
            "id", "business_id", "kind", "name", "language", "email", "phone", "street_address", "postal_code",
            "city", "hide_address", "status", "description", "extra_info", "operating_areas", "units",
            "created_at"])
        await conn.copy_records_to_table("provider_tags", records=tags, columns=["provider_id", "kind", "value"])
        await conn.copy_records_to_table("catalog_services", columns=["tenant_id", "service_id", "name_fi",
                                                                      "name_sv", "kind", "contents"],
                                         records=[("kouvola", n, n.capitalize(), n, "voucher", "[]")
                                                  for n in needs])
        await conn.copy_records_to_table("catalog_approvals", records=approvals, columns=[
            "tenant_id", "service_id", "provider_id", "application_id", "site_ids"])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return [p[0] for p in providers]


async def main(count: int, clients: int, seconds: float) -> None:
    print(f"catalog_search: {count} approved providers, {clients} concurrent clients, {seconds:.0f} s per "
          f"phase; {load()}")
    rng = random.Random(7)
    url = await testing.create_database(ADMIN_URL, "seteli_bench")
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    server: Served | None = None
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            # The app's own start runs the migrations; seed once they ran, then restart it cold.
            first = await Served("catalog_search:build_registry", {"database_url": url, "data_dir": data_dir}
                                 ).start()
            first.stop()
            t0 = time.perf_counter()
            ids = await seed(dsn, count, rng)
            print(f"  seeded {count} providers (COPY + ANALYZE) in {time.perf_counter() - t0:.1f} s")
            server = await Served("catalog_search:build_registry",
                                  {"database_url": url, "data_dir": data_dir}).start()
            probe = await _probe(server.url)
            print(f"  totals per query: {probe}")

            async def search(client, n):  # type: ignore[no-untyped-def]
                return await client.get("/v1/catalog/providers", params={"q": QUERIES[n % len(QUERIES)]})

            async def by_id(client, n):  # type: ignore[no-untyped-def]
                return await client.get(f"/v1/catalog/providers/{ids[(n * 7919) % len(ids)]}")

            async def by_need(client, n):  # type: ignore[no-untyped-def]
                needs = list(WORDS)
                return await client.get("/v1/catalog/providers", params={"need": needs[n % len(needs)]})

            async def live(client, n):  # type: ignore[no-untyped-def]
                return await client.get("/health/live")

            await drive("warm-up", server.url, search, clients, 2)
            results = [await drive("search ?q=<word>       ", server.url, search, clients, seconds),
                       await drive("card   /providers/{id}  ", server.url, by_id, clients, seconds),
                       await drive("filter ?need=<tag>     ", server.url, by_need, clients, seconds),
                       await drive("floor  /health/live    ", server.url, live, clients, seconds)]
            for r in results:
                print(r.line())
            print(f"  server peak RSS {server.peak_rss_mib():.0f} MiB; after: {load()}")
    finally:
        if server is not None:
            server.stop()
        await testing.drop_database(ADMIN_URL, url)


async def _probe(base_url: str) -> dict[str, int]:
    import httpx

    async with httpx.AsyncClient(base_url=base_url) as client:
        totals = {}
        for q in QUERIES:
            response = await client.get("/v1/catalog/providers", params={"q": q})
            response.raise_for_status()
            totals[q] = response.json()["total"]
        return totals


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--providers", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.providers, args.clients, args.seconds)))
