"""The citizen's form: /q/<code> (a printed QR code) and /d/<token> (a one-time dossier link).

Citizens answer on cheap phones, often inside Zalo's in-app browser, which may drop cookies between the
GET and the POST. So the pages need no cookie and no JavaScript, and the POST is `csrf_exempt`: it is
protected instead by a signed form token bound to the link, the campaign and the questionnaire version.
The token also carries the submission key of `response_submit`, so a double tap stores one response.
The answer is stored in the request, in the unit's schema (DESIGN.md, flow 1).
"""

import base64
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

from django.core import signing
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template import loader
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_tenants.utils import get_public_schema_name, tenant_context

from tenants.embedding import embeddable
from tenants.http import client_address
from tenants.models import ShortLink, Unit
from tenants.vietnam import fold, localized_name

from .answers import NO_ANSWER
from .builtin.questionnaires import ELEMENTS, OTHER_CHOICE, SCALES, THANK_YOU
from .columns import Columns
from .customer_services import customer_unsubscribe
from .definition import Definition
from .devices import desk_device_from_cookie, device_cookie_name
from .models import (
    Campaign,
    Channel,
    Desk,
    DeskDevice,
    DossierToken,
    Field,
    Procedure,
    QRLink,
    QuestionnaireVersion,
    StaffMember,
)
from .selectors import version_definition
from .services import SubmissionError, client_hash, dossier_token_check, dossier_token_read, response_submit

if TYPE_CHECKING:
    from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

# The paths of urls_citizen, written out: django-tenants clears the URL caches on every request, so a
# reverse() here would rebuild the whole resolver each time (16 ms). The tests check they agree.
FORM_SALT = "surveys.citizen.form"
FORM_MAX_AGE = dt.timedelta(hours=12)
FORM_CLOCK_SKEW = dt.timedelta(minutes=5)
TOKEN_FIELD = "form_token"  # noqa: S105 - a form field name, not a secret
HONEYPOT_FIELD = "website"  # the name bots like to fill; people never see the field
MAX_BODY_BYTES = 64 * 1024
MAX_FIELD_VALUES = 200  # the longest built-in form posts about 30
MAX_TOKEN_LENGTH = 1000
# Codes come from surveys.services.CODE_ALPHABET; anything else is refused before touching the database.
CODE_RE = re.compile(r"[a-z0-9]{4,12}")

# Progressive enhancement only: show a follow-up question once its condition is met, and the "other"
# text box once "other" is chosen. Without it both are simply always shown (the server enforces the rules).
FORM_SCRIPT = (
    '(function(){var d=document,f=d.getElementById("survey");if(!f||!f.querySelector)return;'
    'd.documentElement.classList.add("js");\n'
    'function sync(){var i,b,c,s,l=f.querySelectorAll("[data-show-q]");for(i=0;i<l.length;i++){b=l[i];'
    "c=f.querySelector('input[name=\"'+b.getAttribute(\"data-show-q\")+'\"]:checked');"
    'b.hidden=!(c&&c.getAttribute("data-b")===b.getAttribute("data-show-b"))}\n'
    'l=f.querySelectorAll("[data-other]");for(i=0;i<l.length;i++){s=f.elements[l[i].getAttribute("data-other")];'
    'l[i].hidden=!(s&&s.value==="other")}}\n'
    'f.addEventListener("change",sync);sync();var e=d.getElementById("errors");if(e)e.focus()})();'
)
# The pages load nothing from anywhere: inline CSS, this one script (by its hash), same-origin posts.
# Who may frame them (frame-ancestors) is added for every page by config's CSP middleware.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'self'; script-src 'sha256-"
    + base64.b64encode(hashlib.sha256(FORM_SCRIPT.encode()).digest()).decode()
    + "'"
)


# Fresh forms' questions, drawn (surveys/templates/citizen/questions.html), by version, language and
# catalog (_render_form); bounded, emptied when full.
_FRESH_QUESTIONS: dict[tuple, SafeString] = {}
FRESH_QUESTIONS_MAX = 256
# Fresh forms' whole pages (_page with a token), by everything they show but the token, which is written
# into TOKEN_SLOT; bounded, emptied when full.
_FRESH_PAGES: dict[tuple, str] = {}
FRESH_PAGES_MAX = 512
TOKEN_SLOT = "\x00form-token\x00"  # noqa: S105 - not a secret; never in a page otherwise (NUL is refused)
# A printed code's unit (with the parent and grandparent its page header names), per process: the public
# look-up of the code is then skipped. Never believed alone: the statement that reads the link in the
# unit's schema reads the unit's row through the code again (_QR_STATEMENT), and any difference
# (offboarded, renamed, moved, deleted, or the code now elsewhere) drops the entry for the full look-up.
_QR_UNITS: dict[str, Unit] = {}
QR_UNITS_MAX = 4096
# A unit's catalog as the form offers it (sorted, in one language), by schema and either the catalog's
# stamp (_CATALOG_STAMP, read with the link) or the rows themselves: a changed catalog is a new key,
# never an old answer.
_CATALOGS: dict[tuple[str, str, str, frozenset[str]], "Catalog"] = {}
CATALOGS_MAX = 256


