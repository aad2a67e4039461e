"""The citizen's form, from a scanned QR code or a dossier link to one stored response, without cookies.

Messages are checked through gettext in Vietnamese, so these tests hold before and after the translation
pass fills the .po files.
"""

import base64
import datetime as dt
import hashlib
import re
import time
import uuid
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from django_tenants.utils import tenant_context

from surveys.builtin.questionnaires import BUILTIN_BY_KEY
from surveys.citizen_views import FORM_MAX_AGE, MAX_BODY_BYTES, form_token_issue
from surveys.models import Campaign, Desk, DossierToken, Procedure, QRLink, Response, StaffMember
from surveys.services import (
    campaign_create,
    client_hash,
    dossier_token_issue,
    qr_link_create,
    questionnaire_install_builtin,
)
from tenants.models import ShortLink
from tenants.routing import public_reverse

pytestmark = pytest.mark.django_db

PAGE_LIMIT = 30 * 1024
TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')
PROMISE = (
    "Your answers are confidential. You do not have to give your name, and nobody may pressure you "
    "or tell you how to answer."
)
OTHER_LINK = "This form belongs to another survey link. Please answer the questions below and press Send."


# --------------------------------------------------------------------------- helpers


def vi(message: str, **params) -> str:
    """The message as a Vietnamese page shows it (escaped like the template does)."""
    with translation.override("vi"):
        text = gettext(message)
    return escape(text % params if params else text)


def campaign_of(unit, key: str) -> Campaign:
    """The world's open campaign of a built-in questionnaire; a template the world does not install (the
    household survey's) gets one here, inside the test's transaction."""
    with tenant_context(unit):
        campaign = Campaign.objects.select_related("version").filter(version__questionnaire__key=key).first()
        if campaign is None:
            today = timezone.localdate()
            campaign = campaign_create(
                name=f"Khảo sát {key}",
                version=questionnaire_install_builtin(key=key).latest_published,
                starts_on=today - dt.timedelta(days=1),
                ends_on=today + dt.timedelta(days=1),
                channels=["qr"],
            )
        return campaign


def make_link(unit, key: str, *, desk: bool = False, staff: bool = False) -> QRLink:
    campaign = campaign_of(unit, key)
    with tenant_context(unit):
        the_desk = Desk.objects.create(name=f"Bộ phận một cửa {uuid.uuid4().hex[:6]}") if desk else None
        the_staff = (
            StaffMember.objects.create(full_name="Nguyễn Thị Lan", position="Công chức Tư pháp")
            if staff
            else None
        )
    return qr_link_create(unit=unit, campaign=campaign, desk=the_desk, staff=the_staff)


def qr_url(code: str, *, thanks: bool = False) -> str:
    return public_reverse("citizen_qr_thanks" if thanks else "citizen_qr", code)


def stored(unit) -> int:
    with tenant_context(unit):
        return Response.objects.count()


def token_in(response) -> str:
    match = TOKEN_RE.search(response.content.decode())
    assert match, "the form carries a signed token"
    return match.group(1)


def open_form(client: Client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:500]
    return response, token_in(response)


def send(client: Client, url: str, fields: dict, token: str | None = None, **extra):
    data = dict(fields)
    if token is not None:
        data["form_token"] = token
    return client.post(
        url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded", **extra
    )


def first_procedure(unit) -> Procedure:
    with tenant_context(unit):
        return Procedure.objects.filter(is_active=True).order_by("pk").first()


def good_answers(key: str, unit) -> dict:
    """A complete, valid answer to each built-in questionnaire."""
    questions = BUILTIN_BY_KEY[key]["questions"]
    if key == "hong_thai_quick":
        return {
            "q_procedure": first_procedure(unit).pk,
            "q_satisfaction": "1",
            "q_reasons": ["official_attitude", "procedure_fees"],
            "q_comment": "Phải chờ lâu, cán bộ chưa niềm nở.",
        }
    if key == "son_tay_2017":
        fields = {f"q_{q['key']}": "4" if q["required"] else "na" for q in questions if q["kind"] == "rating"}
        return {**fields, "q_procedure": "other", "q_procedure_other": "Xin giấy xác nhận"}
    fields = {f"q_{q['key']}": "5" for q in questions if q["kind"] == "rating"}
    return {**fields, "q_other_issues": ["harassment"]}


