"""An application's subcontractors, employees, units and operating areas steps take only the company's own, as the
sites step takes only its sites: another company's subcontractor, employee or area listed here would be read by the
officer as this company's. One added a moment ago in the registry (its news on its way, the request following it with
`Seteli-After`) is "not yet known" (409), never "not yours"; another company's is refused at once."""

from __future__ import annotations

from typing import Any

from seteli_common.consistency import AFTER_HEADER, Token
from seteli_common.messaging.envelope import Envelope
from seteli_common.messaging.memory import InMemoryTransport

Api = Flow = Any  # fixtures of conftest.py
NOT_YET_KNOWN = "https://seteli.fi/problems/not-yet-known"


def _subcontractor_added(provider_id: str, subcontractor_id: str, name: str) -> Envelope:
    return Envelope(type="registry.subcontractor.added", tenant_id=None, payload={
        "provider_id": provider_id, "subcontractor_id": subcontractor_id, "business_id": "0112038-9",
        "name": name, "removed_at": None, "changed_at": "2016-03-01T08:00:00Z"})


async def _release(api: Api, envelope: Envelope) -> None:
    await InMemoryTransport(api.broker).publish(envelope, {}, timeout=1)
    await api.broker.drain()


async def _step(api: Api, flow: Flow, headers: dict[str, str], ids: list[str]) -> tuple[Any, str]:
    service = await flow.service()
    app = await flow.application(service["id"])
    url = f"/v1/tenants/kouvola/applications/{app['id']}/steps/subcontractors"
    return await api.client.put(url, headers=headers, json={"ids": ids}), app["id"]


async def test_another_companys_subcontractor_is_refused_naming_it(api: Api, flow: Flow) -> None:
    await _release(api, _subcontractor_added(api.provider_id, "sub-own", "Siivous Oy"))
    await _release(api, _subcontractor_added("prov-other", "sub-other", "Toisen Siivous Oy"))
    refused, app_id = await _step(api, flow, api.provider, ["sub-own", "sub-other"])
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "subcontractors_unknown"
    assert problem["errors"][0]["field"] == "ids" and "sub-other" in problem["errors"][0]["reason"]
    assert "sub-own" not in problem["errors"][0]["reason"]
    assert (await flow.get(app_id))["steps"]["subcontractors"]["ids"] == []  # nothing was saved


