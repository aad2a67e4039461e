"""The citizen's feedback pages: /gop-y/<unit> ("góp ý": feedback) and /danh-gia/<token> ("đánh giá":
rating of the handling, a one-time link sent with the reply).

Like the survey form they need no cookie and no JavaScript; the POST is protected by the same signed
form token (which also carries the submission key, so a double tap stores one record). The page never
receives anything of a survey answer: after an unsatisfied answer the thanks page only links here.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_tenants.utils import tenant_context

from tenants.embedding import embeddable
from tenants.models import Unit

from .citizen_views import (
    HONEYPOT_FIELD,
    MAX_BODY_BYTES,
    TOKEN_FIELD,
    FormTokenError,
    _catalog_groups,
    _language,
    _notice,
    _options_html,
    _page,
    _unit_context,
    _with_lang,
    form_token_issue,
    form_token_read,
)
from .feedback import FeedbackInput, feedback_check, feedback_rate, feedback_rating_read, feedback_submit
from .models import Feedback, FeedbackCategory
from .qr import qr_svg
from .scales import FIVE_LEVEL
from .services import SubmissionError

CONTACT_PARTS = ("name", "phone", "email", "address")
MAX_FIELDS = 30


def feedback_link(unit: Unit) -> str:
    """The unit's public feedback page, for its poster and QR code."""
    return f"{settings.BASE_URL}/gop-y/{unit.schema_name}"


def _unit(slug: str) -> Unit | None:
    if not slug.isascii() or len(slug) > 63:
        return None
    return (
        Unit.objects.select_related("parent__parent")
        .filter(schema_name=slug, onboarded_at__isnull=False)
        .first()
    )


def _link_id(unit: Unit) -> str:
    return f"f:{unit.pk}"


