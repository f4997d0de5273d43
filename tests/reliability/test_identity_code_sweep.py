"""Issue #10, item 12: no Finnish personal identity code in any file a run writes — logs (as production
configures them), emails (.eml), payment files (XML), specifications (PDF), reports — after the walking
skeleton ran through the embedded suite. The SQLite databases are left out: they are where client data
legitimately lives."""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from seteli_common.clock import Month, SystemClock, today_in_helsinki
from seteli_common.telemetry import IdentityCodeFilter, JsonFormatter, setup_logging

from seteli.demo import DemoResult, walking_skeleton
from seteli.embedded import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, build_suite
from seteli.services import SERVICES

# century signs of both the old (+ - A) and the 2023 (B-F, U-Y) rules; a control digit or letter. Not inside a
# longer word: a UUID's hex ("8a240892-5592-5632-…", an email's file name and message id) can take the shape.
HETU = re.compile(rb"(?<![0-9A-Za-z])[0-3]\d[01]\d{3}[-+A-FU-Y]\d{3}[0-9A-Y](?![0-9A-Za-z])")
DATABASES = {".db", ".sqlite", ".sqlite3", ".db-wal", ".db-shm", ".db-journal"}


def _pdf_texts(data: bytes) -> Iterator[bytes]:
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            yield zlib.decompress(stream)
        except zlib.error:
            yield stream
    pypdf = pytest.importorskip("pypdf")
    import io

    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        yield (page.extract_text() or "").encode()


