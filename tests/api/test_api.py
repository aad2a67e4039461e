"""The machines' door: keys, scopes, subtrees, figures, dossier events, errors, audit."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from analytics.facts.services import facts_refresh
from analytics.figures.selectors import Period, unit_figures
from analytics.models import TransactionCount
from analytics.quotas.services import quota_status
from api.models import ApiCall, Scope
from api.services import api_client_revoke, api_client_rotate
from surveys.models import Dossier, DossierToken, Procedure
from surveys.services import catalog_seed

from .conftest import Api

# Assertions read the English messages (see the `english` fixture).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def unit_url(unit, tail=""):
    return f"/api/v1/units/{unit.structure}/{unit.code}/{tail}"


def event(code="000.00.20.H37-261120-0001", status=10, procedure="1.001193", **kw):
    now = timezone.now()
    data = {
        "MaHoSo": code,
        "MaTTHC": procedure,
        "NgayTiepNhan": (now - dt.timedelta(days=2)).isoformat(),
        "NgayHenTra": (now - dt.timedelta(days=1)).isoformat(),
        "NgayKetThucXuLy": (now - dt.timedelta(hours=30)).isoformat(),
        "TrangThaiHoSo": status,
        "KenhThucHien": 1,
    }
    data.update(kw)
    return data


class TestKeys:
    def test_no_key_is_a_structured_401(self, world):
        answer = Api(None).get("/api/v1/units/")
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "not_authenticated"

    @pytest.mark.parametrize("key", ["nonsense", "abcd1234.wrong", "."])
    def test_an_unknown_key_is_refused(self, world, key):
        assert Api(key).get("/api/v1/units/").status_code == 401

    def test_a_revoked_key_is_refused(self, world, make_api):
        api, client = make_api(world.district)
        api_client_revoke(client=client)
        answer = api.get("/api/v1/units/")
        assert answer.status_code == 401
        assert "revoked" in answer.json()["error"]["message"]

    def test_rotation_retires_the_old_key(self, world, make_api):
        api, client = make_api(world.district)
        new = Api(api_client_rotate(client=client))
        assert api.get("/api/v1/units/").status_code == 401
        assert new.get("/api/v1/units/").status_code == 200

    def test_the_key_is_stored_hashed(self, world, make_api):
        api, client = make_api(world.district)
        secret = api.headers["HTTP_AUTHORIZATION"].split(".", 1)[1]
        assert secret not in client.key_hash


class TestReach:
    def test_a_communes_key_cannot_read_a_sibling(self, world, make_api):
        api, _ = make_api(world.commune)
        assert api.get(unit_url(world.commune)).status_code == 200
        sibling = api.get(unit_url(world.sibling))
        assert sibling.status_code == 404
        assert sibling.json()["error"]["code"] == "not_found"

    def test_a_districts_key_reads_its_communes_and_lists_only_its_subtree(self, world, make_api):
        api, _ = make_api(world.district)
        assert api.get(unit_url(world.commune, "figures/")).status_code == 200
        listed = api.get("/api/v1/units/", level="commune", page_size=500).json()["results"]
        assert {u["code"] for u in listed} >= {world.commune.code, world.sibling.code}
        assert all(u["structure"] == "legacy" for u in listed)
        assert world.other.code not in {u["code"] for u in listed}

    def test_a_read_only_key_cannot_write(self, world, make_api):
        api, _ = make_api(world.commune, scopes=[Scope.READ_FIGURES])
        answer = api.post(unit_url(world.commune, "dossier-events/"), {"events": [event()]})
        assert answer.status_code == 403
        assert "write:dossiers" in answer.json()["error"]["message"]
        with tenant_context(world.commune):
            assert not Dossier.objects.exists()

    @pytest.mark.parametrize("params", [{"level": "planet"}, {"onboarded": "maybe"}, {"structure": "x"}])
    def test_bad_filters_are_400(self, world, make_api, params):
        api, _ = make_api(world.district)
        answer = api.get("/api/v1/units/", **params)
        assert answer.status_code == 400
        assert answer.json()["error"]["field"] in params


class TestFigures:
    def test_the_api_gives_the_dashboards_numbers(self, world, make_api):
        from tests.conftest import answer

        for satisfaction in (3, 2, 1):
            answer(world.commune, satisfaction, reasons=["official_attitude"] if satisfaction == 1 else ())
        facts_refresh()
        api, _ = make_api(world.district)
        today = timezone.localdate()
        answer = api.get(
            unit_url(world.district, "figures/"),
            **{"from": (today - dt.timedelta(days=30)).isoformat(), "to": today.isoformat()},
        )
        assert answer.status_code == 200
        body = answer.json()
        expected = unit_figures(
            unit=world.district, period=Period(today - dt.timedelta(days=30), today)
        ).overall
        assert body["overall"]["n"] == expected.n == 3
        assert body["overall"]["value"] == round(float(expected.value), 6)
        assert body["overall"]["method"]["code"] == "satisfaction_rate"
        assert body["period"] == {
            "start": (today - dt.timedelta(days=30)).isoformat(),
            "end": today.isoformat(),
        }

    @pytest.mark.parametrize("params", [{"from": "2026-13-40"}, {"from": "2026-05-01", "to": "2026-01-01"}])
    def test_a_bad_period_is_a_structured_400(self, world, make_api, params):
        api, _ = make_api(world.district)
        answer = api.get(unit_url(world.district, "figures/"), **params)
        assert answer.status_code == 400
        assert answer.json()["error"]["message"]

    def test_the_ranking_lists_the_communes(self, world, make_api):
        api, _ = make_api(world.district)
        rows = api.get(unit_url(world.district, "ranking/")).json()
        assert {r["unit"]["code"] for r in rows} >= {world.commune.code, world.sibling.code}


class TestDossierEvents:
    def test_a_finished_dossier_returns_a_one_time_link_and_its_qr(self, world, make_api):
        api, _ = make_api(world.commune)
        answer = api.post(unit_url(world.commune, "dossier-events/"), {"events": [event()]})
        assert answer.status_code == 200
        row = answer.json()["results"][0]
        assert row["status"] == "created"
        assert row["survey"]["url"].startswith("http://localhost:8000/d/")
        assert row["survey"]["qr_svg"].startswith("<?xml") or "<svg" in row["survey"]["qr_svg"]

    def test_the_same_batch_replayed_changes_nothing_and_counts_one_transaction(self, world, make_api):
        api, _ = make_api(world.commune)
        batch = {"events": [event()]}
        first = api.post(unit_url(world.commune, "dossier-events/"), batch).json()
        again = api.post(unit_url(world.commune, "dossier-events/"), batch).json()
        assert again["results"][0]["status"] == "unchanged"
        assert again["results"][0]["survey"]["url"] == first["results"][0]["survey"]["url"]
        with tenant_context(world.commune):
            assert Dossier.objects.count() == 1
            assert DossierToken.objects.count() == 1
        assert TransactionCount.objects.get(unit=world.commune, procedure="dang_ky_khai_sinh").count == 1

    def test_the_one_time_link_works_once(self, world, make_api):
        from django.test import Client

        api, _ = make_api(world.commune)
        url = api.post(unit_url(world.commune, "dossier-events/"), {"events": [event()]}).json()["results"][0]
        path = url["survey"]["url"].removeprefix("http://localhost:8000")
        assert Client().get(path).status_code == 200
        with tenant_context(world.commune):
            token = DossierToken.objects.get()
            token.used_at = timezone.now()
            token.save()
        assert Client().get(path).status_code == 410

    def test_a_well_formed_batch_reports_each_event_and_keeps_the_good_ones(self, world, make_api):
        api, _ = make_api(world.commune)
        now = timezone.now()
        batch = [
            event("A-1"),
            event("A-2", procedure="9.999999"),
            event("A-3", NgayHenTra=(now - dt.timedelta(days=5)).isoformat()),
            event("A-4", status=4, NgayKetThucXuLy=None),
        ]
        answer = api.post(unit_url(world.commune, "dossier-events/"), {"events": batch})
        body = answer.json()
        assert answer.status_code == 200
        assert (body["accepted"], body["failed"]) == (2, 2)
        assert [r["status"] for r in body["results"]] == ["created", "error", "error", "created"]
        assert body["results"][1]["errors"][0]["field"] == "MaTTHC"
        assert body["results"][2]["errors"][0]["field"] == "NgayHenTra"
        assert "survey" not in body["results"][3]
        with tenant_context(world.commune):
            assert set(Dossier.objects.values_list("code", flat=True)) == {"A-1", "A-4"}

    def test_a_code_longer_than_the_schema_allows_is_refused_even_with_spaces_around(self, world, make_api):
        # the OpenAPI schema says 60 characters as sent; DRF alone trims first and let 61 through
        api, _ = make_api(world.commune)
        answer = api.post(unit_url(world.commune, "dossier-events/"), {"events": [event(" " + "X" * 60)]})
        assert answer.status_code == 400
        assert "events.0.MaHoSo" in answer.text
        with tenant_context(world.commune):
            assert not Dossier.objects.exists()

    def test_a_malformed_event_refuses_the_whole_batch_and_names_every_problem(self, world, make_api):
        api, _ = make_api(world.commune)
        batch = [
            event("B-1"),
            event("B-2", TrangThaiHoSo="mười"),
            {"MaHoSo": "B-3"},
            "not an object",
            event("B-5", MaHoSoo="typo"),
        ]
        answer = api.post(unit_url(world.commune, "dossier-events/"), {"events": batch})
        assert answer.status_code == 400
        fields = {d["field"] for d in answer.json()["error"]["details"]}
        assert {"events.1.TrangThaiHoSo", "events.2.MaTTHC", "events.4.MaHoSoo"} <= fields
        assert any(f.startswith("events.3") for f in fields)
        with tenant_context(world.commune):
            assert not Dossier.objects.exists()

    def test_a_code_held_by_another_unit_within_the_keys_reach_is_refused(self, world, make_api):
        district, _ = make_api(world.district)
        district.post(unit_url(world.commune, "dossier-events/"), {"events": [event("SHARED-1")]})
        body = district.post(unit_url(world.sibling, "dossier-events/"), {"events": [event("SHARED-1")]})
        assert body.json()["failed"] == 1
        assert "another unit" in body.json()["results"][0]["errors"][0]["message"]
        with tenant_context(world.sibling):
            assert not Dossier.objects.exists()

    @pytest.fixture
    def elsewhere(self, world, make_api):
        """The system of another province, whose commune knows the same procedures."""
        with tenant_context(world.other):
            catalog_seed()
        api, _ = make_api(world.other.parent.parent)

        def send(code: str) -> None:
            reply = api.post(unit_url(world.other, "dossier-events/"), {"events": [event(code)]})
            assert reply.json()["results"][0]["status"] == "created"

        return send

    def test_another_provinces_key_cannot_squat_a_code(self, world, make_api, elsewhere):
        # given another province's system that sends one of Lạng Sơn's dossier codes first
        code = "000.00.20.H37-261120-0042"
        elsewhere(code)
        # when Lạng Sơn's own system sends it, then updates it
        owner, _ = make_api(world.province)
        first = owner.post(unit_url(world.commune, "dossier-events/"), {"events": [event(code, status=4)]})
        later = owner.post(unit_url(world.commune, "dossier-events/"), {"events": [event(code)]})
        # then the dossier is Lạng Sơn's, with its survey link
        assert first.json()["results"][0]["status"] == "created"
        assert later.json()["results"][0]["status"] == "updated"
        assert later.json()["results"][0]["survey"]["url"]
        with tenant_context(world.commune):
            assert Dossier.objects.get(code=code).status == 10

    def test_the_answer_does_not_tell_whether_another_province_holds_a_code(self, world, make_api, elsewhere):
        elsewhere("HELD-1")
        owner, _ = make_api(world.province)

        def answer(code: str) -> tuple[int, dict]:
            reply = owner.post(unit_url(world.commune, "dossier-events/"), {"events": [event(code)]})
            row = reply.json()["results"][0]
            return reply.status_code, {k: v for k, v in row.items() if k not in {"MaHoSo", "survey"}} | {
                "survey": sorted(row.get("survey", {}))
            }

        assert answer("HELD-1") == answer("FREE-1")

    @pytest.mark.parametrize(
        ("payload", "raw"),
        [
            ("{not json", True),
            ({"events": []}, False),
            ({"events": "x"}, False),
            ([1, 2], False),
            ({"events": [event(f"B-{i}") for i in range(1001)]}, False),
        ],
    )
    def test_malformed_bodies_are_structured_400s(self, world, make_api, payload, raw):
        api, _ = make_api(world.commune)
        answer = api.post(unit_url(world.commune, "dossier-events/"), payload, raw=raw)
        assert answer.status_code == 400
        assert set(answer.json()["error"]) >= {"code", "message", "field"}
        with tenant_context(world.commune):
            assert not Dossier.objects.exists()


def test_transaction_counts_are_upserted_and_bad_rows_refused_whole(world, make_api):
    api, _ = make_api(world.commune)
    good = [{"procedure": "", "period_start": "2026-01-01", "period_end": "2026-01-31", "count": 120}]
    assert api.post(unit_url(world.commune, "transaction-counts/"), good).status_code == 200
    good[0]["count"] = 130
    api.post(unit_url(world.commune, "transaction-counts/"), good)
    assert TransactionCount.objects.get(unit=world.commune, procedure="").count == 130
    bad = [*good, {"procedure": "", "period_start": "2026-03-01", "period_end": "2026-02-01", "count": 1}]
    answer = api.post(unit_url(world.commune, "transaction-counts/"), bad)
    assert answer.status_code == 400
    assert TransactionCount.objects.filter(unit=world.commune).count() == 1


def test_counts_sent_with_a_national_procedure_code_are_found_by_that_procedures_quota(world, make_api):
    # given a procedure of the commune's catalog that carries its national code (MaTTHC)
    with tenant_context(world.commune):
        procedure = Procedure.objects.exclude(national_code="").exclude(national_code__isnull=True).first()
    assert procedure is not None
    api, _ = make_api(world.commune)
    rows = [
        {
            "procedure": procedure.national_code,
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "count": 42,
        }
    ]
    # when the one-stop system sends the count under the national code
    assert api.post(unit_url(world.commune, "transaction-counts/"), rows).status_code == 200
    # then it is stored under the catalog key, where the quota status of that procedure reads it
    status = quota_status(unit=world.commune, period=Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)))
    row = next(r for r in status.procedures if r.procedure == procedure.key)
    assert row.transactions == 42


def test_counts_for_a_procedure_outside_the_catalog_are_refused_with_the_row_named(world, make_api):
    api, _ = make_api(world.commune)
    rows = [
        {"procedure": "", "period_start": "2026-01-01", "period_end": "2026-01-31", "count": 5},
        {"procedure": "9.999999", "period_start": "2026-01-01", "period_end": "2026-01-31", "count": 5},
    ]
    answer = api.post(unit_url(world.commune, "transaction-counts/"), rows)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "[1].procedure"
    assert not TransactionCount.objects.filter(unit=world.commune).exists()


def test_every_call_is_audited(world, make_api):
    api, client = make_api(world.district)
    api.get("/api/v1/units/")
    api.get(unit_url(world.other))
    calls = list(ApiCall.objects.filter(client=client).order_by("at").values_list("method", "status"))
    assert calls == [("GET", 200), ("GET", 404)]


def test_a_client_over_its_rate_gets_a_structured_429(world, make_api):
    api, _ = make_api(world.district, rate_per_minute=2)
    assert [api.get("/api/v1/units/").status_code for _ in range(3)] == [200, 200, 429]
    assert api.get("/api/v1/units/").json()["error"]["code"] == "throttled"


def test_the_schema_and_the_docs_are_served(world):
    from django.test import Client

    schema = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert b"/api/v1/units/{structure}/{code}/dossier-events/" in schema.content
    assert Client().get("/api/v1/docs/").status_code == 200


def test_the_schema_documents_pages_constraints_and_answers():
    from django.test import Client

    schema = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    def operation(path, method="get"):
        return paths[f"/api/v1/units/{{structure}}/{{code}}/{path}"][method]

    def params(op):
        return {p["name"]: p for p in op.get("parameters", [])}

    def ok(op, status="200"):
        return op["responses"][status]["content"]["application/json"]["schema"]

    # paginated lists are documented as pages, with their cursor and page size
    responses = operation("responses/")
    assert ok(responses) == {"$ref": "#/components/schemas/ResponsePage"}
    assert set(components["ResponsePage"]["properties"]) == {"next", "previous", "results"}
    assert params(responses)["page_size"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
    assert {"cursor", "page_size"} <= set(params(paths["/api/v1/units/"]["get"]))
    # constraints: years, periods, batch sizes
    assert params(operation("par/"))["year"]["schema"] == {
        "type": "integer",
        "minimum": 2015,
        "maximum": 2100,
    }
    assert "five years" in params(operation("figures/"))["to"]["description"]
    assert "2015-01-01" in params(operation("figures/"))["from"]["description"]
    events = components["DossierBatch"]["properties"]["events"]
    assert (events["minItems"], events["maxItems"]) == (1, 1000)
    assert components["DossierEvent"]["additionalProperties"] is False
    # every answer has a schema: the batch's per-event results, the saved count, the errors
    assert ok(operation("dossier-events/", "post")) == {"$ref": "#/components/schemas/DossierBatchResult"}
    assert ok(operation("transaction-counts/", "post")) == {"$ref": "#/components/schemas/Saved"}
    for path in paths.values():
        for op in path.values():
            for status in ("400", "401", "403", "404", "429"):
                assert ok(op, status) == {"$ref": "#/components/schemas/Error"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/units/", {"levle": "commune"}),
        ("/api/v1/units/", {"page_size": "0"}),
        ("/api/v1/units/", {"page_size": "many"}),
        ("figures/", {"form": "2026-01-01"}),
        ("figures/", {"from": ""}),
    ],
)
def test_an_unknown_or_malformed_query_parameter_is_a_400_not_a_silent_default(world, make_api, path, params):
    api, _ = make_api(world.district)
    answer = api.get(path if path.startswith("/") else unit_url(world.district, path), **params)
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] in params


@pytest.mark.parametrize("params", [{"q": "a\x00b"}, {"parent": "\x00"}])
def test_a_nul_character_in_a_query_is_a_structured_400(world, make_api, params):
    api, _ = make_api(world.district)
    answer = api.get("/api/v1/units/", **params)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_character"


def test_a_nul_character_in_a_json_body_is_refused_and_nothing_stored(world, make_api):
    api, _ = make_api(world.commune)
    answer = api.post(unit_url(world.commune, "dossier-events/"), {"events": [event("NUL\x00-1")]})
    assert answer.status_code == 400
    with tenant_context(world.commune):
        assert not Dossier.objects.exists()


def test_several_errors_are_all_listed(world, make_api):
    api, _ = make_api(world.district)
    answer = api.post("/api/v1/webhooks/", {"url": 1, "events": [1]})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert {d["field"] for d in error["details"]} >= {"url", "events.0"}


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v1/webhooks/-5/", "/api/v1/units/legacy/"])
def test_an_unknown_endpoint_is_a_structured_404(world, make_api, path):
    api, _ = make_api(world.district)
    for answer in (api.get(path), api.post(path, {}), api.delete(path)):
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"


def test_quota_status_is_served_with_its_rule(world, make_api):
    api, _ = make_api(world.commune)
    answer = api.get(unit_url(world.commune, "quotas/"), **{"from": "2026-01-01", "to": "2026-01-31"})
    assert answer.status_code == 200
    assert answer.json()["rule"] == "nam_dong_2024"
    assert answer.json()["unit_wide"] is None  # no transaction counts yet


def test_only_published_public_reports_are_listed(world, make_api):
    import datetime as dt

    from django.utils import timezone

    from analytics.models import Publication

    common = {"unit": world.commune, "kind": "adhoc", "cutoff_at": timezone.now(), "snapshot": {}}
    Publication.objects.create(
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31),
        **common,
        status="published",
        published_at=timezone.now(),
        pdf_sha256="ab",
    )
    Publication.objects.create(period_start=dt.date(2026, 2, 1), period_end=dt.date(2026, 2, 28), **common)
    Publication.objects.create(
        period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 3, 31),
        **common,
        status="published",
        published_at=timezone.now(),
        internal=True,
    )
    api, _ = make_api(world.commune)
    rows = api.get(unit_url(world.commune, "publications/")).json()
    assert [r["period"]["start"] for r in rows] == ["2026-01-01"]
    assert rows[0]["url"].endswith(f"/cong-bo/{rows[0]['id']}/")


def test_par_contributions_are_served_with_their_rule_and_inputs(world, make_api):
    from analytics.par.services import par_contribution_compute

    par_contribution_compute(unit=world.commune, year=2025, scope="year")
    api, _ = make_api(world.commune)
    rows = api.get(unit_url(world.commune, "par/"), year="2025").json()
    assert len(rows) == 1
    assert rows[0]["points"] is None  # no answers: not applicable, never 0
    assert rows[0]["not_applicable"]
    assert rows[0]["rule"]["version"] >= 1
    assert api.get(unit_url(world.commune, "par/"), year="20x5").status_code == 400