async def test_a_made_up_subcontractor_is_refused(api: Api, flow: Flow) -> None:
    refused, _ = await _step(api, flow, api.provider, ["sub-made-up"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "subcontractors_unknown"


async def test_the_companys_own_subcontractors_are_saved_removed_ones_too(api: Api, flow: Flow) -> None:
    """A removed one is still the company's: the summary names it as removed until it is taken off the step."""
    await _release(api, _subcontractor_added(api.provider_id, "sub-own", "Siivous Oy"))
    removed = _subcontractor_added(api.provider_id, "sub-gone", "Vanha Oy")
    await api.deliver("registry.subcontractor.removed", {
        **removed.payload, "removed_at": "2016-03-10T08:00:00Z", "changed_at": "2016-03-10T08:00:00Z"})
    saved, app_id = await _step(api, flow, api.provider, ["sub-own", "sub-gone"])
    assert saved.status_code == 200, saved.text
    assert (await flow.get(app_id))["steps"]["subcontractors"]["ids"] == ["sub-own", "sub-gone"]


async def test_a_subcontractor_listed_a_moment_ago_is_not_yet_known_and_then_saved(api: Api, flow: Flow) -> None:
    envelope = _subcontractor_added(api.provider_id, "sub-new", "Uusi Siivous Oy")
    token = Token.of(envelope)
    assert token is not None
    following = {**api.provider, AFTER_HEADER: str(token)}
    early, app_id = await _step(api, flow, following, ["sub-new"])
    assert early.status_code == 409, early.text
    assert early.json()["type"] == NOT_YET_KNOWN and early.json()["reason"] == "subcontractor_not_known_yet"
    assert early.headers["retry-after"] == "1"

    await _release(api, envelope)
    url = f"/v1/tenants/kouvola/applications/{app_id}/steps/subcontractors"
    saved = await api.client.put(url, headers=following, json={"ids": ["sub-new"]})
    assert saved.status_code == 200, saved.text
    assert (await flow.get(app_id))["steps"]["subcontractors"]["ids"] == ["sub-new"]


async def test_another_companys_subcontractor_is_refused_at_once_even_while_one_is_on_its_way(
        api: Api, flow: Flow) -> None:
    await _release(api, _subcontractor_added("prov-other", "sub-other", "Toisen Siivous Oy"))
    token = Token.of(_subcontractor_added(api.provider_id, "sub-new", "Uusi Siivous Oy"))
    refused, _ = await _step(api, flow, {**api.provider, AFTER_HEADER: str(token)}, ["sub-other"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "subcontractors_unknown"


def _employee(provider_id: str, employee_id: str, removed_at: str | None = None) -> Envelope:
    return Envelope(type="registry.employee.removed" if removed_at else "registry.employee.added", tenant_id=None,
                    payload={"provider_id": provider_id, "employee_id": employee_id, "name": "Eeva Esimerkki",
                             "removed_at": removed_at})


def _units(provider_id: str, units: list[str], at: str = "2016-03-01T08:00:00Z") -> Envelope:
    return Envelope(type="registry.provider.units_changed", tenant_id=None,
                    payload={"provider_id": provider_id, "units": units, "changed_at": at})


async def _put(api: Api, app_id: str, step: str, headers: dict[str, str], ids: list[str]) -> Any:
    return await api.client.put(f"/v1/tenants/kouvola/applications/{app_id}/steps/{step}", headers=headers,
                                json={"ids": ids})


async def test_another_companys_or_a_removed_employee_is_refused_naming_it(api: Api, flow: Flow) -> None:
    await _release(api, _employee(api.provider_id, "emp-own"))
    await _release(api, _employee("prov-other", "emp-other"))
    await _release(api, _employee(api.provider_id, "emp-gone"))
    await _release(api, _employee(api.provider_id, "emp-gone", removed_at="2016-03-10T08:00:00Z"))
    app = await flow.application((await flow.service())["id"])
    for foreign in ("emp-other", "emp-gone", "emp-made-up"):
        refused = await _put(api, app["id"], "employees", api.provider, ["emp-own", foreign])
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["code"] == "employees_unknown" and problem["errors"][0]["field"] == "ids"
        assert problem["errors"][0]["reason"] == f"not employees of your company: {foreign}"
    assert (await flow.get(app["id"]))["steps"]["employees"]["ids"] == []
    saved = await _put(api, app["id"], "employees", api.provider, ["emp-own"])
    assert saved.status_code == 200, saved.text
    assert (await flow.get(app["id"]))["steps"]["employees"]["ids"] == ["emp-own"]


async def test_an_employee_added_a_moment_ago_is_not_yet_known_and_then_saved(api: Api, flow: Flow) -> None:
    await _release(api, _employee("prov-other", "emp-other"))
    envelope = _employee(api.provider_id, "emp-new")
    following = {**api.provider, AFTER_HEADER: str(Token.of(envelope))}
    app = await flow.application((await flow.service())["id"])
    early = await _put(api, app["id"], "employees", following, ["emp-new"])
    assert early.status_code == 409, early.text
    assert early.json()["reason"] == "employee_not_known_yet"
    other = await _put(api, app["id"], "employees", following, ["emp-other"])  # another company's: at once
    assert other.status_code == 422 and other.json()["code"] == "employees_unknown"
    await _release(api, envelope)
    saved = await _put(api, app["id"], "employees", following, ["emp-new"])
    assert saved.status_code == 200, saved.text


async def test_only_the_companys_units_as_listed_now_are_taken(api: Api, flow: Flow) -> None:
    await _release(api, _units(api.provider_id, ["Ryhmäkoti Kuusi", "Ryhmäkoti Koivu"]))
    await _release(api, _units("prov-other", ["Toisen Koti"]))
    await _release(api, _units(api.provider_id, ["Ryhmäkoti Kuusi"], at="2016-03-10T08:00:00Z"))
    await _release(api, _units(api.provider_id, ["Vanha Lista"], at="2016-02-01T08:00:00Z"))  # older, heard late
    app = await flow.application((await flow.service())["id"])
    for foreign in ("Toisen Koti", "Ryhmäkoti Koivu", "Vanha Lista"):
        refused = await _put(api, app["id"], "units", api.provider, ["Ryhmäkoti Kuusi", foreign])
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "units_unknown" and foreign in refused.json()["errors"][0]["reason"]
    saved = await _put(api, app["id"], "units", api.provider, ["Ryhmäkoti Kuusi"])
    assert saved.status_code == 200, saved.text


async def test_a_unit_added_a_moment_ago_waits_for_the_companys_list(api: Api, flow: Flow) -> None:
    await _release(api, _units(api.provider_id, ["Ryhmäkoti Kuusi"]))
    envelope = _units(api.provider_id, ["Ryhmäkoti Kuusi", "Ryhmäkoti Tammi"], at="2016-03-10T08:00:00Z")
    following = {**api.provider, AFTER_HEADER: str(Token.of(envelope))}
    app = await flow.application((await flow.service())["id"])
    early = await _put(api, app["id"], "units", following, ["Ryhmäkoti Tammi"])
    assert early.status_code == 409 and early.json()["reason"] == "unit_not_known_yet", early.text
    await _release(api, envelope)
    assert (await _put(api, app["id"], "units", following, ["Ryhmäkoti Tammi"])).status_code == 200
    refused = await _put(api, app["id"], "units", following, ["Ryhmäkoti Mänty"])  # the list has come: not on it
    assert refused.status_code == 422 and refused.json()["code"] == "units_unknown"


def _areas(provider_id: str, areas: list[str], at: str = "2016-03-01T08:00:00Z") -> Envelope:
    return Envelope(type="registry.provider.areas_changed", tenant_id=None,
                    payload={"provider_id": provider_id, "areas": areas, "changed_at": at})


async def test_only_the_companys_operating_areas_as_listed_now_are_taken(api: Api, flow: Flow) -> None:
    """Another company's operating area (or one the company no longer lists, or one never listed) would be read by
    the officer as where this company works: refused naming it, nothing saved. An area's name is its id, up to the
    100 characters the registry takes."""
    longest = "Kouvolan seudun kunnat " + "K" * 77
    await _release(api, _areas(api.provider_id, ["Kouvola", "Iitti", longest]))
    await _release(api, _areas("prov-other", ["Kotka"]))
    await _release(api, _areas(api.provider_id, ["Kouvola", longest], at="2016-03-10T08:00:00Z"))
    await _release(api, _areas(api.provider_id, ["Hamina"], at="2016-02-01T08:00:00Z"))  # older, heard late
    app = await flow.application((await flow.service())["id"])
    for foreign in ("Kotka", "Iitti", "Hamina", "Lahti"):
        refused = await _put(api, app["id"], "operating_areas", api.provider, ["Kouvola", foreign])
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["code"] == "operating_areas_unknown" and problem["errors"][0]["field"] == "ids"
        assert problem["errors"][0]["reason"] == f"not operating areas of your company: {foreign}"
    assert (await flow.get(app["id"]))["steps"]["operating_areas"]["ids"] == []
    saved = await _put(api, app["id"], "operating_areas", api.provider, ["Kouvola", longest])
    assert saved.status_code == 200, saved.text
    assert (await flow.get(app["id"]))["steps"]["operating_areas"]["ids"] == ["Kouvola", longest]


async def test_an_area_added_a_moment_ago_waits_for_the_companys_list(api: Api, flow: Flow) -> None:
    await _release(api, _areas(api.provider_id, ["Kouvola"]))
    envelope = _areas(api.provider_id, ["Kouvola", "Iitti"], at="2016-03-10T08:00:00Z")
    following = {**api.provider, AFTER_HEADER: str(Token.of(envelope))}
    app = await flow.application((await flow.service())["id"])
    early = await _put(api, app["id"], "operating_areas", following, ["Iitti"])
    assert early.status_code == 409 and early.json()["reason"] == "area_not_known_yet", early.text
    assert early.json()["type"] == NOT_YET_KNOWN and early.headers["retry-after"] == "1"
    await _release(api, envelope)
    assert (await _put(api, app["id"], "operating_areas", following, ["Iitti"])).status_code == 200
    refused = await _put(api, app["id"], "operating_areas", following, ["Kotka"])  # the list has come: not on it
    assert refused.status_code == 422 and refused.json()["code"] == "operating_areas_unknown"