def sweep(root: Path) -> dict[str, list[str]]:
    """Identity codes found per file (relative path), databases excepted."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix.lower() in DATABASES:
            continue
        data = path.read_bytes()
        texts = [data, *(_pdf_texts(data) if data.startswith(b"%PDF") else [])]
        hits = sorted({m.decode() for text in texts for m in HETU.findall(text)})
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


@contextmanager
def production_logs(directory: Path) -> Iterator[None]:
    """Every log record of the run to files, formatted and filtered the way setup_logging does it."""
    directory.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    handlers: list[logging.Handler] = []
    plain = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    outputs = (("suite.json.log", JsonFormatter("seteli"), logging.DEBUG),
               ("suite.log", plain, logging.INFO),  # production's default level
               ("debug/suite.debug.log", plain, logging.DEBUG))  # what LOG_LEVEL=DEBUG would write
    (directory / "debug").mkdir(exist_ok=True)
    for name, formatter, level_ in outputs:
        handler = logging.FileHandler(directory / name, encoding="utf-8")
        handler.addFilter(IdentityCodeFilter())
        handler.setFormatter(formatter)
        handler.setLevel(level_)
        handlers.append(handler)
        root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.setLevel(level)
        for added in handlers:
            root.removeHandler(added)
            added.close()


def test_the_sweep_finds_a_planted_code(tmp_path: Path) -> None:
    """The control: the sweep must be able to fail (plain text, an email, a compressed PDF)."""
    fpdf = pytest.importorskip("fpdf")
    (tmp_path / "note.txt").write_text("asiakas 010150-901K tuli")
    (tmp_path / "mail.eml").write_text("Subject: x\n\nHetu 120464-926B\n")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    pdf.cell(text="Asiakas 131052-308T")
    pdf.output(str(tmp_path / "spec.pdf"))
    (tmp_path / "client.db").write_text("010150-901K")  # databases are not swept
    # a UUID whose hex takes the shape (a message's id and file name) is not a code
    (tmp_path / "payment_computed-8a240892-5592-5632-a3bf-bd53b45325e7.eml").write_text(
        "Message-ID: <8a240892-5592-5632-a3bf-bd53b45325e7@seteli>\n")
    assert sweep(tmp_path) == {"mail.eml": ["120464-926B"], "note.txt": ["010150-901K"],
                               "spec.pdf": ["131052-308T"]}


@dataclass
class Run:
    root: Path
    pdf_failures: list[str] = field(default_factory=list)


async def _save_outputs(client: httpx.AsyncClient, result: DemoResult, folder: Path, run_: Run) -> None:
    """What the tenant downloads after the run: the payment file (XML) and each specification (PDF)."""
    login = await client.post("/registry/v1/auth/token", json={"email": result.tenant_admin_email,
                                                               "password": result.tenant_admin_password})
    assert login.status_code == 200, login.text
    headers = {"authorization": f"Bearer {login.json()['access_token']}"}
    base = f"/settlement/v1/tenants/{result.tenant_id}/runs"
    for run in (await client.get(base, headers=headers)).json()["items"]:
        xml = await client.get(f"{base}/{run['id']}/payment-file", headers=headers)
        if xml.status_code == 200:
            (folder / f"payment-{run['id']}.xml").write_bytes(xml.content)
        view = (await client.get(f"{base}/{run['id']}", headers=headers)).json()
        for payment in view.get("payments", []):
            url = f"{base}/{run['id']}/payments/{payment['payment_id']}/specification.pdf"
            try:
                pdf = await client.get(url, headers=headers)
            except Exception as exc:  # the in-process transport re-raises a 500's exception
                run_.pdf_failures.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            if pdf.status_code != 200:
                run_.pdf_failures.append(f"HTTP {pdf.status_code}: {pdf.text[:200]}")
                continue
            (folder / f"specification-{payment['payment_id']}.pdf").write_bytes(pdf.content)


@pytest.fixture(scope="module")
async def embedded_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One walking skeleton through the embedded suite, its logs captured, its outputs downloaded."""
    root = tmp_path_factory.mktemp("sweep")
    (root / "downloads").mkdir()
    run = Run(root)
    # logging as production configures it (once per process: later calls keep it), then our file handlers
    setup_logging("seteli", json_logs=False)
    suite = build_suite(root / "data")
    with production_logs(root / "logs"):
        async with suite.app.router.lifespan_context(suite.app):
            transport = httpx.ASGITransport(app=suite.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://suite", timeout=60) as client:
                base = {name: f"http://suite/{name}" for name in SERVICES}
                result = await walking_skeleton(client, base, admin_email=DEMO_ADMIN_EMAIL,
                                                admin_password=DEMO_ADMIN_PASSWORD,
                                                month=Month.of(today_in_helsinki(SystemClock())).prev(), seed=12)
                await _save_outputs(client, result, root / "downloads", run)
    return run


def _kinds(root: Path) -> set[str]:
    return {p.suffix.lower() for p in root.rglob("*") if p.is_file() and p.suffix.lower() not in DATABASES}


async def test_no_identity_code_in_any_file_the_run_writes(embedded_run: Run) -> None:
    kinds = _kinds(embedded_run.root)
    found = {k: v for k, v in sweep(embedded_run.root).items() if not k.startswith("logs/debug/")}
    files = sum(1 for p in embedded_run.root.rglob("*") if p.is_file() and p.suffix.lower() not in DATABASES)
    print(f"\n[reliability] 12 identity-code sweep: {files} files swept ({sorted(kinds)}), "
          f"{len(found)} with an identity code")
    assert {".eml", ".log", ".xml"} <= kinds, f"the run wrote less than expected: {sorted(kinds)}"
    assert (embedded_run.root / "logs" / "suite.log").stat().st_size > 0
    assert found == {}


async def test_specification_pdfs_are_written_and_carry_no_identity_code(embedded_run: Run) -> None:
    assert embedded_run.pdf_failures == []
    assert ".pdf" in _kinds(embedded_run.root)
    assert {k: v for k, v in sweep(embedded_run.root).items() if k.endswith(".pdf")} == {}


async def test_debug_logs_carry_no_identity_code(embedded_run: Run) -> None:
    debug = embedded_run.root / "logs" / "debug"
    assert (debug / "suite.debug.log").stat().st_size > 0
    assert sweep(debug) == {}
