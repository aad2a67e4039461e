"""The officer console's set-up pages of one unit: catalog, desks and staff, questionnaires, campaigns.

Views stay thin: a form parses, a service writes, a refused input re-renders the page with status 400.
Every view needs OPERATE in the current unit (404 otherwise, so nothing leaks); sharing also needs MANAGE.
"""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenants.confirmation import confirmation_step
from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.models import QuestionnaireShare
from tenants.permissions import Action, has_perm

from . import selectors
from .builtin.questionnaires import BUILTIN_BY_KEY
from .forms import (
    CampaignForm,
    DefinitionJSONForm,
    DeskForm,
    FieldForm,
    InstallBuiltinForm,
    ProcedureForm,
    QuestionnaireEditorForm,
    SearchForm,
    StaffMemberForm,
)
from .models import Campaign, Channel, Desk, Field, Procedure, QRLink, Questionnaire, StaffMember
from .services import (
    campaign_create,
    catalog_seed,
    questionnaire_install_builtin,
    questionnaire_version_draft,
    short_url,
)
from .setup_services import (
    SHARING_LEVELS,
    campaign_link_ensure,
    campaign_set_active,
    campaign_update,
    campaign_version_switch,
    desk_create,
    desk_set_active,
    desk_update,
    field_create,
    field_set_active,
    field_update,
    procedure_create,
    procedure_set_active,
    procedure_update,
    qr_link_deactivate,
    qr_link_move,
    questionnaire_draft_discard,
    questionnaire_draft_publish,
    questionnaire_draft_save,
    questionnaire_share,
    questionnaire_share_withdraw,
    questionnaire_use_shared,
    staff_member_create,
    staff_member_set_active,
    staff_member_update,
)

operate = unit_permission_required(Action.OPERATE)


def _attach(form: Form, error: ValidationError) -> None:
    """Put a service's error next to the field it names, or on top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def _active_flag(request: UnitRequest) -> bool:
    value = request.POST.get("active")
    if value not in {"0", "1"}:
        raise Http404  # only the page's own buttons post here
    return value == "1"


def _form_page(
    request: UnitRequest,
    form: Form,
    *,
    back: str,
    title: str = "",
    template: str = "console/surveys/form.html",
    **extra: Any,
) -> HttpResponse:
    context = {"form": form, "title": title, "back": back, **extra}
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _form_view(
    request: UnitRequest,
    form: Form,
    *,
    save: Callable[[dict[str, Any]], Any],
    success: Callable[[Any], str],
    back: str,
    then: Callable[[Any], str] | None = None,
    page: Callable[..., HttpResponse] = _form_page,
    **context: Any,
) -> HttpResponse:
    """The set-up pages' form: a valid POST goes to `save(cleaned_data)` (a service), then says
    `success(saved)` and redirects to `then(saved)`, or to `back`. A refused POST, by the form or by the
    service (its errors attached to the fields they name), shows `page` again with status 400."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, success(saved))
            return redirect(then(saved) if then else back)
    return page(request, form, back=back, **context)


# --------------------------------------------------------------------------- the unit's overview


@unit_permission_required(Action.VIEW_FIGURES)
@require_GET
def unit_home(request: UnitRequest) -> HttpResponse:
    """A unit's own console (/u/<slug>/console/); for those who set the unit up, the first steps to its
    first answer and which of them are done."""
    unit = request.tenant
    steps = []
    if has_perm(request.user, Action.OPERATE, unit):
        steps = [
            {"key": step.key, "done": step.done, "url": reverse(step.url_name, args=step.url_args)}
            for step in selectors.first_steps()
        ]
    context = {
        "unit": unit,
        "can_manage": has_perm(request.user, Action.MANAGE, unit),
        "steps": steps,
        "steps_left": sum(not step["done"] for step in steps),
    }
    return render(request, "console/unit_home.html", context)


# --------------------------------------------------------------------------- catalog


@operate
@require_GET
def catalog(request: UnitRequest) -> HttpResponse:
    return _catalog_page(request)


