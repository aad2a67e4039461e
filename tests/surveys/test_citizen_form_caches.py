"""What the citizen form keeps per process (surveys.citizen_views, surveys.selectors): a printed code's
unit, the catalog by its digest, a published version's questions. Each is checked against the database
in the request that uses it, so a change made anywhere (another worker, another transaction, this one)
is seen by the next request, and one unit's entry is never served for another unit.
"""

import copy
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from analytics.models import DirtyDay
from surveys import citizen_views
from surveys.models import Campaign, Field, Procedure, Response
from surveys.services import questionnaire_version_draft, questionnaire_version_publish
from surveys.setup_services import campaign_update
from tenants.models import Unit
from tenants.services import unit_offboard

from .test_citizen_form import campaign_of, good_answers, make_link, open_form, qr_url, send

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_caches():
    """Every test starts from a cold process, as a freshly started worker would."""
    for cache in (citizen_views._QR_UNITS, citizen_views._CATALOGS, citizen_views._FRESH_QUESTIONS):
        cache.clear()


def _steady_visit_statements(client, url) -> list[str]:
    open_form(client, url)  # the first visit fills the caches (and leaves the unit's schema set)
    open_form(client, url)
    with CaptureQueriesContext(connection) as queries:
        open_form(client, url)
    return [q["sql"] for q in queries.captured_queries]


def test_a_visit_reads_the_link_in_one_statement_after_the_routing(world, client):
    link = make_link(world.commune, "hong_thai_quick", staff=True)
    statements = _steady_visit_statements(client, qr_url(link.code))
    # the middleware's public tenant (as every public page), then the link with every table named with
    # its schema: no switch of the search_path at all
    assert len(statements) == 2, statements
    assert f'"{world.commune.schema_name}"."surveys_qrlink"' in statements[1]
    assert not any(s.startswith("SET") for s in statements)


def test_a_sent_form_is_checked_in_one_statement_and_stored_in_one_after_the_routing(world, client):
    link = make_link(world.commune, "hong_thai_quick", staff=True)
    url, fields = qr_url(link.code), good_answers("hong_thai_quick", world.commune)
    for _ in range(2):  # fill the caches (and leave the session's search_path wherever it goes)
        assert send(client, url, fields, open_form(client, url)[1]).status_code == 303
    token = open_form(client, url)[1]
    with CaptureQueriesContext(connection) as queries:
        assert send(client, url, fields, token).status_code == 303
    # the test's transaction makes the write take a savepoint (a caller's transaction must outlive a
    # raced submission key; it needs no search_path either); a request on its own takes none
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # the middleware's public tenant, the link, the double tap, burst and catalog checks, then the
    # response with its answers and its dirty day: every table named with its schema, no SET at all
    schema = f'"{world.commune.schema_name}"'
    assert len(statements) == 4, "\n".join(s[:100] for s in statements)
    assert f'{schema}."surveys_qrlink"' in statements[1]
    assert (
        f'{schema}."surveys_response"' in statements[2] and f'{schema}."surveys_procedure"' in statements[2]
    )
    assert statements[3].startswith("WITH r AS (INSERT INTO")
    assert f'{schema}."surveys_answer"' in statements[3] and "public.analytics_dirtyday" in statements[3]
    assert not any(s.startswith("SET") for s in statements)
    with tenant_context(world.commune):
        response = Response.objects.latest("pk")
        assert response.answers.count() == 4
        assert response.link_id == link.pk and response.procedure_id == int(fields["q_procedure"])
    assert DirtyDay.objects.filter(unit=world.commune, day=response.answered_on).exists()


def test_a_newly_published_version_is_served_at_once(world, client):
    link = make_link(world.commune, "hong_thai_quick")
    url = qr_url(link.code)
    page, _token = open_form(client, url)
    assert "Câu hỏi mới về giờ làm việc" not in page.content.decode()
    # when the officials publish a new version (a new row, as another worker would) and move the campaign
    campaign = campaign_of(world.commune, "hong_thai_quick")
    with tenant_context(world.commune):
        old = campaign.version
        definition = copy.deepcopy(old.definition)
        definition["questions"][-1]["text"] = {"vi": "Câu hỏi mới về giờ làm việc", "en": "A new question"}
        draft = questionnaire_version_draft(questionnaire=old.questionnaire, definition=definition)
        new = questionnaire_version_publish(version=draft)
        campaign_update(
            campaign=Campaign.objects.get(pk=campaign.pk),
            name=campaign.name,
            version=new,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            channels=campaign.channels,
        )
    # then the next visit shows it, and its answer is stored
    page, token = open_form(client, url)
    assert "Câu hỏi mới về giờ làm việc" in page.content.decode()
    assert send(client, url, good_answers("hong_thai_quick", world.commune), token).status_code == 303