@pytest.fixture
def citizen() -> Client:
    """A phone with no cookies at all, and a client that would enforce CSRF if the view asked for it."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def hong_thai_link(world) -> QRLink:
    return make_link(world.commune, "hong_thai_quick", staff=True)


# --------------------------------------------------------------------------- the whole path


@pytest.mark.parametrize(
    ("key", "target"),
    [("hong_thai_quick", "staff"), ("son_tay_2017", "desk"), ("nam_dong_2024", "qr")],
)
def test_a_scanned_code_stores_one_response_in_its_units_schema(world, citizen, key, target):
    # given a printed code of the commune
    link = make_link(world.commune, key, desk=target == "desk", staff=target == "staff")
    url = qr_url(link.code)
    # when a citizen opens it and sends a complete answer
    page, token = open_form(citizen, url)
    response = send(citizen, url, good_answers(key, world.commune), token)
    # then one response is stored in the commune's schema, with the link's channel and target
    assert response.status_code == 303
    # (an unsatisfied answer is offered the feedback page, and nothing else)
    offer = "?gop-y=1" if key == "hong_thai_quick" else ""
    assert response["Location"] == qr_url(link.code, thanks=True) + offer
    with tenant_context(world.commune):
        stored_response = Response.objects.get()
        assert stored_response.campaign_id == link.campaign_id
        assert stored_response.channel == target
        assert stored_response.link_id == link.pk
        assert stored_response.desk_id == link.desk_id
        assert stored_response.staff_id == link.staff_id
        assert stored_response.client_hash == client_hash("127.0.0.1")
        assert stored_response.language == "vi"
        assert stored_response.answers.filter(kind="rating").exists()
    assert stored(world.sibling) == 0
    # and the thank-you page shows nothing of the answer
    thanks = citizen.get(response["Location"])
    assert thanks.status_code == 200
    assert vi("Your answers have been sent") in thanks.content.decode()
    assert "chờ lâu" not in thanks.content.decode()
    assert str(stored_response.public_id) not in response["Location"]


def test_the_hong_thai_answer_keeps_its_reasons_and_comment(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    send(citizen, url, good_answers("hong_thai_quick", world.commune), token)
    with tenant_context(world.commune):
        response = Response.objects.get()
        assert response.overall_bucket == "unsatisfied"
        assert sorted(response.answers.filter(kind="reason").values_list("option_key", flat=True)) == [
            "official_attitude",
            "procedure_fees",
        ]
        assert response.answers.get(kind="text").text == "Phải chờ lâu, cán bộ chưa niềm nở."


@pytest.mark.parametrize("key", sorted(BUILTIN_BY_KEY))
def test_each_built_in_form_is_one_small_page_without_external_assets(world, citizen, key):
    link = make_link(world.commune, key)
    page = citizen.get(qr_url(link.code))
    body = page.content.decode()
    assert len(page.content) < PAGE_LIMIT
    assert '<html lang="vi">' in body
    assert "<style>" in body
    assert not re.search(r"""<(link|script|img)[^>]+(href|src)=["'](https?:)?//""", body)
    assert '<link rel="stylesheet"' not in body
    # the questionnaire's own Vietnamese texts, inside fieldsets with legends for the choices
    for q in BUILTIN_BY_KEY[key]["questions"]:
        assert escape(q["text"]["vi"]) in body
    assert body.count("<fieldset") == body.count("<legend>") >= 1
    assert vi(PROMISE) in body
    assert escape(world.commune.name) in body