# --------------------------------------------------------------------------- the signed form token


@dataclasses.dataclass(frozen=True)
class FormToken:
    link_id: str  # "q:<code>" or "d:<dossier token id>"
    campaign_id: int
    version_id: int
    submission_key: uuid.UUID
    issued_at: int  # Unix time


class FormTokenError(Exception):
    """A form token that cannot be used; `keep_answers` when the posted answers are still this form's."""

    def __init__(self, message: str, *, keep_answers: bool = False):
        super().__init__(message)
        self.message = message
        self.keep_answers = keep_answers


def form_token_issue(*, link_id: str, campaign_id: int, version_id: int, now: float | None = None) -> str:
    """A fresh token for one rendering of the form: a new submission key each time."""
    payload = {
        "l": link_id,
        "c": campaign_id,
        "v": version_id,
        "s": uuid.uuid4().hex,
        "t": int(time.time() if now is None else now),
    }
    return signing.dumps(payload, salt=FORM_SALT)


def form_token_read(raw: str, *, link_id: str, campaign_id: int, now: float | None = None) -> FormToken:
    """The token posted with a form, checked against the link it was posted to; raises FormTokenError."""
    try:
        if not raw or len(raw) > MAX_TOKEN_LENGTH:
            raise ValueError("missing or oversized")
        payload = signing.loads(raw, salt=FORM_SALT)
        token = FormToken(
            link_id=str(payload["l"]),
            campaign_id=int(payload["c"]),
            version_id=int(payload["v"]),
            submission_key=uuid.UUID(str(payload["s"])),
            issued_at=int(payload["t"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise FormTokenError(
            _("We could not check this form. Please answer the questions below and press Send.")
        ) from error
    if token.link_id != link_id or token.campaign_id != campaign_id:
        raise FormTokenError(
            _("This form belongs to another survey link. Please answer the questions below and press Send.")
        )
    age = (time.time() if now is None else now) - token.issued_at
    if age < -FORM_CLOCK_SKEW.total_seconds():
        raise FormTokenError(
            _("We could not check this form. Please answer the questions below and press Send.")
        )
    if age > FORM_MAX_AGE.total_seconds():
        raise FormTokenError(
            _("This form was open for too long. Please check your answers and press Send again."),
            keep_answers=True,
        )
    return token


# --------------------------------------------------------------------------- what a link points to


@dataclasses.dataclass
class Target:
    """The unit, campaign and channel a citizen answers through, resolved from a QR code or dossier link."""

    unit: Unit
    campaign: Campaign
    channel: str
    link_id: str
    form_path: str
    thanks_path: str
    link: QRLink | None = None
    dossier: DossierToken | None = None
    nonce: str = ""
    # The stamp of the unit's catalog (_CATALOG_STAMP), when the statement that found the link read it.
    catalog_stamp: str | None = None

    @property
    def staff(self) -> StaffMember | None:
        return (self.link.staff if self.link else None) or (self.dossier.staff if self.dossier else None)

    @property
    def desk(self) -> Desk | None:
        return self.link.desk if self.link else None

    @property
    def known(self) -> frozenset[str]:
        """Question kinds the link already answers: a dossier link knows its procedure."""
        return (
            frozenset({"procedure"})
            if self.dossier is not None and self.dossier.procedure_id
            else frozenset()
        )


Page = Callable[[HttpRequest, str, Target], HttpResponse]


def _language(request: HttpRequest) -> str:
    """Vietnamese unless the page was asked for in English: no cookie, the choice rides in the URL."""
    return "en" if request.GET.get("lang") == "en" else "vi"


def _with_lang(path: str, lang: str) -> str:
    return f"{path}?lang=en" if lang == "en" else path


def _unique(rows: QuerySet[Any]) -> Any:
    """The row of a look-up by a unique code, or None: `.first()` would add an ORDER BY that costs more
    to build than the query takes to run, and orders nothing here."""
    return next(iter(rows[:1]), None)


def _qr_unit(code: str) -> Unit | None:
    short = _unique(
        ShortLink.objects.select_related("unit__parent__parent").filter(
            code=code, unit__onboarded_at__isnull=False
        )
    )
    return short.unit if short else None


def _qr_target(unit: Unit, link: QRLink, catalog_stamp: str | None = None) -> Target:
    return Target(
        unit=unit,
        campaign=link.campaign,
        channel=link.channel,
        link_id=f"q:{link.code}",
        form_path=f"/q/{link.code}",
        thanks_path=f"/q/{link.code}/cam-on",
        link=link,
        catalog_stamp=catalog_stamp,
    )


# The unit's active procedures (with their field's names) and active fields, as _catalog_of reads them.
_CATALOG_ROWS = (
    "SELECT true AS k, p.id, p.name_vi, p.name_en, p.field_id, f.name_vi AS fvi, f.name_en AS fen"
    " FROM {procedure} p LEFT JOIN {field} f ON f.id = p.field_id WHERE p.is_active"
    " UNION ALL SELECT false, id, name_vi, name_en, NULL, NULL, NULL FROM {field} WHERE is_active"
)


# A digest of every row of the unit's catalog tables, whole: any added, changed or removed procedure or
# field changes it, in this transaction or any other. Reading it costs a fraction of reading the catalog.
_CATALOG_STAMP = (
    "md5(concat_ws('|', (SELECT string_agg(p::text, ',') FROM {procedure} p),"
    " (SELECT string_agg(f::text, ',') FROM {field} f)))"
)


@functools.lru_cache(maxsize=4096)
def _qr_statement(schema: str) -> tuple[str, tuple[Columns, ...]]:
    """One statement, every table named with its schema (so it needs no `SET search_path`): in `schema`,
    the active link by code with its campaign, version (without the definition, read once per process),
    desk and civil servant; the unit's row as seen from the code in the public schema (to check
    _QR_UNITS against), and the stamp of the unit's catalog."""
    parts = (
        Columns.of(QRLink),
        Columns.of(Campaign),
        Columns.of(QuestionnaireVersion, defer=("definition",)),
        Columns.of(Desk),
        Columns.of(StaffMember),
    )
    link, campaign, version, desk, staff = parts
    q = connection.ops.quote_name
    public, own = q(get_public_schema_name()), q(schema)
    table = {m.model: f"{own}.{q(m.model._meta.db_table)}" for m in parts}
    units, shorts = q(Unit._meta.db_table), q(ShortLink._meta.db_table)
    stamp = _CATALOG_STAMP.format(
        procedure=f"{own}.{q(Procedure._meta.db_table)}", field=f"{own}.{q(Field._meta.db_table)}"
    )
    # Our table and column names only; the code and the two flags are parameters.
    sql = (
        f"SELECT {link.sql('l')}, {campaign.sql('c')}, {version.sql('v')}, {desk.sql('d')}, {staff.sql('m')},"  # noqa: S608
        " (SELECT concat_ws(chr(31), u.id, u.schema_name, u.name, p.name, g.name)"
        f" FROM {public}.{shorts} s JOIN {public}.{units} u ON u.id = s.unit_id"
        f" LEFT JOIN {public}.{units} p ON p.id = u.parent_id"
        f" LEFT JOIN {public}.{units} g ON g.id = p.parent_id"
        " WHERE s.code = l.code AND u.onboarded_at IS NOT NULL),"
        f" CASE WHEN %s THEN {stamp} END"
        f" FROM {table[QRLink]} l JOIN {table[Campaign]} c ON c.id = l.campaign_id"
        f" JOIN {table[QuestionnaireVersion]} v ON v.id = c.version_id"
        f" LEFT JOIN {table[Desk]} d ON d.id = l.desk_id"
        f" LEFT JOIN {table[StaffMember]} m ON m.id = l.staff_id"
        " WHERE l.code = %s AND (l.is_active OR NOT %s)"
    )
    return sql, parts


def _unit_stamp(unit: Unit) -> str:
    """What _qr_statement reads of a unit, as Python sees the cached one (concat_ws skips NULLs)."""
    parent = unit.parent
    grand = parent.parent if parent is not None else None
    names = [unit.name, parent.name if parent else None, grand.name if grand else None]
    return "\x1f".join([str(unit.pk), unit.schema_name, *(n for n in names if n is not None)])


def _qr_link_read(
    code: str, unit: Unit, *, check_unit: bool, active_only: bool, catalog: bool
) -> Target | None:
    """The link of a code in `unit`'s schema, in one statement; None when there is no such link, or when
    `check_unit` (a cached unit) and the unit no longer matches the database."""
    sql, parts = _qr_statement(unit.schema_name)
    with connection.cursor() as cursor:
        cursor.execute(sql, [catalog, code, active_only])
        row = cursor.fetchone()
    if row is None or (check_unit and row[-2] != _unit_stamp(unit)):
        return None
    built, start = [], 0
    for part in parts:
        built.append(part.build(row, start))
        start += len(part.fields)
    # Inner joins: the link, its campaign and version are there; the desk and civil servant may not be.
    link, campaign = cast("QRLink", built[0]), cast("Campaign", built[1])
    campaign.version = cast("QuestionnaireVersion", built[2])
    link.campaign = campaign
    link.desk, link.staff = cast("Desk | None", built[3]), cast("StaffMember | None", built[4])
    return _qr_target(unit, link, catalog_stamp=row[-1])


def _dossier_target(unit: Unit, token: DossierToken, nonce: str, form_path: str) -> Target:
    """A one-time link's target, at its signed address (/d/…) or its short one (/k/…)."""
    return Target(
        unit=unit,
        campaign=token.campaign,
        channel=token.channel,
        link_id=f"d:{token.pk}",
        form_path=form_path,
        thanks_path=f"{form_path}/cam-on",
        dossier=token,
        nonce=nonce,
    )


def _dossier_tokens() -> QuerySet[DossierToken]:
    return DossierToken.objects.select_related("campaign__version", "procedure", "staff").defer(
        "campaign__version__definition"
    )


def _dossier_token(token_id: int) -> DossierToken | None:
    return _unique(_dossier_tokens().filter(pk=token_id))


def _dossier_unit(signed: str) -> tuple[Unit, int, str] | None:
    if len(signed) > MAX_TOKEN_LENGTH:
        return None
    try:
        unit, token_id, nonce = dossier_token_read(signed)
    except SubmissionError:
        return None
    # dossier_token_read loads the bare unit; the page header names its parents too.
    unit = Unit.objects.select_related("parent__parent").get(pk=unit.pk)
    return unit, token_id, nonce


# --------------------------------------------------------------------------- views


def _at_qr_code(request: HttpRequest, code: str, page: Page, *, active_only: bool = True) -> HttpResponse:
    """Answer with `page` for the unit and link of a printed code, in that unit's schema and the reader's
    language; a code that leads nowhere gets the not-found notice."""
    lang = _language(request)
    code = code.strip().lower()
    with translation.override(lang):
        if not CODE_RE.fullmatch(code):
            return _not_found(request, lang)
        catalog = page is _form and request.method != "POST"  # only a form to draw needs the catalog
        # The link is read before switching to the unit's schema: a fresh form then needs no switch.
        cached = _QR_UNITS.get(code)
        if cached is not None:
            target = _qr_link_read(code, cached, check_unit=True, active_only=active_only, catalog=catalog)
            if target is not None:
                with tenant_context(cached):
                    return page(request, lang, target)
            _QR_UNITS.pop(code, None)
        unit = _qr_unit(code)
        if unit is None:
            return _not_found(request, lang)
        if len(_QR_UNITS) >= QR_UNITS_MAX:
            _QR_UNITS.clear()
        _QR_UNITS[code] = unit
        target = _qr_link_read(code, unit, check_unit=False, active_only=active_only, catalog=catalog)
        with tenant_context(unit):
            if target is None:
                return _not_found(request, lang, unit=unit)
            return page(request, lang, target)


def _at_dossier_link(request: HttpRequest, token: str, page: Page) -> HttpResponse:
    """The same for a signed dossier link."""
    lang = _language(request)
    with translation.override(lang):
        found = _dossier_unit(token)
        if found is None:
            return _not_found(request, lang)
        unit, token_id, nonce = found
        with tenant_context(unit):
            dossier = _dossier_token(token_id)
            if dossier is None:
                return _not_found(request, lang, unit=unit)
            return page(request, lang, _dossier_target(unit, dossier, nonce, f"/d/{token}"))


def _at_personal_link(request: HttpRequest, code: str, page: Page) -> HttpResponse:
    """The same for a listed customer's short personal link: its code alone finds the one-time link,
    which then answers exactly as its signed address does."""
    lang = _language(request)
    code = code.strip().lower()
    with translation.override(lang):
        unit = _qr_unit(code) if CODE_RE.fullmatch(code) else None
        if unit is None:
            return _not_found(request, lang)
        with tenant_context(unit):
            dossier = _unique(_dossier_tokens().filter(short_code=code))
            if dossier is None:
                return _not_found(request, lang, unit=unit)
            return page(request, lang, _dossier_target(unit, dossier, dossier.nonce, f"/k/{code}"))


@embeddable
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def qr_form(request: HttpRequest, code: str) -> HttpResponse:
    """The form behind a printed QR code of the campaign, a desk or a civil servant."""
    return _at_qr_code(request, code, _form)


@embeddable
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def dossier_form(request: HttpRequest, token: str) -> HttpResponse:
    """The form behind a one-time link printed on one dossier's receipt."""
    return _at_dossier_link(request, token, _dossier_form)


@embeddable
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def personal_form(request: HttpRequest, code: str) -> HttpResponse:
    """The same form behind a listed customer's short link (a text message, an e-mail, a letter)."""
    return _at_personal_link(request, code, _dossier_form)


def _dossier_form(request: HttpRequest, lang: str, target: Target) -> HttpResponse:
    if target.dossier is None:  # only a dossier link leads here
        return _not_found(request, lang, unit=target.unit)
    if request.method != "POST":
        # On a POST, response_submit checks it after its idempotency check, so that a
        # double tap still lands on the thank-you page.
        try:
            dossier_token_check(target.dossier, target.nonce)
        except SubmissionError as error:
            return _notice_from_error(request, lang, target, error)
    return _form(request, lang, target)


@embeddable
@never_cache
@require_http_methods(["GET", "HEAD"])
def qr_thanks(request: HttpRequest, code: str) -> HttpResponse:
    return _at_qr_code(request, code, _thanks, active_only=False)


@embeddable
@never_cache
@require_http_methods(["GET", "HEAD"])
def dossier_thanks(request: HttpRequest, token: str) -> HttpResponse:
    return _at_dossier_link(request, token, _thanks)


@embeddable
@never_cache
@require_http_methods(["GET", "HEAD"])
def personal_thanks(request: HttpRequest, code: str) -> HttpResponse:
    return _at_personal_link(request, code, _thanks)


# --------------------------------------------------------------------------- the form's steps


def _form(request: HttpRequest, lang: str, target: Target) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, target, lang)
    closed = _closed_notice(request, lang, target)
    if closed is not None:
        return closed
    return _render_form(request, lang, target, token=_fresh_token(target))


def _fresh_token(target: Target) -> str:
    return form_token_issue(
        link_id=target.link_id, campaign_id=target.campaign.pk, version_id=target.campaign.version_id
    )


def _submit(request: HttpRequest, target: Target, lang: str) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = MAX_BODY_BYTES + 1
    if length > MAX_BODY_BYTES:
        return _too_large(request, lang, target)
    try:
        data = request.POST
    except RequestDataTooBig:
        return _too_large(request, lang, target)
    except SuspiciousOperation:  # too many fields for Django's own parser, or a malformed body
        return _notice(
            request,
            lang,
            status=400,
            unit=target.unit,
            title=_("This form could not be read"),
            message=_("Please open the survey link again."),
            retry=target.form_path,
        )
    if sum(len(values) for _key, values in data.lists()) > MAX_FIELD_VALUES:
        return _notice(
            request,
            lang,
            status=400,
            unit=target.unit,
            title=_("This form could not be read"),
            message=_("It has too many fields. Please open the survey link again."),
            retry=target.form_path,
        )
    try:
        form = form_token_read(
            data.get(TOKEN_FIELD, ""), link_id=target.link_id, campaign_id=target.campaign.pk
        )
    except FormTokenError as error:
        return _closed_notice(request, lang, target) or _render_form(
            request,
            lang,
            target,
            token=_fresh_token(target),
            errors={"__all__": error.message},
            data=data if error.keep_answers else None,
            status=400,
        )
    if target.channel not in target.campaign.channels:
        return _closed_page(request, lang, target)
    try:
        response, _created = response_submit(
            campaign=target.campaign,
            version_id=form.version_id,
            data=data,
            submission_key=form.submission_key,
            channel=target.channel,
            link=target.link,
            dossier=(target.dossier, target.nonce) if target.dossier is not None else None,
            client=client_hash(client_address(request)),
            device=_desk_device(request, target),
            honeypot=bool(data.get(HONEYPOT_FIELD, "").strip()),
            language=lang,
        )
    except SubmissionError as error:
        if error.status in (404, 410):
            return _closed_notice(request, lang, target) or _notice_from_error(request, lang, target, error)
        # Keep the citizen's token (and so its submission key) unless the form itself is out of date.
        token = data[TOKEN_FIELD] if form.version_id == target.campaign.version_id else _fresh_token(target)
        return _render_form(
            request, lang, target, token=token, errors=error.errors, data=data, status=error.status
        )
    # Redirect after POST to a page that needs no cookie: a reload cannot post twice. An unsatisfied
    # answer is offered the feedback page there; the offer carries nothing of the answer.
    thanks = target.thanks_path + ("?gop-y=1" if response.overall_bucket == "unsatisfied" else "")
    if lang == "en":
        thanks += "&lang=en" if "?" in thanks else "?lang=en"
    return HttpResponseRedirect(thanks, status=303)


def _desk_device(request: HttpRequest, target: Target) -> DeskDevice | None:
    """The unit's registered desk device the form came from, for desk and civil-servant codes only."""
    if target.channel not in (Channel.DESK, Channel.STAFF):
        return None
    return desk_device_from_cookie(request.COOKIES.get(device_cookie_name(target.unit)))


def _closed_page(request: HttpRequest, lang: str, target: Target) -> HttpResponse:
    return _notice(
        request,
        lang,
        status=410,
        unit=target.unit,
        title=_("This survey is closed"),
        message=_("This survey is not taking answers at the moment. Thank you for your interest."),
    )


def _closed_notice(request: HttpRequest, lang: str, target: Target) -> HttpResponse | None:
    """The polite page for a campaign that takes no answers through this link today, else None.

    "Not open yet" is a 200 for a GET (nothing is wrong with the link) and a 410 for a POST (nothing stored).
    """
    campaign, today = target.campaign, timezone.localdate()
    if not campaign.is_active or target.channel not in campaign.channels:
        return _closed_page(request, lang, target)
    if today > campaign.ends_on:
        return _notice(
            request,
            lang,
            status=410,
            unit=target.unit,
            title=_("This survey has ended"),
            message=_("This survey ended on %(date)s. Thank you for your interest.")
            % {"date": campaign.ends_on.strftime("%d/%m/%Y")},
        )
    if today < campaign.starts_on:
        return _notice(
            request,
            lang,
            status=410 if request.method == "POST" else 200,
            unit=target.unit,
            title=_("This survey is not open yet"),
            message=_("This survey opens on %(date)s. Please come back then.")
            % {"date": campaign.starts_on.strftime("%d/%m/%Y")},
        )
    return None


def _notice_from_error(
    request: HttpRequest, lang: str, target: Target, error: SubmissionError
) -> HttpResponse:
    titles = {404: _("This survey link is not valid"), 410: _("This survey link can no longer be used")}
    return _notice(
        request,
        lang,
        status=error.status,
        unit=target.unit,
        title=titles.get(error.status, _("This form could not be sent")),
        message=error.errors.get("__all__") or " ".join(error.errors.values()),
    )


def _too_large(request: HttpRequest, lang: str, target: Target) -> HttpResponse:
    return _notice(
        request, lang, status=413, unit=target.unit, title=_("Your answers are too long"),
        message=_("Please shorten your comments and send the form again."), retry=target.form_path,
    )  # fmt: skip


def _not_found(request: HttpRequest, lang: str, unit: Unit | None = None) -> HttpResponse:
    return _notice(
        request,
        lang,
        status=404,
        unit=unit,
        title=_("We could not find this survey"),
        message=_(
            "The code may have been typed or scanned wrongly, or the survey has been removed. "
            "Please scan the QR code again or ask the staff at the desk."
        ),
    )


# --------------------------------------------------------------------------- rendering


def _unit_context(unit: Unit | None) -> dict[str, Any]:
    if unit is None:
        return {"unit_name": "", "unit_parents": ()}
    parents = tuple(
        p.name for p in (unit.parent, unit.parent.parent if unit.parent else None) if p is not None
    )
    return {"unit_name": unit.name, "unit_parents": parents}


def _page(
    request: HttpRequest,
    lang: str,
    template: str,
    context: Mapping[str, Any],
    status: int,
    *,
    token: str | None = None,
) -> HttpResponse:
    """The page drawn from `template`. With `token`, the context holds plain values only (strings,
    numbers, dates, tuples, with TOKEN_SLOT for the token): the page is drawn once per process for the
    same values and the token written into each copy."""
    other = "vi" if lang == "en" else "en"
    full = {
        **context,
        "lang": lang,
        "switch_lang": other,
        "switch_url": _with_lang(request.path, other),
        "switch_label": "Tiếng Việt" if other == "vi" else "English",
    }
    # No RequestContext: the console's context processors (session, user, unit menu) have no business
    # on a citizen's page, and skipping them keeps it free of session look-ups.
    html: str
    if token is None:
        html = loader.render_to_string(template, full)
    else:
        key = (template, *sorted(full.items()))
        drawn = _FRESH_PAGES.get(key)
        if drawn is None:
            drawn = loader.render_to_string(template, full)
            if len(_FRESH_PAGES) >= FRESH_PAGES_MAX:
                _FRESH_PAGES.clear()
            _FRESH_PAGES[key] = drawn
        html = drawn.replace(TOKEN_SLOT, escape(token))
    response = HttpResponse(html, status=status)
    response.headers["Content-Language"] = lang
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    # The dossier link is a secret: never hand it to another site in a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _notice(
    request: HttpRequest,
    lang: str,
    *,
    status: int,
    title: str,
    message: str,
    unit: Unit | None = None,
    retry: str | None = None,
) -> HttpResponse:
    context = {
        **_unit_context(unit),
        "title": title,
        "message": message,
        "retry_url": _with_lang(retry, lang) if retry else None,
    }
    return _page(request, lang, "citizen/notice.html", context, status)


def _thanks(request: HttpRequest, lang: str, target: Target) -> HttpResponse:
    context = {
        **_unit_context(target.unit),
        "thank_you": Definition.text(THANK_YOU, lang),
        "feedback_url": f"/gop-y/{target.unit.schema_name}?sau-khao-sat=1"
        + ("&lang=en" if lang == "en" else "")
        if request.GET.get("gop-y") == "1"
        else "",
    }
    return _page(request, lang, "citizen/thanks.html", context, 200)


def _render_form(
    request: HttpRequest,
    lang: str,
    target: Target,
    *,
    token: str,
    errors: Mapping[str, str] | None = None,
    data: QueryDict | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    version = target.campaign.version
    definition = version_definition(version=version)
    catalog, rows = _catalog(definition, lang, target.known, target.catalog_stamp)
    summary = [{"href": None, "text": errors["__all__"]}] if errors.get("__all__") else []
    # A fresh form (no answers, no errors) is the same markup for everyone who opens the same version
    # in the same language with the same catalog: drawn once per process, then reused.
    key = None
    if not errors and data is None and version.published_at is not None:
        key = (target.unit.schema_name, version.pk, version.published_at, lang, target.known, rows)
    questions_html = _FRESH_QUESTIONS.get(key) if key else None
    if questions_html is None:
        questions = question_views(
            definition=definition,
            lang=lang,
            data=data or QueryDict(),
            errors=errors,
            known=target.known,
            catalog=catalog,
        )
        summary += [
            {
                "href": f"#{q['anchor']}",
                "text": _("Question %(n)s: %(message)s") % {"n": q["n"], "message": q["error"]},
            }
            for q in questions
            if q["error"]
        ]
        questions_html = loader.render_to_string("citizen/questions.html", {"questions": questions})
        if key:
            if len(_FRESH_QUESTIONS) >= FRESH_QUESTIONS_MAX:
                _FRESH_QUESTIONS.clear()
            _FRESH_QUESTIONS[key] = questions_html
    staff, desk, campaign = target.staff, target.desk, target.campaign
    procedure = target.dossier.procedure if target.dossier is not None else None
    # Plain values only: a fresh form's page is cached by them (_page).
    context = {
        **_unit_context(target.unit),
        "title": Definition.text(definition.raw.get("title"), lang),
        "description": Definition.text(definition.raw.get("description"), lang),
        "campaign_name": campaign.name,
        "campaign_starts_on": campaign.starts_on,
        "campaign_ends_on": campaign.ends_on,
        "staff_name": staff.full_name if staff else "",
        "staff_position": staff.position if staff else "",
        "desk_name": desk.name if desk else "",
        "procedure_name": localized_name(procedure.name_vi, procedure.name_en, lang) if procedure else "",
        "questions_html": questions_html,
        "summary": tuple(summary),
        "action": _with_lang(target.form_path, lang),
        "token": TOKEN_SLOT if key else token,
        "token_field": TOKEN_FIELD,
        "honeypot_field": HONEYPOT_FIELD,
        "form_script": mark_safe(FORM_SCRIPT),  # noqa: S308 - a constant
    }
    return _page(request, lang, "citizen/form.html", context, status, token=token if key else None)


@functools.lru_cache(maxsize=8192)
def _sort_key(text: str) -> str:
    """Vietnamese alphabetical order, close enough for a list: Đ sorts with D, accents after the letter."""
    return fold(text) + "\0" + text


Catalog = tuple[list[dict[str, Any]], list[tuple[str, str]]]


def _catalog(
    definition: Definition, lang: str, known: frozenset[str], stamp: str | None = None
) -> tuple[Catalog, str]:
    """What the form's catalog questions offer, read only if it asks them."""
    return _catalog_of({q["kind"] for q in definition.questions} - known, lang, stamp)


def _catalog_groups(lang: str) -> list[dict[str, Any]]:
    """The unit's active procedures grouped by field (the feedback page's "procedure concerned")."""
    return _catalog_of({"procedure"}, lang)[0][0]


def _catalog_sql() -> str:
    """The unit's catalog rows (_CATALOG_ROWS) as one JSON text."""
    q = connection.ops.quote_name
    rows = _CATALOG_ROWS.format(procedure=q(Procedure._meta.db_table), field=q(Field._meta.db_table))
    row = "json_build_array(r.k, r.id, r.name_vi, r.name_en, r.field_id, r.fvi, r.fen)"
    return f"SELECT coalesce(json_agg({row}), '[]')::text FROM ({rows}) r"  # noqa: S608


def _catalog_of(kinds: set[str], lang: str, stamp: str | None = None) -> tuple[Catalog, str]:
    """The unit's active procedures grouped by field (kind "procedure") and its active fields (kind
    "field"), all in alphabetical order, and what identifies them: `stamp` (_CATALOG_STAMP, read in the
    same request) or the rows read here in one statement. Built once per process per schema, stamp (or
    rows), language and kinds; a catalog cached under the request's stamp is not read again."""
    wanted = frozenset(kinds & {"procedure", "field"})
    if not wanted:
        return ([], []), ""
    schema = cast("TenantDatabaseWrapper", connection).schema_name
    if stamp is not None:
        catalog = _CATALOGS.get((schema, stamp, lang, wanted))
        if catalog is not None:
            return catalog, stamp
    with connection.cursor() as cursor:
        cursor.execute(_catalog_sql())
        rows = cursor.fetchone()[0]
    # Read after the stamp: if the catalog changed in between, a stamp no longer current keys newer rows.
    identity = stamp if stamp is not None else rows
    key = (schema, identity, lang, wanted)
    groups: dict[int, dict[str, Any]] = {}
    fields = []
    for is_procedure, pk, name_vi, name_en, field_id, field_vi, field_en in json.loads(rows):
        if is_procedure and "procedure" in kinds:
            group = groups.setdefault(
                field_id, {"label": localized_name(field_vi, field_en, lang), "options": []}
            )
            group["options"].append((str(pk), localized_name(name_vi, name_en, lang)))
        elif not is_procedure and "field" in kinds:
            fields.append((str(pk), localized_name(name_vi, name_en, lang)))
    ordered = sorted(groups.values(), key=lambda g: _sort_key(g["label"]))
    for group in ordered:
        group["options"].sort(key=lambda option: _sort_key(option[1]))
    if len(_CATALOGS) >= CATALOGS_MAX:
        _CATALOGS.clear()
    catalog = _CATALOGS[key] = (ordered, sorted(fields, key=lambda f: _sort_key(f[1])))
    return catalog, identity


def _options_html(
    *, groups: list[dict[str, Any]], flat: list[tuple[str, str]], value: str, other_label: str
) -> SafeString:
    """The <option>s of a catalog question, built here: a template loop over 60 options is the page's
    slowest part. Values are database ids or "other"; every label is escaped."""

    def option(key: str, label: str) -> str:
        selected = " selected" if key == value else ""
        return f'<option value="{escape(key)}"{selected}>{escape(label)}</option>'

    choose = _("Choose…")
    parts = [f'<option value="">{escape(choose)}</option>']
    for group in groups:
        inner = "\n".join(option(k, label) for k, label in group["options"])
        parts.append(f'<optgroup label="{escape(group["label"])}">\n{inner}\n</optgroup>')
    parts += [option(k, label) for k, label in flat]
    parts.append(option("other", other_label))
    return mark_safe("\n".join(parts))  # noqa: S308 - built from escaped parts only


def _only_if(bucket: str) -> str:
    return {
        "unsatisfied": _("Answer this only if you were not satisfied."),
        "neutral": _("Answer this only if you chose “Neutral”."),
        "satisfied": _("Answer this only if you were satisfied."),
    }[bucket]


def _reason_groups(
    options: Iterable[Mapping[str, Any]], lang: str, qid: str, chosen: set[str]
) -> list[dict[str, Any]]:
    """Options under their element's heading (the Hồng Thái layout), headings only when there are several."""
    groups: list[dict[str, Any]] = []
    for option in options:
        if not groups or groups[-1]["element"] != option["element"]:
            groups.append({"element": option["element"], "heading": "", "options": []})
        groups[-1]["options"].append(
            {
                "value": option["key"],
                "label": Definition.text(option["text"], lang),
                "id": f"{qid}-{option['key']}",
                "checked": option["key"] in chosen,
            }
        )
    if len(groups) >= 3:
        for group in groups:
            group["heading"] = Definition.text(ELEMENTS.get(group["element"]), lang)
    return groups


def question_views(
    *,
    definition: Definition,
    lang: str,
    data: QueryDict,
    errors: Mapping[str, str],
    known: frozenset[str] = frozenset(),
    catalog: Catalog | None = None,
) -> list[dict[str, Any]]:
    """What the template needs for each question asked, in the chosen language, with posted values kept."""
    procedures, fields = catalog if catalog is not None else _catalog(definition, lang, known)[0]
    views: list[dict[str, Any]] = []
    number, sub = 0, 0
    for q in definition.questions:
        kind = q["kind"]
        if kind in known:
            continue
        key = q["key"]
        name, qid = f"q_{key}", f"q-{key}"
        # A follow-up shown only after some answers is numbered under the question before it (3a, 3b),
        # so that hiding it leaves no gap in the numbers.
        if q.get("show_if") and number:
            sub += 1
            label = f"{number}{'abcdefghijklmnopqrstuvwxyz'[min(sub, 26) - 1]}"
        else:
            number, sub = number + 1, 0
            label = str(number)
        view: dict[str, Any] = {
            "n": label,
            "key": key,
            "kind": kind,
            "id": qid,
            "name": name,
            "text": Definition.text(q["text"], lang),
            "help": Definition.text(q.get("help"), lang),
            "required": bool(q.get("required")),
            "error": errors.get(key, ""),
            "anchor": qid,
        }
        posted = data.get(name, "")
        if kind in ("procedure", "field"):
            view["options_html"] = _options_html(
                groups=procedures if kind == "procedure" else [],
                flat=fields if kind == "field" else [],
                value=posted,
                other_label=Definition.text(OTHER_CHOICE["text"], lang),
            )
            view["other_value"] = data.get(f"{name}_other", "")
        elif kind == "rating":
            levels: list[dict[str, object]] = [
                {
                    "value": str(level["value"]),
                    "label": Definition.text(level["label"], lang),
                    "bucket": level["bucket"],
                }
                for level in SCALES[q["scale"]]["levels"]
            ]
            if not view["required"]:
                levels.append({"value": NO_ANSWER, "label": _("No answer / does not apply"), "bucket": ""})
            for level in levels:
                level["id"] = f"{qid}-{level['value']}"
                level["checked"] = posted == level["value"]
            view["levels"] = levels
            view["anchor"] = levels[0]["id"]
        elif kind == "choice":
            # Drawn like a rating's levels: one radio button per option.
            levels = [
                {"value": o["key"], "label": Definition.text(o["text"], lang), "bucket": ""}
                for o in q["options"]
            ]
            for level in levels:
                level["id"] = f"{qid}-{level['value']}"
                level["checked"] = posted == level["value"]
            view["levels"] = levels
            view["anchor"] = levels[0]["id"]
        elif kind == "reasons":
            groups = _reason_groups(q["options"], lang, qid, set(data.getlist(name)))
            view["groups"] = groups
            view["anchor"] = groups[0]["options"][0]["id"]
        elif kind == "text":
            view["value"] = posted
            view["max_length"] = q["max_length"]
        elif kind == "contact":
            view["parts"] = {part: data.get(f"{name}_{part}", "") for part in ("name", "phone", "email")}
            view["consent"] = data.get(f"{name}_consent") == "yes"
            view["anchor"] = f"{qid}-name"
        show_if = q.get("show_if")
        if show_if:
            view["show_if"] = {"name": f"q_{show_if['question']}", "bucket": show_if["bucket"]}
            view["only_if"] = _only_if(show_if["bucket"])
        views.append(view)
    return views


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The unsubscribe link of a customer-survey e-mail. A GET only asks (mail scanners open links);
    the button, or a mail client's one-click POST (RFC 8058), stops the unit's e-mails. The signed
    token is the proof, as for a dossier link: no cookie, no CSRF token."""
    lang = _language(request)
    if request.method == "POST":
        if not customer_unsubscribe(token):
            return _page(
                request,
                lang,
                "citizen/notice.html",
                {"title": _("Link not valid"), "message": _("This link is not valid.")},
                404,
            )
        context = {"title": _("Unsubscribed"), "message": _("You will receive no more e-mail about surveys.")}
        return _page(request, lang, "citizen/notice.html", context, 200)
    return _page(request, lang, "citizen/unsubscribe.html", {"title": _("Stop survey e-mails?")}, 200)