def test_a_changed_catalog_is_served_at_once_even_inside_one_transaction(world, client):
    link = make_link(world.commune, "hong_thai_quick")
    url = qr_url(link.code)
    with tenant_context(world.commune):
        procedure = Procedure.objects.filter(is_active=True).order_by("pk").first()
        gone = Procedure.objects.filter(is_active=True).order_by("-pk").first()
    page, _token = open_form(client, url)
    assert procedure.name_vi in page.content.decode() and gone.name_vi in page.content.decode()
    # when an official renames one procedure and retires another (this test's own transaction: PostgreSQL
    # would give both rows the same transaction id as any earlier write in it)
    with tenant_context(world.commune):
        Procedure.objects.filter(pk=procedure.pk).update(name_vi="Thủ tục đã đổi tên")
        Procedure.objects.filter(pk=gone.pk).update(is_active=False)
    html = open_form(client, url)[0].content.decode()
    assert "Thủ tục đã đổi tên" in html
    assert f'value="{gone.pk}"' not in html
    # and a new field is listed too
    with tenant_context(world.commune):
        Procedure.objects.create(
            key="thu-tuc-moi", field=Field.objects.order_by("pk").first(), name_vi="Thủ tục mới thêm"
        )
    assert "Thủ tục mới thêm" in open_form(client, url)[0].content.decode()


def test_one_units_catalog_and_header_are_never_served_for_another(world, client):
    mine = make_link(world.commune, "hong_thai_quick")
    theirs = make_link(world.sibling, "hong_thai_quick")
    with tenant_context(world.sibling):
        Procedure.objects.filter(is_active=True).update(name_vi="Thủ tục riêng của xã bên")
    open_form(client, qr_url(mine.code))
    sibling_page = open_form(client, qr_url(theirs.code))[0].content.decode()
    my_page = open_form(client, qr_url(mine.code))[0].content.decode()
    assert "Thủ tục riêng của xã bên" in sibling_page and world.sibling.name in sibling_page
    assert "Thủ tục riêng của xã bên" not in my_page and world.commune.name in my_page


def test_a_wrong_cached_unit_is_never_believed(world, client):
    # given a process whose cache says that the commune's code belongs to the sibling (whose schema has
    # a link of the same code, as a restored backup or a bug might leave it)
    link = make_link(world.commune, "hong_thai_quick")
    with tenant_context(world.sibling):
        sibling_campaign = Campaign.objects.filter(version__questionnaire__key="hong_thai_quick").first()
        sibling_campaign.links.create(code=link.code, channel="qr")
    citizen_views._QR_UNITS[link.code] = Unit.objects.select_related("parent__parent").get(
        pk=world.sibling.pk
    )
    # when a citizen scans it, the form is the commune's and the answer is stored there
    page, token = open_form(client, qr_url(link.code))
    assert world.commune.name in page.content.decode()
    assert citizen_views._QR_UNITS[link.code].pk == world.commune.pk
    assert (
        send(client, qr_url(link.code), good_answers("hong_thai_quick", world.commune), token).status_code
        == 303
    )
    with tenant_context(world.commune):
        assert Response.objects.filter(link__code=link.code).count() == 1
    with tenant_context(world.sibling):
        assert not Response.objects.filter(link__code=link.code).exists()


def test_an_offboarded_unit_is_not_found_after_it_was_cached(world, client):
    link = make_link(world.commune, "hong_thai_quick")
    open_form(client, qr_url(link.code))
    unit_offboard(unit=Unit.objects.get(pk=world.commune.pk), reason="Sáp nhập")
    assert client.get(qr_url(link.code)).status_code == 404


def test_a_renamed_unit_is_named_anew_after_it_was_cached(world, client):
    link = make_link(world.commune, "hong_thai_quick")
    open_form(client, qr_url(link.code))
    Unit.objects.filter(pk=world.commune.parent_id).update(name="Huyện Văn Lãng mới")
    assert "Huyện Văn Lãng mới" in open_form(client, qr_url(link.code))[0].content.decode()


def test_a_link_deactivated_after_it_was_cached_is_not_found(world, client):
    link = make_link(world.commune, "hong_thai_quick")
    open_form(client, qr_url(link.code))
    with tenant_context(world.commune):
        type(link).objects.filter(pk=link.pk).update(is_active=False)
    assert client.get(qr_url(link.code)).status_code == 404
    assert client.get(qr_url(link.code, thanks=True)).status_code == 200


def test_the_campaign_dates_are_read_anew(world, client):
    link = make_link(world.commune, "hong_thai_quick")
    open_form(client, qr_url(link.code))
    with tenant_context(world.commune):
        Campaign.objects.filter(pk=link.campaign_id).update(
            starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 31)
        )
    assert client.get(qr_url(link.code)).status_code == 410