def _catalog_page(
    request: UnitRequest, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    search = SearchForm(request.GET)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    procedures = selectors.procedure_search(q=q)
    context = {
        "search": search,
        "q": q,
        "fields": selectors.field_list(),
        "procedures": procedures,
        "procedure_total": Procedure.objects.count(),
        "errors": errors or [],
    }
    return render(request, "console/surveys/catalog.html", context, status=status)


@operate
@require_POST
def catalog_seed_view(request: UnitRequest) -> HttpResponse:
    conflicts = selectors.catalog_seed_conflicts()
    if conflicts:
        message = _(
            "The standard catalog could not be loaded: the national codes %(codes)s are already used by "
            "procedures of yours. Change or clear those codes first."
        ) % {"codes": ", ".join(conflicts)}
        return _catalog_page(request, errors=[message], status=400)
    fields, created = catalog_seed()
    messages.success(
        request,
        _(
            "Standard catalog loaded: %(fields)s fields, %(created)s new procedures; "
            "your own entries were kept."
        )
        % {"fields": fields, "created": created},
    )
    return redirect("unit:catalog")


@operate
@require_http_methods(["GET", "POST"])
def field_new(request: UnitRequest) -> HttpResponse:
    return _form_view(
        request,
        FieldForm(request.POST or None),
        save=lambda data: field_create(**data),
        success=lambda field: _("Field “%(name)s” added.") % {"name": field.name_vi},
        back=reverse("unit:catalog"),
        title=_("New field"),
    )


@operate
@require_http_methods(["GET", "POST"])
def field_edit(request: UnitRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(Field, pk=pk)
    initial = {"name_vi": field.name_vi, "name_en": field.name_en, "key": field.key}
    form = FieldForm(request.POST or None, initial=initial)
    form.fields["key"].disabled = True
    form.fields["key"].help_text = ""
    return _form_view(
        request,
        form,
        save=lambda data: field_update(field=field, name_vi=data["name_vi"], name_en=data["name_en"]),
        success=lambda field: _("Field “%(name)s” saved.") % {"name": field.name_vi},
        back=reverse("unit:catalog"),
        title=_("Edit field"),
        toggle={"url": reverse("unit:field_active", args=[field.pk]), "active": field.is_active},
    )


@operate
@require_POST
def field_active(request: UnitRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(Field, pk=pk)
    active = _active_flag(request)
    field_set_active(field=field, active=active)
    text = _("Field “%(name)s” reactivated.") if active else _("Field “%(name)s” deactivated.")
    messages.success(request, text % {"name": field.name_vi})
    return redirect("unit:catalog")


@operate
@require_http_methods(["GET", "POST"])
def procedure_new(request: UnitRequest) -> HttpResponse:
    if not Field.objects.filter(is_active=True).exists():
        messages.error(request, _("Add a field first: every procedure belongs to a field."))
        return redirect("unit:catalog")
    return _form_view(
        request,
        ProcedureForm(request.POST or None, initial={"field": request.GET.get("field")}),
        save=lambda data: procedure_create(**data),
        success=lambda procedure: _("Procedure “%(name)s” added.") % {"name": procedure.name_vi},
        back=reverse("unit:catalog"),
        title=_("New procedure"),
    )


@operate
@require_http_methods(["GET", "POST"])
def procedure_edit(request: UnitRequest, pk: int) -> HttpResponse:
    procedure = get_object_or_404(Procedure.objects.select_related("field"), pk=pk)
    initial = {
        "name_vi": procedure.name_vi,
        "name_en": procedure.name_en,
        "field": procedure.field_id,
        "national_code": procedure.national_code or "",
        "key": procedure.key,
    }
    form = ProcedureForm(request.POST or None, initial=initial, current_field=procedure.field)
    form.fields["key"].disabled = True
    form.fields["key"].help_text = ""
    return _form_view(
        request,
        form,
        save=lambda data: procedure_update(
            procedure=procedure,
            field=data["field"],
            name_vi=data["name_vi"],
            name_en=data["name_en"],
            national_code=data["national_code"],
        ),
        success=lambda procedure: _("Procedure “%(name)s” saved.") % {"name": procedure.name_vi},
        back=reverse("unit:catalog"),
        title=_("Edit procedure"),
        toggle={"url": reverse("unit:procedure_active", args=[procedure.pk]), "active": procedure.is_active},
        note=_("A procedure is never deleted, because responses point to it; deactivate it instead."),
    )


@operate
@require_POST
def procedure_active(request: UnitRequest, pk: int) -> HttpResponse:
    procedure = get_object_or_404(Procedure, pk=pk)
    active = _active_flag(request)
    procedure_set_active(procedure=procedure, active=active)
    text = _("Procedure “%(name)s” reactivated.") if active else _("Procedure “%(name)s” deactivated.")
    messages.success(request, text % {"name": procedure.name_vi})
    return redirect("unit:catalog")


# --------------------------------------------------------------------------- desks and civil servants


@operate
@require_GET
def staff(request: UnitRequest) -> HttpResponse:
    context = {"desks": selectors.desk_list(), "members": selectors.staff_list()}
    return render(request, "console/surveys/staff.html", context)


@operate
@require_http_methods(["GET", "POST"])
def desk_new(request: UnitRequest) -> HttpResponse:
    return _form_view(
        request,
        DeskForm(request.POST or None),
        save=lambda data: desk_create(**data),
        success=lambda desk: _("Desk “%(name)s” added.") % {"name": desk.name},
        back=reverse("unit:staff"),
        title=_("New service desk"),
    )


@operate
@require_http_methods(["GET", "POST"])
def desk_edit(request: UnitRequest, pk: int) -> HttpResponse:
    desk = get_object_or_404(Desk, pk=pk)
    return _form_view(
        request,
        DeskForm(request.POST or None, initial={"name": desk.name, "location": desk.location}),
        save=lambda data: desk_update(desk=desk, **data),
        success=lambda desk: _("Desk “%(name)s” saved.") % {"name": desk.name},
        back=reverse("unit:staff"),
        title=_("Edit service desk"),
        toggle={"url": reverse("unit:desk_active", args=[desk.pk]), "active": desk.is_active},
    )


@operate
@require_POST
def desk_active(request: UnitRequest, pk: int) -> HttpResponse:
    desk = get_object_or_404(Desk, pk=pk)
    active = _active_flag(request)
    desk_set_active(desk=desk, active=active)
    text = _("Desk “%(name)s” reactivated.") if active else _("Desk “%(name)s” deactivated.")
    messages.success(request, text % {"name": desk.name})
    return redirect("unit:staff")


@operate
@require_http_methods(["GET", "POST"])
def staff_new(request: UnitRequest) -> HttpResponse:
    return _form_view(
        request,
        StaffMemberForm(request.POST or None),
        save=lambda data: staff_member_create(**data),
        success=lambda member: _("“%(name)s” added.") % {"name": member.full_name},
        back=reverse("unit:staff"),
        title=_("New civil servant"),
    )


@operate
@require_http_methods(["GET", "POST"])
def staff_edit(request: UnitRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(StaffMember, pk=pk)
    initial = {
        "full_name": member.full_name,
        "position": member.position,
        "desk": member.desk_id,
        "fields": list(member.fields.values_list("pk", flat=True)),
    }
    return _form_view(
        request,
        StaffMemberForm(request.POST or None, initial=initial, member=member),
        save=lambda data: staff_member_update(member=member, **data),
        success=lambda member: _("“%(name)s” saved.") % {"name": member.full_name},
        back=reverse("unit:staff"),
        title=_("Edit civil servant"),
        toggle={"url": reverse("unit:staff_active", args=[member.pk]), "active": member.is_active},
    )


@operate
@require_POST
def staff_active(request: UnitRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(StaffMember, pk=pk)
    active = _active_flag(request)
    staff_member_set_active(member=member, active=active)
    text = _("“%(name)s” reactivated.") if active else _("“%(name)s” deactivated.")
    messages.success(request, text % {"name": member.full_name})
    return redirect("unit:staff")


# --------------------------------------------------------------------------- questionnaires


def _can_share(request: UnitRequest) -> bool:
    unit = request.tenant
    return unit.level in SHARING_LEVELS and has_perm(request.user, Action.MANAGE, unit)


@operate
@require_GET
def questionnaires(request: UnitRequest) -> HttpResponse:
    return _questionnaires_page(request)


def _questionnaires_page(
    request: UnitRequest, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    unit = request.tenant
    items = list(selectors.questionnaire_list())
    in_use = {q.shared_from: q for q in items if q.shared_from and q.is_locked}
    offered = []
    for share in selectors.shares_offered_to(unit=unit):
        offered.append({"share": share, "used": in_use.get(share.pk)})
    can_share = _can_share(request)
    context = {
        "items": items,
        "templates": selectors.builtin_templates(),
        "offered": offered,
        "can_share": can_share,
        "owned": selectors.shares_owned_by(unit=unit) if can_share else [],
        "errors": errors or [],
    }
    return render(request, "console/surveys/questionnaires.html", context, status=status)


@operate
@require_POST
def questionnaire_install(request: UnitRequest) -> HttpResponse:
    form = InstallBuiltinForm(request.POST)
    if not form.is_valid():
        return _questionnaires_page(request, errors=[_("Choose a template from the list.")], status=400)
    key = form.cleaned_data["key"]
    if Questionnaire.objects.filter(key=key).exists():
        messages.info(request, _("This template is already installed."))
        return redirect("unit:questionnaires")
    try:
        questionnaire = questionnaire_install_builtin(key=key)
    except ValidationError as error:
        return _questionnaires_page(request, errors=_messages_of(error), status=400)
    messages.success(
        request, _("“%(title)s” installed and published.") % {"title": BUILTIN_BY_KEY[key]["title"]["vi"]}
    )
    return redirect("unit:questionnaire", pk=questionnaire.pk)


def _questionnaire_page(
    request: UnitRequest, questionnaire: Questionnaire, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    versions = list(questionnaire.versions.order_by("-number"))
    shown = versions[0] if versions else None
    raw = request.GET.get("v", "")
    if raw:
        shown = next((v for v in versions if str(v.number) == raw), None)
        if shown is None:
            raise Http404
    share = (
        QuestionnaireShare.objects.filter(pk=questionnaire.shared_from).select_related("owner").first()
        if questionnaire.shared_from
        else None
    )
    published = questionnaire.latest_published
    campaigns = list(
        Campaign.objects.filter(version__questionnaire=questionnaire)
        .select_related("version")
        .order_by("-starts_on")
    )
    context = {
        "questionnaire": questionnaire,
        "versions": versions,
        "shown": shown,
        "preview": selectors.definition_preview(shown.definition) if shown else [],
        "languages": ["vi", "en"],
        "draft": selectors.questionnaire_draft(questionnaire=questionnaire),
        "published": published,
        "campaigns": campaigns,
        # Campaigns on an older version: after publishing, the page offers to move them (same QR codes).
        "behind": [c for c in campaigns if published and c.version.number < published.number],
        "share": share,
        "can_share": _can_share(request),
        "procedure_count": Procedure.objects.filter(is_active=True).count(),
        "field_count": Field.objects.filter(is_active=True).count(),
        "errors": errors or [],
    }
    return render(request, "console/surveys/questionnaire.html", context, status=status)


@operate
@require_GET
def questionnaire_detail(request: UnitRequest, pk: int) -> HttpResponse:
    return _questionnaire_page(request, get_object_or_404(Questionnaire, pk=pk))


@operate
@require_POST
def questionnaire_draft(request: UnitRequest, pk: int) -> HttpResponse:
    """Start editing: a draft copy of the latest version (or the existing draft)."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    try:
        questionnaire_version_draft(questionnaire=questionnaire)
    except ValidationError as error:
        return _questionnaire_page(request, questionnaire, errors=_messages_of(error), status=400)
    return redirect("unit:questionnaire_edit", pk=questionnaire.pk)


def _draft_or_redirect(request: UnitRequest, questionnaire: Questionnaire) -> Any:
    draft = selectors.questionnaire_draft(questionnaire=questionnaire)
    if questionnaire.is_locked or draft is None:
        messages.info(request, _("There is no draft to edit; start one from the questionnaire page."))
        return None
    return draft


@operate
@require_http_methods(["GET", "POST"])
def questionnaire_edit(request: UnitRequest, pk: int) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    draft = _draft_or_redirect(request, questionnaire)
    if draft is None:
        return redirect("unit:questionnaire", pk=pk)
    form = QuestionnaireEditorForm(request.POST or None, definition=draft.definition)
    return _form_view(
        request,
        form,
        save=lambda data: questionnaire_draft_save(questionnaire=questionnaire, definition=form.definition),
        success=lambda saved: _("Draft v%(n)s saved. Publish it when it is ready.") % {"n": draft.number},
        back=reverse("unit:questionnaire", args=[pk]),
        template="console/surveys/questionnaire_edit.html",
        questionnaire=questionnaire,
        draft=draft,
    )


@operate
@require_http_methods(["GET", "POST"])
def questionnaire_edit_json(request: UnitRequest, pk: int) -> HttpResponse:
    """The whole definition as JSON: for platform operators; officials edit through the form editor."""
    if not request.user.is_superuser:
        raise Http404
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    draft = _draft_or_redirect(request, questionnaire)
    if draft is None:
        return redirect("unit:questionnaire", pk=pk)
    text = json.dumps(draft.definition, ensure_ascii=False, indent=2)
    return _form_view(
        request,
        DefinitionJSONForm(request.POST or None, initial={"definition": text}),
        save=lambda data: questionnaire_draft_save(
            questionnaire=questionnaire, definition=data["definition"]
        ),
        success=lambda saved: _("Draft v%(n)s saved. Publish it when it is ready.") % {"n": draft.number},
        back=reverse("unit:questionnaire", args=[pk]),
        template="console/surveys/questionnaire_json.html",
        questionnaire=questionnaire,
        draft=draft,
    )


@operate
@require_POST
def questionnaire_publish(request: UnitRequest, pk: int) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    draft = selectors.questionnaire_draft(questionnaire=questionnaire)
    if draft is not None:
        asked = confirmation_step(
            request,
            title=_("Publish version %(n)s of “%(name)s”?") % {"n": draft.number, "name": questionnaire},
            consequences=[
                _("A published version can never be edited or deleted: every answer is stored against it."),
                _("To change a question afterwards you make a new version; this one stays as it is."),
            ],
            button=_("Publish v%(n)s") % {"n": draft.number},
            cancel_url=reverse("unit:questionnaire", args=[pk]),
        )
        if asked is not None:
            return asked
    try:
        version = questionnaire_draft_publish(questionnaire=questionnaire)
    except ValidationError as error:
        return _questionnaire_page(request, questionnaire, errors=_messages_of(error), status=400)
    messages.success(
        request,
        _("Version %(n)s published. Campaigns keep their version until you choose this one.")
        % {"n": version.number},
    )
    return redirect(f"{reverse('unit:questionnaire', args=[pk])}#switch")


@operate
@require_POST
def questionnaire_switch(request: UnitRequest, pk: int) -> HttpResponse:
    """Move the chosen campaigns to the latest published version; their QR codes stay the same."""
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    version = questionnaire.latest_published
    raw = request.POST.getlist("campaign")
    if version is None or not raw or not all(value.isdigit() for value in raw):
        return _questionnaire_page(
            request, questionnaire, errors=[_("Choose the campaigns to move.")], status=400
        )
    chosen = list(Campaign.objects.filter(pk__in=[int(value) for value in raw]))
    if len(chosen) != len(set(raw)):
        raise Http404
    try:
        moved = campaign_version_switch(campaigns=chosen, version=version, actor=request.user)
    except ValidationError as error:
        return _questionnaire_page(request, questionnaire, errors=_messages_of(error), status=400)
    messages.success(
        request,
        _("%(names)s now use v%(n)s. Their QR codes and posters stay the same.")
        % {"names": ", ".join(f"“{c.name}”" for c in moved) or "—", "n": version.number},
    )
    return redirect("unit:questionnaire", pk=pk)


@operate
@require_POST
def questionnaire_discard(request: UnitRequest, pk: int) -> HttpResponse:
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    draft = selectors.questionnaire_draft(questionnaire=questionnaire)
    if draft is not None:
        asked = confirmation_step(
            request,
            title=_("Discard the draft v%(n)s of “%(name)s”?") % {"n": draft.number, "name": questionnaire},
            consequences=[
                _("Its changes are deleted and cannot be recovered."),
                _("The published versions and their answers stay as they are."),
            ],
            button=_("Discard the draft"),
            cancel_url=reverse("unit:questionnaire", args=[pk]),
        )
        if asked is not None:
            return asked
    try:
        questionnaire_draft_discard(questionnaire=questionnaire)
    except ValidationError as error:
        return _questionnaire_page(request, questionnaire, errors=_messages_of(error), status=400)
    messages.success(request, _("Draft discarded."))
    return redirect("unit:questionnaire", pk=pk)


@operate
@require_POST
def questionnaire_share_view(request: UnitRequest, pk: int) -> HttpResponse:
    if not _can_share(request):
        raise Http404
    questionnaire = get_object_or_404(Questionnaire, pk=pk)
    try:
        share = questionnaire_share(owner=request.tenant, questionnaire=questionnaire)
    except ValidationError as error:
        return _questionnaire_page(request, questionnaire, errors=_messages_of(error), status=400)
    messages.success(
        request,
        _("Version %(n)s is offered to every unit below %(unit)s.")
        % {"n": share.version, "unit": request.tenant.name},
    )
    return redirect("unit:questionnaires")


@operate
@require_POST
def share_withdraw(request: UnitRequest, share_id: int) -> HttpResponse:
    if not _can_share(request):
        raise Http404
    share = get_object_or_404(QuestionnaireShare, pk=share_id, owner=request.tenant)
    questionnaire_share_withdraw(owner=request.tenant, share=share)
    messages.success(
        request, _("“%(title)s” v%(n)s is no longer offered.") % {"title": share.title, "n": share.version}
    )
    return redirect("unit:questionnaires")


@operate
@require_POST
def share_use(request: UnitRequest, share_id: int) -> HttpResponse:
    share = selectors.share_offered_to(unit=request.tenant, share_id=share_id)
    if share is None:
        raise Http404
    mode = request.POST.get("mode")
    if mode not in {"as_is", "copy"}:
        return _questionnaires_page(request, errors=[_("Choose “use as is” or “copy”.")], status=400)
    try:
        questionnaire, changed = questionnaire_use_shared(share=share, copy_it=mode == "copy")
    except ValidationError as error:
        return _questionnaires_page(request, errors=_messages_of(error), status=400)
    if mode == "copy":
        messages.success(request, _("An editable copy was made; edit it, then publish."))
    elif changed:
        messages.success(
            request, _("In use as shared by %(unit)s; it follows their versions.") % {"unit": share.owner}
        )
    else:
        messages.info(request, _("This version is already in use."))
    return redirect("unit:questionnaire", pk=questionnaire.pk)


# --------------------------------------------------------------------------- campaigns and links


@operate
@require_GET
def campaigns(request: UnitRequest) -> HttpResponse:
    context = {"items": selectors.campaign_list()}
    return render(request, "console/surveys/campaigns.html", context)


def _campaign_form_page(request: UnitRequest, form: CampaignForm, *, title: str, back: str) -> HttpResponse:
    # A note, not a form error: an unbound form (the first visit) takes no errors.
    note = "" if selectors.published_versions().exists() else _("Install or publish a questionnaire first.")
    return _form_page(request, form, title=title, back=back, note=note)


@operate
@require_http_methods(["GET", "POST"])
def campaign_new(request: UnitRequest) -> HttpResponse:
    today = timezone.localdate()
    initial = {
        "starts_on": today,
        "ends_on": today.replace(month=12, day=31),
        "channels": [Channel.QR, Channel.DESK, Channel.STAFF],
        "version": selectors.published_versions().values_list("pk", flat=True).first(),
    }
    return _form_view(
        request,
        CampaignForm(request.POST or None, initial=initial),
        save=lambda data: campaign_create(**data),
        success=lambda campaign: _("Campaign “%(name)s” created.") % {"name": campaign.name},
        back=reverse("unit:campaigns"),
        then=lambda campaign: reverse("unit:campaign", args=[campaign.pk]),
        page=_campaign_form_page,
        title=_("New campaign"),
    )


@operate
@require_http_methods(["GET", "POST"])
def campaign_edit(request: UnitRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    initial = {
        "name": campaign.name,
        "version": campaign.version_id,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "channels": campaign.channels,
    }
    return _form_view(
        request,
        CampaignForm(request.POST or None, initial=initial),
        save=lambda data: campaign_update(campaign=campaign, **data),
        success=lambda campaign: _("Campaign “%(name)s” saved.") % {"name": campaign.name},
        back=reverse("unit:campaign", args=[campaign.pk]),
        page=_campaign_form_page,
        title=_("Edit campaign"),
    )


@operate
@require_POST
def campaign_active(request: UnitRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    active = _active_flag(request)
    campaign_set_active(campaign=campaign, active=active)
    text = _("Campaign “%(name)s” reactivated.") if active else _("Campaign “%(name)s” deactivated.")
    messages.success(request, text % {"name": campaign.name})
    return redirect("unit:campaign", pk=campaign.pk)


def _download_urls(code: str) -> dict[str, str]:
    """The QR downloads of a link: its code as SVG and PNG, and its poster."""
    return {kind: reverse(f"unit:link_{kind}", args=[code]) for kind in ("svg", "png", "poster")}


def _newer_version(campaign: Campaign) -> Any:
    latest = campaign.version.questionnaire.latest_published
    return latest if latest and latest.number > campaign.version.number else None


def _campaign_page(
    request: UnitRequest, campaign: Campaign, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    links = [
        {"link": link, "short_url": short_url(link.code), "downloads": _download_urls(link.code)}
        for link in selectors.campaign_links(campaign=campaign)
    ]
    context = {
        "campaign": campaign,
        "links": links,
        "targets": selectors.campaign_link_targets(campaign=campaign),
        "channel_labels": [Channel(c).label for c in campaign.channels if c in Channel.values],
        "uses": {c: c in campaign.channels for c in Channel.values},
        "response_count": selectors.campaign_response_count(campaign=campaign),
        "newer": _newer_version(campaign),
        # Where an active code may move: other active campaigns (the service checks channel and clashes).
        "move_to": list(
            Campaign.objects.filter(is_active=True).exclude(pk=campaign.pk).order_by("-starts_on")
        ),
        "errors": errors or [],
    }
    return render(request, "console/surveys/campaign.html", context, status=status)


@operate
@require_GET
def campaign_detail(request: UnitRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("version__questionnaire"), pk=pk)
    return _campaign_page(request, campaign)


def _posted(model: type[Desk] | type[StaffMember] | type[Campaign], raw: str | None) -> Any:
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(model, pk=int(raw))


@operate
@require_POST
def campaign_link_new(request: UnitRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("version__questionnaire"), pk=pk)
    desk = _posted(Desk, request.POST.get("desk"))
    member = _posted(StaffMember, request.POST.get("staff"))
    if desk is not None and member is not None:
        return _campaign_page(
            request, campaign, errors=[_("Choose a desk or a civil servant, not both.")], status=400
        )
    try:
        link, created = campaign_link_ensure(unit=request.tenant, campaign=campaign, desk=desk, staff=member)
    except ValidationError as error:
        return _campaign_page(request, campaign, errors=_messages_of(error), status=400)
    text = _("QR code %(code)s created.") if created else _("QR code %(code)s already exists.")
    messages.success(request, text % {"code": link.code})
    return redirect(f"{reverse('unit:campaign', args=[campaign.pk])}#link-{link.code}")


@operate
@require_POST
def campaign_link_deactivate(request: UnitRequest, pk: int, link_pk: int) -> HttpResponse:
    link = get_object_or_404(QRLink, pk=link_pk, campaign_id=pk)
    qr_link_deactivate(link=link)
    messages.success(
        request, _("QR code %(code)s deactivated: it no longer opens the form.") % {"code": link.code}
    )
    return redirect("unit:campaign", pk=pk)


@operate
@require_POST
def campaign_link_move(request: UnitRequest, pk: int, link_pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("version__questionnaire"), pk=pk)
    link = get_object_or_404(QRLink, pk=link_pk, campaign_id=pk)
    target = _posted(Campaign, request.POST.get("campaign"))
    if target is None:
        return _campaign_page(
            request, campaign, errors=[_("Choose the campaign to move the code to.")], status=400
        )
    try:
        qr_link_move(link=link, campaign=target, actor=request.user)
    except ValidationError as error:
        return _campaign_page(request, campaign, errors=_messages_of(error), status=400)
    messages.success(
        request,
        _("QR code %(code)s now opens “%(name)s”; the printed posters stay valid.")
        % {"code": link.code, "name": target.name},
    )
    return redirect(f"{reverse('unit:campaign', args=[target.pk])}#link-{link.code}")