def _form_page(
    request: HttpRequest,
    lang: str,
    unit: Unit,
    *,
    after: bool,
    token: str,
    data: QueryDict | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    data = data or QueryDict()
    errors = errors or {}
    context = {
        **_unit_context(unit),
        "title": _("Feedback and complaints"),
        "action": _with_lang(f"/gop-y/{unit.schema_name}", lang),
        "categories": [
            (value, label, data.get("category") == value) for value, label in FeedbackCategory.choices
        ],
        "procedure_options": _options_html(
            groups=_catalog_groups(lang),
            flat=[],
            value=data.get("procedure", ""),
            other_label=_("Other / not sure"),
        ),
        "data": {
            k: data.get(k, "") for k in ("content", "dossier_code", *(f"contact_{p}" for p in CONTACT_PARTS))
        },
        "consent": data.get("consent") == "yes",
        "after": after,
        "errors": errors,
        "token": token,
        "token_field": TOKEN_FIELD,
        "honeypot_field": HONEYPOT_FIELD,
    }
    return _page(request, lang, "citizen/feedback.html", context, status)


def _parse(data: QueryDict) -> tuple[FeedbackInput, dict[str, str]]:
    errors: dict[str, str] = {}
    contact = {part: data.get(f"contact_{part}", "") for part in CONTACT_PARTS}
    if any(v.strip() for v in contact.values()) and data.get("consent") != "yes":
        errors["consent"] = _("Tick the box to let the office contact you, or leave your details out.")
    procedure = data.get("procedure", "")
    return (
        FeedbackInput(
            category=data.get("category", ""),
            content=data.get("content", ""),
            procedure=None if procedure in ("", "other") else procedure,
            dossier_code=data.get("dossier_code", ""),
            contact=contact,
        ),
        errors,
    )


@embeddable
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def feedback_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The unit's "Góp ý, phản ánh" page behind its link and QR code."""
    lang = _language(request)
    with translation.override(lang):
        unit = _unit(slug)
        if unit is None:
            return _notice(
                request,
                lang,
                status=404,
                title=_("We could not find this page"),
                message=_("Please scan the QR code again or ask the staff at the desk."),
            )
        with tenant_context(unit):
            if request.method != "POST":
                after = request.GET.get("sau-khao-sat") == "1"
                return _form_page(request, lang, unit, after=after, token=_token(unit))
            return _post(request, lang, unit)


def _token(unit: Unit) -> str:
    return form_token_issue(link_id=_link_id(unit), campaign_id=0, version_id=0)


def _post(request: HttpRequest, lang: str, unit: Unit) -> HttpResponse:
    def refused(title: str, message: str, status: int) -> HttpResponse:
        return _notice(
            request,
            lang,
            status=status,
            unit=unit,
            title=title,
            message=message,
            retry=f"/gop-y/{unit.schema_name}",
        )

    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            raise RequestDataTooBig
        data = request.POST
    except (RequestDataTooBig, ValueError):
        return refused(_("Your message is too long"), _("Please shorten it and send it again."), 413)
    except SuspiciousOperation:
        return refused(_("This form could not be read"), _("Please open the page again."), 400)
    if sum(len(v) for _k, v in data.lists()) > MAX_FIELDS:
        return refused(_("This form could not be read"), _("Please open the page again."), 400)
    after = data.get("after") == "1"
    try:
        form = form_token_read(data.get(TOKEN_FIELD, ""), link_id=_link_id(unit), campaign_id=0)
    except FormTokenError as error:
        return _form_page(
            request,
            lang,
            unit,
            after=after,
            token=_token(unit),
            data=data,
            errors={"__all__": error.message},
            status=400,
        )
    if data.get(HONEYPOT_FIELD, "").strip():
        # A bot: answer as if stored, store nothing.
        return HttpResponseRedirect(_with_lang(f"/gop-y/{unit.schema_name}/cam-on", lang), status=303)
    parsed, errors = _parse(data)
    try:
        feedback_check(parsed)
    except ValidationError as error:
        errors = {**{k: v[0] for k, v in error.message_dict.items()}, **errors}
    if errors:  # every problem at once, and nothing stored
        return _form_page(
            request, lang, unit, after=after, token=data[TOKEN_FIELD], data=data, errors=errors, status=400
        )
    feedback, _created = feedback_submit(
        unit=unit, data=parsed, submission_key=form.submission_key, after_survey=after
    )
    thanks = f"/gop-y/{unit.schema_name}/cam-on?ma={feedback.reference}" + (
        "&lang=en" if lang == "en" else ""
    )
    return HttpResponseRedirect(thanks, status=303)


@embeddable
@never_cache
@require_http_methods(["GET", "HEAD"])
def feedback_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    lang = _language(request)
    with translation.override(lang):
        unit = _unit(slug)
        reference = request.GET.get("ma", "")
        if unit is None:
            return _notice(request, lang, status=404, title=_("We could not find this page"), message="")
        with tenant_context(unit):
            known = (
                reference.isalnum()
                and len(reference) <= 12
                and Feedback.objects.filter(reference=reference).exists()
            )
        context = {**_unit_context(unit), "title": _("Thank you"), "reference": reference if known else ""}
        return _page(request, lang, "citizen/feedback_thanks.html", context, 200)


@never_cache
@require_http_methods(["GET", "HEAD"])
def feedback_qr(request: HttpRequest, slug: str) -> HttpResponse:
    """The QR code of the unit's feedback page (SVG), to print beside the survey's."""
    unit = _unit(slug)
    if unit is None:
        return HttpResponse(status=404)
    return HttpResponse(qr_svg(feedback_link(unit)), content_type="image/svg+xml")


@embeddable
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rating_page(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link to rate how a piece of feedback was handled."""
    lang = _language(request)
    with translation.override(lang):
        try:
            if len(token) > 1000:
                raise SubmissionError({"__all__": _("This survey link is not valid.")}, status=404)
            unit, feedback, _nonce = feedback_rating_read(token)
        except SubmissionError as error:
            return _notice(
                request,
                lang,
                status=error.status,
                title=_("This link cannot be used"),
                message=error.errors.get("__all__", ""),
            )
        unit = Unit.objects.select_related("parent__parent").get(pk=unit.pk)
        errors: dict[str, str] = {}
        if request.method == "POST":
            try:
                feedback_rate(signed=token, value=request.POST.get("rating", ""))
            except SubmissionError as error:
                if error.status != 400:
                    return _notice(
                        request, lang, status=error.status, unit=unit, title=_("This link cannot be used"),
                        message=error.errors.get("__all__", ""),
                    )  # fmt: skip
                errors = error.errors
            else:
                return _notice(
                    request,
                    lang,
                    status=200,
                    unit=unit,
                    title=_("Thank you"),
                    message=_("Your rating has been recorded."),
                )
        levels = [
            (str(level.value), level.label_en if lang == "en" else level.label_vi)
            for level in FIVE_LEVEL.levels
        ]
        context = {
            **_unit_context(unit),
            "title": _("How was your feedback handled?"),
            "reference": feedback.reference,
            "levels": levels,
            "errors": errors,
            "action": _with_lang(f"/danh-gia/{token}", lang),
        }
        return _page(request, lang, "citizen/rating.html", context, 400 if errors else 200)
