"""The unit's feedback in its own console: the list, typing in feedback from other channels, the record
with its handling (assign, reply), a CSV export. Only people who operate in the unit itself reach these
pages (OPERATE is not inherited), so contact details never show above the unit; the list and the export
never carry them at all.
"""

import csv
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.permissions import Action

from .console_views import _attach
from .feedback import FeedbackInput, feedback_assign, feedback_record, feedback_reply, rating_url
from .feedback_selectors import feedback_get, feedback_list, feedback_officials, is_overdue
from .feedback_views import feedback_link
from .forms import FeedbackAssignForm, FeedbackEntryForm, FeedbackReplyForm
from .models import FeedbackStatus, Procedure
from .qr import qr_svg_inline

operate = unit_permission_required(Action.OPERATE)


def _procedures() -> list[tuple[str, str]]:
    return [
        (str(pk), name) for pk, name in Procedure.objects.filter(is_active=True).values_list("pk", "name_vi")
    ]


@operate
@require_GET
def feedback_index(request: UnitRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    rows = list(feedback_list(status=status, overdue=overdue)[:500])
    link = feedback_link(request.tenant)
    context = {
        "rows": [(f, is_overdue(f)) for f in rows],
        "statuses": FeedbackStatus.choices,
        "status": status,
        "overdue": overdue,
        "link": link,
        "qr": qr_svg_inline(link),
    }
    return render(request, "console/feedback/list.html", context)


@operate
@require_http_methods(["GET", "POST"])
def feedback_new(request: UnitRequest) -> HttpResponse:
    form = FeedbackEntryForm(request.POST or None, procedures=_procedures())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            feedback = feedback_record(
                unit=request.tenant,
                data=FeedbackInput(
                    category=data["category"],
                    content=data["content"],
                    procedure=data["procedure"] or None,
                    dossier_code=data["dossier_code"],
                    contact={p: data[f"contact_{p}"] for p in ("name", "phone", "email", "address")},
                ),
                source=data["source"],
                received_on=data["received_on"],
                entered_by=request.user,
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Feedback %(ref)s recorded.") % {"ref": feedback.reference})
            return redirect("unit:feedback_detail", pk=feedback.pk)
    context = {"form": form, "title": _("Type in feedback"), "back": reverse("unit:feedback")}
    return render(
        request, "console/surveys/form.html", context, status=400 if request.method == "POST" else 200
    )


def _detail(request: UnitRequest, pk: int, *, assign=None, reply=None, status: int = 200) -> HttpResponse:
    feedback = feedback_get(pk=pk)
    if feedback is None:
        raise Http404(_("No such feedback."))
    officials = feedback_officials(unit=request.tenant)
    choices = [(str(u.pk), u.get_full_name() or u.email) for u in officials]
    contact = getattr(feedback, "contact", None)
    context = {
        "f": feedback,
        "overdue": is_overdue(feedback),
        "contact": contact,
        "history": list(feedback.history.all()),
        "assign_form": assign or FeedbackAssignForm(officials=choices),
        "reply_form": reply or FeedbackReplyForm(),
        # A printed reply carries the rating link on paper: the officer prints it from here.
        "rating_link": rating_url(unit=request.tenant, feedback=feedback)
        if feedback.rateable and feedback.rated_at is None and feedback.reply_method == "printed"
        else "",
        "today": timezone.localdate(),
    }
    return render(request, "console/feedback/detail.html", context, status=status)


@operate
@require_GET
def feedback_detail(request: UnitRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@operate
@require_POST
def feedback_assign_view(request: UnitRequest, pk: int) -> HttpResponse:
    feedback = feedback_get(pk=pk)
    if feedback is None:
        raise Http404(_("No such feedback."))
    officials = {str(u.pk): u for u in feedback_officials(unit=request.tenant)}
    form = FeedbackAssignForm(request.POST, officials=[(k, u.email) for k, u in officials.items()])
    if form.is_valid():
        try:
            feedback_assign(
                unit=request.tenant,
                feedback=feedback,
                official=officials.get(form.cleaned_data["official"]),
                by=request.user,
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Assigned."))
            return redirect("unit:feedback_detail", pk=pk)
    return _detail(request, pk, assign=form, status=400)


@operate
@require_POST
def feedback_reply_view(request: UnitRequest, pk: int) -> HttpResponse:
    feedback = feedback_get(pk=pk)
    if feedback is None:
        raise Http404(_("No such feedback."))
    form = FeedbackReplyForm(request.POST)
    if form.is_valid():
        try:
            feedback_reply(
                unit=request.tenant,
                feedback=feedback,
                reply=form.cleaned_data["reply"],
                method=form.cleaned_data["method"],
                by=request.user,
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, _("Reply recorded."))
            return redirect("unit:feedback_detail", pk=pk)
    return _detail(request, pk, reply=form, status=400)


CSV_HEADER = [
    "ma",
    "ngay_tiep_nhan",
    "kenh",
    "phan_loai",
    "thu_tuc",
    "ma_ho_so",
    "han_tra_loi",
    "trang_thai",
    "ngay_tra_loi",
    "dung_han",
    "danh_gia",
]


@operate
@require_GET
def feedback_csv(request: UnitRequest) -> HttpResponse:
    """The unit's records for a spreadsheet: what and when, never the content's author or contact."""
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 with a BOM
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for f in feedback_list():
        on_time = "" if f.replied_at is None else timezone.localtime(f.replied_at).date() <= f.due_on
        writer.writerow(
            [
                f.reference,
                timezone.localtime(f.received_at).strftime("%d/%m/%Y"),
                f.get_source_display(),
                f.get_category_display(),
                f.procedure.name_vi if f.procedure else "",
                f.dossier_code,
                f.due_on.strftime("%d/%m/%Y"),
                f.get_status_display(),
                timezone.localtime(f.replied_at).strftime("%d/%m/%Y") if f.replied_at else "",
                {True: _("yes"), False: _("no"), "": ""}[on_time],
                f.get_rating_bucket_display() if f.rating_bucket else "",
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="phan-anh-{request.tenant.code}.csv"'
    response["Cache-Control"] = "no-store"
    return response