def test_a_bad_answers_page_is_small_too(world, citizen):
    link = make_link(world.commune, "hong_thai_quick")
    url = qr_url(link.code)
    _page, token = open_form(citizen, url)
    response = send(citizen, url, {"q_satisfaction": "1", "q_comment": "x" * 1000}, token)
    assert response.status_code == 400
    assert len(response.content) < PAGE_LIMIT


def test_the_page_loads_nothing_and_runs_only_its_own_script(citizen, hong_thai_link):
    page = citizen.get(qr_url(hong_thai_link.code))
    policy = page["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "form-action 'self'" in policy
    scripts = re.findall(r"<script>(.*?)</script>", page.content.decode(), flags=re.DOTALL)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert page["Referrer-Policy"] == "no-referrer"
    assert "no-store" in page["Cache-Control"]


def test_the_form_names_the_civil_servant_and_shows_the_reasons_without_javascript(
    world, citizen, hong_thai_link
):
    body = citizen.get(qr_url(hong_thai_link.code)).content.decode()
    assert vi("You are rating the civil servant:") in body
    assert "Nguyễn Thị Lan" in body
    # the follow-up is in the page for browsers without JavaScript, with a note saying when to answer it
    reasons = re.search(r'<div class="q" id="q-reasons-box"[^>]*>', body).group(0)
    assert "hidden" not in reasons
    assert 'data-show-q="q_satisfaction"' in reasons
    assert vi("Answer this only if you were not satisfied.") in body
    # the catalog grouped by field, with "other" and its text box
    assert "<optgroup" in body
    assert 'value="other"' in body
    assert 'name="q_procedure_other"' in body
    # the honeypot is out of sight and out of the tab order
    assert re.search(
        r'<input type="text" id="hp-f" name="website" value="" tabindex="-1" autocomplete="off">', body
    )


def test_no_cookie_is_set_or_needed(world, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    page = Client().get(url)
    assert not page.cookies
    assert "Set-Cookie" not in page.headers
    token = token_in(page)
    # a different phone (no cookie jar, CSRF enforced) posts the form
    response = send(
        Client(enforce_csrf_checks=True), url, good_answers("hong_thai_quick", world.commune), token
    )
    assert response.status_code == 303
    assert not response.cookies
    assert stored(world.commune) == 1


def test_the_english_switch_needs_no_cookie_and_stays_in_the_form(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    vietnamese = citizen.get(url).content.decode()
    assert f'href="{url}?lang=en"' in vietnamese
    page = citizen.get(url, {"lang": "en"})
    body = page.content.decode()
    assert '<html lang="en">' in body
    assert page["Content-Language"] == "en"
    assert escape(BUILTIN_BY_KEY["hong_thai_quick"]["questions"][0]["text"]["en"]) in body
    assert f'action="{url}?lang=en"' in body
    assert f'href="{url}"' in body  # back to Vietnamese
    response = send(citizen, f"{url}?lang=en", good_answers("hong_thai_quick", world.commune), token_in(page))
    assert response["Location"] == qr_url(hong_thai_link.code, thanks=True) + "?gop-y=1&lang=en"
    with tenant_context(world.commune):
        assert Response.objects.get().language == "en"
    assert '<html lang="en">' in citizen.get(response["Location"]).content.decode()


def test_a_browser_in_english_still_gets_vietnamese_by_default(citizen, hong_thai_link):
    body = citizen.get(qr_url(hong_thai_link.code), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in body


# --------------------------------------------------------------------------- bad answers


@pytest.mark.parametrize(
    ("change", "question", "message", "params"),
    [
        ({"q_satisfaction": None}, "satisfaction", "Please choose an answer.", {}),
        ({"q_satisfaction": "7"}, "satisfaction", "This choice is not in the list.", {}),
        ({"q_reasons": ["no-such-reason"]}, "reasons", "This choice is not in the list.", {}),
        ({"q_reasons": None}, "reasons", "Please tick at least one reason.", {}),
        ({"q_comment": "x" * 1001}, "comment", "Please keep this under %(n)d characters.", {"n": 1000}),
        ({"q_procedure": "999999"}, "procedure", "This choice is not in the list.", {}),
        ({"q_procedure": "other"}, "procedure", "Please say which one.", {}),
    ],
    ids=[
        "missing",
        "off-scale",
        "unknown-reason",
        "unsatisfied-without-reason",
        "too-long",
        "no-such-procedure",
        "other-without-text",
    ],
)
def test_a_bad_answer_is_shown_on_its_question_and_nothing_is_stored(
    world, citizen, hong_thai_link, change, question, message, params
):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    fields = {**good_answers("hong_thai_quick", world.commune), **change}
    fields = {k: v for k, v in fields.items() if v is not None}
    response = send(citizen, url, fields, token)
    body = response.content.decode()
    assert response.status_code == 400
    assert stored(world.commune) == 0
    # the message is on the question, tied to its controls, and listed in the summary at the top
    assert vi(message, **params) in body
    assert f'<p class="err" id="q-{question}-err">' in body
    assert re.search(rf'aria-describedby="q-{question}-err', body)
    assert 'aria-invalid="true"' in body
    assert re.search(r'<div class="sum" id="errors" role="alert"', body)
    assert re.search(rf'<li><a href="#q-{question}[^"]*">', body)
    # the same token (so the same submission key) and the citizen's other answers are kept
    assert token_in(response) == token
    if "q_comment" in fields and question != "comment":
        assert "Phải chờ lâu" in body


def test_a_kept_answer_is_still_ticked_after_an_error(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    response = send(citizen, url, {"q_satisfaction": "1", "q_reasons": ["procedure_fees"]}, token)
    body = response.content.decode()
    assert response.status_code == 400  # the procedure is required
    assert re.search(
        r'id="q-satisfaction-1" name="q_satisfaction" value="1" data-b="unsatisfied" checked', body
    )
    assert re.search(r'id="q-reasons-procedure_fees" name="q_reasons" value="procedure_fees" checked', body)


def test_the_same_form_sent_twice_stores_once_and_thanks_twice(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    answers = good_answers("hong_thai_quick", world.commune)
    first = send(citizen, url, answers, token)
    again = send(Client(), url, answers, token)
    assert first.status_code == again.status_code == 303
    assert first["Location"] == again["Location"]
    assert stored(world.commune) == 1


def test_a_filled_honeypot_is_stored_and_flagged(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    response = send(
        citizen, url, {**good_answers("hong_thai_quick", world.commune), "website": "http://spam"}, token
    )
    assert response.status_code == 303
    with tenant_context(world.commune):
        assert Response.objects.get().flag_reasons == ["honeypot"]


def test_an_oversized_body_is_refused_unread(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    response = send(
        citizen,
        url,
        {**good_answers("hong_thai_quick", world.commune), "q_comment": "x" * MAX_BODY_BYTES},
        token,
    )
    assert response.status_code == 413
    assert vi("Your answers are too long") in response.content.decode()
    assert stored(world.commune) == 0


def test_too_many_fields_are_refused(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    response = send(citizen, url, {**good_answers("hong_thai_quick", world.commune), "x": ["1"] * 300}, token)
    assert response.status_code == 400
    assert vi("It has too many fields. Please open the survey link again.") in response.content.decode()
    assert stored(world.commune) == 0


@pytest.mark.parametrize(
    ("networks", "remote", "real_ip", "hashed"),
    [
        ((), "127.0.0.1", "203.0.113.7", "127.0.0.1"),  # no proxy trusted: the header is ignored
        (("127.0.0.1/32",), "127.0.0.1", "203.0.113.7", "203.0.113.7"),  # nginx on the same host
        (("127.0.0.1/32",), "198.51.100.9", "203.0.113.7", "198.51.100.9"),  # a stranger's header
        (("127.0.0.1/32",), "127.0.0.1", "not an address", "127.0.0.1"),
    ],
)
def test_the_client_hash_believes_only_trusted_proxies(
    world, citizen, hong_thai_link, settings, networks, remote, real_ip, hashed
):
    settings.TRUSTED_PROXY_NETWORKS = networks
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    answers = good_answers("hong_thai_quick", world.commune)
    response = send(citizen, url, answers, token, REMOTE_ADDR=remote, HTTP_X_REAL_IP=real_ip)
    assert response.status_code == 303
    with tenant_context(world.commune):
        assert Response.objects.get().client_hash == client_hash(hashed)


def test_other_methods_are_refused(citizen, hong_thai_link):
    assert citizen.put(qr_url(hong_thai_link.code)).status_code == 405


# --------------------------------------------------------------------------- the form token


def _refused(world, citizen, url, token, message, status=400, **params):
    response = send(citizen, url, good_answers("hong_thai_quick", world.commune), token)
    body = response.content.decode()
    assert response.status_code == status
    assert vi(message, **params) in body
    assert stored(world.commune) == 0 and stored(world.sibling) == 0
    return response


def test_a_missing_or_forged_token_gets_a_fresh_form(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    message = "We could not check this form. Please answer the questions below and press Send."
    for forged in (None, "", token[:-3] + "abc", token.replace(":", "x:", 1), "garbage" * 300):
        response = _refused(world, citizen, url, forged, message)
        assert token_in(response) not in (token, forged)  # a fresh form, with a fresh token


def test_a_form_token_from_one_unit_cannot_store_into_another(world, citizen):
    # given a form of the commune (unit A) and a code of the sibling commune (unit B)
    link_a = make_link(world.commune, "hong_thai_quick")
    link_b = make_link(world.sibling, "hong_thai_quick")
    _page, token_a = open_form(citizen, qr_url(link_a.code))
    # when unit A's form is posted to unit B's code
    response = _refused(
        world,
        citizen,
        qr_url(link_b.code),
        token_a,
        OTHER_LINK,
    )
    # then unit B's form comes back fresh, with its own token
    assert token_in(response) != token_a


def test_a_code_indexed_for_one_unit_never_opens_another_units_link(world, citizen):
    # A ShortLink pointing at the wrong unit (a corrupted index) finds no link there: 404, never A's form.
    link_a = make_link(world.commune, "hong_thai_quick")
    ShortLink.objects.filter(code=link_a.code).update(unit=world.sibling)
    assert citizen.get(qr_url(link_a.code)).status_code == 404


def test_a_token_for_another_link_of_the_same_unit_is_refused(world, citizen):
    first = make_link(world.commune, "hong_thai_quick")
    second = make_link(world.commune, "hong_thai_quick", desk=True)
    _page, token = open_form(citizen, qr_url(first.code))
    _refused(
        world,
        citizen,
        qr_url(second.code),
        token,
        OTHER_LINK,
    )


def test_an_old_form_keeps_the_answers_and_asks_to_send_again(world, citizen, hong_thai_link):
    campaign = campaign_of(world.commune, "hong_thai_quick")
    old = form_token_issue(
        link_id=f"q:{hong_thai_link.code}",
        campaign_id=campaign.pk,
        version_id=campaign.version_id,
        now=time.time() - FORM_MAX_AGE.total_seconds() - 60,
    )
    url = qr_url(hong_thai_link.code)
    response = _refused(
        world,
        citizen,
        url,
        old,
        "This form was open for too long. Please check your answers and press Send again.",
    )
    assert "Phải chờ lâu" in response.content.decode()  # kept
    assert (
        send(citizen, url, good_answers("hong_thai_quick", world.commune), token_in(response)).status_code
        == 303
    )


def test_a_form_of_an_older_questionnaire_version_is_refused(world, citizen, hong_thai_link):
    campaign = campaign_of(world.commune, "hong_thai_quick")
    stale = form_token_issue(
        link_id=f"q:{hong_thai_link.code}", campaign_id=campaign.pk, version_id=campaign.version_id + 999
    )
    response = _refused(
        world,
        citizen,
        qr_url(hong_thai_link.code),
        stale,
        "This form is out of date. Please open the survey link again.",
    )
    assert token_in(response) != stale


# --------------------------------------------------------------------------- links and campaigns closed


@pytest.mark.parametrize("code", ["zzzzzzz", "ABC!!", "a" * 40, "0O1lI00"])
def test_an_unknown_code_gets_a_polite_page_in_vietnamese(citizen, code):
    response = citizen.get(f"/q/{code}")
    body = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="vi">' in body
    assert vi("We could not find this survey") in body
    assert "<form" not in body


def test_an_inactive_link_is_not_found(world, citizen, hong_thai_link):
    with tenant_context(world.commune):
        QRLink.objects.filter(pk=hong_thai_link.pk).update(is_active=False)
    assert citizen.get(qr_url(hong_thai_link.code)).status_code == 404


def test_codes_are_read_case_insensitively(citizen, hong_thai_link):
    assert citizen.get(f"/q/{hong_thai_link.code.upper()}").status_code == 200


def _move(world, key, start, end, **fields):
    today = timezone.localdate()
    with tenant_context(world.commune):
        Campaign.objects.filter(version__questionnaire__key=key).update(
            starts_on=today + dt.timedelta(days=start), ends_on=today + dt.timedelta(days=end), **fields
        )


def test_an_ended_campaign_says_so_and_stores_nothing(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    _move(world, "hong_thai_quick", -30, -1)
    ended = (timezone.localdate() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    page = citizen.get(url)
    assert page.status_code == 410
    assert (
        vi("This survey ended on %(date)s. Thank you for your interest.", date=ended) in page.content.decode()
    )
    assert "<form" not in page.content.decode()
    _refused(world, citizen, url, token, "This survey has ended", status=410)


def test_a_future_campaign_gives_its_opening_date_and_stores_nothing(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    _move(world, "hong_thai_quick", 3, 30)
    opens = (timezone.localdate() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    page = citizen.get(url)
    assert page.status_code == 200
    assert vi("This survey opens on %(date)s. Please come back then.", date=opens) in page.content.decode()
    assert "<form" not in page.content.decode()
    _refused(world, citizen, url, token, "This survey is not open yet", status=410)


def test_an_inactive_campaign_is_closed(world, citizen, hong_thai_link):
    _move(world, "hong_thai_quick", -3, 3, is_active=False)
    page = citizen.get(qr_url(hong_thai_link.code))
    assert page.status_code == 410
    assert vi("This survey is closed") in page.content.decode()


def test_a_campaign_not_collecting_through_the_links_channel_is_closed(world, citizen, hong_thai_link):
    url = qr_url(hong_thai_link.code)
    _page, token = open_form(citizen, url)
    _move(world, "hong_thai_quick", -3, 3, channels=["qr", "paper"])  # the link is a staff code
    assert citizen.get(url).status_code == 410
    _refused(world, citizen, url, token, "This survey is closed", status=410)


# --------------------------------------------------------------------------- one-time dossier links


def _dossier(world, *, with_procedure: bool = True, dossier_code: str = "000.00.20.H37-260101-0001"):
    campaign = campaign_of(world.commune, "hong_thai_quick")
    procedure = first_procedure(world.commune) if with_procedure else None
    token, signed = dossier_token_issue(
        unit=world.commune, campaign=campaign, dossier_code=dossier_code, procedure=procedure
    )
    return token, public_reverse("citizen_dossier", signed), procedure


def test_a_dossier_link_skips_the_known_procedure_and_works_once(world, citizen):
    token, url, procedure = _dossier(world)
    page, form_token = open_form(citizen, url)
    body = page.content.decode()
    assert 'name="q_procedure"' not in body
    assert escape(procedure.name_vi) in body
    answers = {k: v for k, v in good_answers("hong_thai_quick", world.commune).items() if k != "q_procedure"}
    response = send(citizen, url, answers, form_token)
    assert response.status_code == 303
    assert response["Location"] == url + "/cam-on?gop-y=1"  # unsatisfied: offered the feedback page
    with tenant_context(world.commune):
        stored_response = Response.objects.get()
        assert (stored_response.channel, stored_response.procedure_id) == ("dossier", procedure.pk)
        assert DossierToken.objects.get(pk=token.pk).used_at is not None
    # a double tap lands on the same thank-you page
    assert send(Client(), url, answers, form_token)["Location"] == response["Location"]
    assert stored(world.commune) == 1
    assert citizen.get(response["Location"]).status_code == 200
    # the link is spent: a new form is not given, and a fresh form posted again stores nothing
    again = citizen.get(url)
    assert again.status_code == 410
    assert vi("This survey link has already been used. Thank you!") in again.content.decode()
    campaign = campaign_of(world.commune, "hong_thai_quick")
    other_form = form_token_issue(
        link_id=f"d:{token.pk}", campaign_id=campaign.pk, version_id=campaign.version_id
    )
    refused = send(citizen, url, answers, other_form)
    assert refused.status_code == 410
    assert stored(world.commune) == 1


def test_the_paths_written_in_the_views_agree_with_the_urlconf(world, citizen, hong_thai_link):
    _token, url, _procedure = _dossier(world)
    signed = url.removeprefix("/d/")
    assert url == public_reverse("citizen_dossier", signed)
    page, form_token = open_form(citizen, url)
    assert f'action="{url}"' in page.content.decode()
    answers = {k: v for k, v in good_answers("hong_thai_quick", world.commune).items() if k != "q_procedure"}
    assert (
        send(citizen, url, answers, form_token)["Location"]
        == public_reverse("citizen_dossier_thanks", signed) + "?gop-y=1"
    )
    slug = world.commune.schema_name
    assert public_reverse("citizen_feedback", slug) == f"/gop-y/{slug}"
    assert public_reverse("citizen_feedback_thanks", slug) == f"/gop-y/{slug}/cam-on"
    qr_page = citizen.get(public_reverse("citizen_qr", hong_thai_link.code)).content.decode()
    assert f'action="{public_reverse("citizen_qr", hong_thai_link.code)}"' in qr_page


def test_a_dossier_link_without_a_procedure_asks_for_it(world, citizen):
    _token, url, _procedure = _dossier(world, with_procedure=False)
    assert 'name="q_procedure"' in citizen.get(url).content.decode()


def test_an_expired_dossier_link_is_refused(world, citizen):
    token, url, _procedure = _dossier(world)
    _page, form_token = open_form(citizen, url)
    with tenant_context(world.commune):
        DossierToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    page = citizen.get(url)
    assert page.status_code == 410
    assert vi("This survey link has expired.") in page.content.decode()
    answers = {k: v for k, v in good_answers("hong_thai_quick", world.commune).items() if k != "q_procedure"}
    _refused(world, citizen, url, form_token, "This survey link has expired.", status=410)
    assert send(citizen, url, answers, form_token).status_code == 410


@pytest.mark.parametrize(
    "mangle", [lambda s: s[:-2] + "xx", lambda s: "garbage", lambda s: s[::-1], lambda s: s + "x" * 2000]
)
def test_a_forged_dossier_link_is_not_found(world, citizen, mangle):
    _token, url, _procedure = _dossier(world)
    signed = url.removeprefix("/d/")
    for path in (f"/d/{mangle(signed)}", f"/d/{mangle(signed)}/cam-on"):
        response = citizen.get(path)
        assert response.status_code == 404
        assert vi("We could not find this survey") in response.content.decode()
    assert (
        send(citizen, f"/d/{mangle(signed)}", good_answers("hong_thai_quick", world.commune), "x").status_code
        == 404
    )
    assert stored(world.commune) == 0


def test_a_qr_form_token_cannot_be_used_on_a_dossier_link(world, citizen, hong_thai_link):
    _page, qr_token = open_form(citizen, qr_url(hong_thai_link.code))
    _token, url, _procedure = _dossier(world)
    _refused(
        world,
        citizen,
        url,
        qr_token,
        OTHER_LINK,
    )
