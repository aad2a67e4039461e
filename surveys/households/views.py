"""Pages of the household survey, in the owning province's console (/u/<province>/ho-gia-dinh/…).

Round managers are the province's officers (Action.OPERATE). Enumerators hold no role anywhere: each
page of theirs is reached only through the villages assigned to them, and shows their households'
names to find them, never an answer.
"""

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from surveys.builtin.questionnaires import SCALES as SCALES_BY_KEY
from surveys.definition import Definition
from surveys.models import Response
from surveys.pdf import html_to_pdf
from surveys.qr import qr_svg_inline
from surveys.services import SubmissionError
from tenants.decorators import unit_permission_required
from tenants.http import UnitRequest
from tenants.models import Structure, Unit
from tenants.permissions import Action, has_perm
from tenants.spreadsheets import ImportRejected

from .frames import MAX_BYTES, household_list_import
from .models import HouseholdRound, Recheck, RoundCommune, Slot, Village
from .selectors import (
    enumerator_slots,
    enumerator_villages,
    recheck_rates,
    recheck_sample,
    round_list,
    round_progress,
    slot_for_enumerator,
)
from .services import (
    NEXT,
    enumerator_assign,
    household_answer_submit,
    household_round_create,
    households_draw,
    paper_entry_resolve,
    paper_entry_save,
    recheck_draw,
    recheck_record,
    slot_record,
    village_add,
    villages_draw,
)

operate = unit_permission_required(Action.OPERATE)
NO_QUESTIONNAIRE = (Slot.Status.REFUSED, Slot.Status.ABSENT, Slot.Status.RESERVE)
MAX_SYNC_ITEMS = 200


def _date(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value.strip(), "%d/%m/%Y").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        raise ValidationError(_("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": value}) from None


def _int(value: str, default: int) -> int:
    value = (value or "").strip()
    if not value:
        return default
    if not value.isdigit() or len(value) > 6:
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": value})
    return int(value)


def _errors(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [m for messages in error.message_dict.values() for m in messages]
    return list(error.messages)


# --------------------------------------------------------------------------- managers


@operate
@require_http_methods(["GET", "POST"])
def rounds(request: UnitRequest) -> HttpResponse:
    """The province's rounds, and a new one."""
    errors: list[str] = []
    if request.method == "POST":
        data = request.POST
        try:
            codes = [c.strip() for c in data.get("communes", "").replace("\n", ",").split(",") if c.strip()]
            structure = data.get("structure", "")
            communes = list(Unit.objects.filter(structure=structure, code__in=codes))
            unknown = sorted(set(codes) - {c.code for c in communes})
            if unknown:
                raise ValidationError(_("Unknown commune codes: %(codes)s.") % {"codes": ", ".join(unknown)})
            survey_round = household_round_create(
                owner=request.tenant,
                name=data.get("name", ""),
                structure=structure,
                communes=communes,
                handout=(_date(data.get("handout_from", "")), _date(data.get("handout_to", ""))),
                collect=(_date(data.get("collect_from", "")), _date(data.get("collect_to", ""))),
                deliver=(_date(data.get("deliver_from", "")), _date(data.get("deliver_to", ""))),
                user=request.user,
                village_method=data.get("village_method", HouseholdRound.VillageMethod.GIVEN),
                villages_per_commune=_int(data.get("villages_per_commune", ""), 2),
                households_per_village=_int(data.get("households_per_village", ""), 27),
                reserves_per_village=_int(data.get("reserves_per_village", ""), 5),
                erase_after_days=_int(data.get("erase_after_days", ""), 30),
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            return redirect("unit:household_round", survey_round.pk)
    context = {
        "items": round_list(),
        "errors": errors,
        "posted": request.POST,
        "structures": Structure.choices,
        "methods": HouseholdRound.VillageMethod.choices,
    }
    return render(request, "households/rounds.html", context, status=400 if errors else 200)


@operate
@require_http_methods(["GET", "POST"])
def round_detail(request: UnitRequest, pk: int) -> HttpResponse:
    """The round: its design and seeds, villages, lists, draws, enumerators and field progress."""
    survey_round = get_object_or_404(HouseholdRound, pk=pk)
    errors: list[str] = []
    notice = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "village_add":
                rc = get_object_or_404(
                    RoundCommune, pk=_int(request.POST.get("commune", ""), 0), round=survey_round
                )
                village_add(
                    round_commune=rc,
                    name=request.POST.get("name", ""),
                    household_count=_int(request.POST.get("household_count", ""), 0),
                )
            elif action == "list_import":
                village = get_object_or_404(
                    Village, pk=_int(request.POST.get("village", ""), 0), round_commune__round=survey_round
                )
                upload = request.FILES.get("file")
                if upload is None:
                    raise ValidationError(_("Choose a file."))
                mapping = {c: request.POST.get(f"map_{c}", "") for c in ("head_name", "address")}
                n = household_list_import(
                    village=village,
                    filename=upload.name or "",
                    data=upload.read(MAX_BYTES + 1),
                    mapping=mapping,
                )
                notice = _("%(n)s households imported for %(village)s.") % {"n": n, "village": village.name}
            elif action in ("villages_draw", "households_draw"):
                raw = request.POST.get("seed", "").strip()
                seed = _int(raw, 0) if raw else None
                draw = villages_draw if action == "villages_draw" else households_draw
                draw(survey_round=survey_round, seed=seed)
            elif action == "assign":
                village = get_object_or_404(
                    Village, pk=_int(request.POST.get("village", ""), 0), round_commune__round=survey_round
                )
                enumerator_assign(village=village, email=request.POST.get("email", ""))
            else:
                raise ValidationError(_("Unknown action."))
        except ImportRejected as rejected:
            errors = [_("Nothing was imported.")] + [str(p) for p in rejected.problems[:50]]
        except ValidationError as error:
            errors = _errors(error)
        else:
            if not notice:
                return redirect("unit:household_round", survey_round.pk)
        survey_round.refresh_from_db()
    communes = list(survey_round.communes.select_related("commune").prefetch_related("villages"))
    context = {
        "round": survey_round,
        "communes": communes,
        "progress": round_progress(survey_round=survey_round),
        "errors": errors,
        "notice": notice,
        "today": timezone.localdate(),
    }
    return render(request, "households/round.html", context, status=400 if errors else 200)


# What the re-check form posts for each question, and what it means.
YES_NO = {"yes": True, "no": False}
MATCH = {"yes": True, "no": False, "unknown": None}


def _pick(data: QueryDict, name: str, allowed: Mapping[str, bool | None], message: str) -> bool | None:
    value = data.get(name, "")
    if value not in allowed:
        raise ValidationError({name: message})
    return allowed[value]


@operate
@require_http_methods(["GET", "POST"])
def recheck(request: UnitRequest, pk: int) -> HttpResponse:
    """The re-check (phúc tra): a random subsample of the collected households, drawn once from a recorded
    seed; what the re-check found at each; the discrepancy rate of each enumerator."""
    survey_round = get_object_or_404(HouseholdRound, pk=pk)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "draw":
                raw_size = request.POST.get("size", "").strip()
                if not raw_size:
                    raise ValidationError(_("Enter how many households to re-check."))
                raw_seed = request.POST.get("seed", "").strip()
                recheck_draw(
                    survey_round=survey_round,
                    size=_int(raw_size, 0),
                    seed=_int(raw_seed, 0) if raw_seed else None,
                )
            elif action == "record":
                serial = request.POST.get("serial", "").strip()[:24]
                drawn = Recheck.objects.filter(
                    slot__serial=serial, slot__village__round_commune__round=survey_round
                ).first()
                if drawn is None:
                    raise ValidationError(
                        _("The questionnaire “%(s)s” is not in the re-check sample.") % {"s": serial}
                    )
                recheck_record(
                    recheck=drawn,
                    handed_out=bool(
                        _pick(request.POST, "handed_out", YES_NO, _("Was the questionnaire handed out?"))
                    ),
                    collected=bool(
                        _pick(request.POST, "collected", YES_NO, _("Was the questionnaire collected?"))
                    ),
                    answers_match=_pick(request.POST, "answers_match", MATCH, _("Do the key answers match?")),
                    note=request.POST.get("note", ""),
                    user=request.user,
                )
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            errors = _errors(error)
        else:
            return redirect("unit:household_recheck", survey_round.pk)
        survey_round.refresh_from_db()
    sample = list(recheck_sample(survey_round=survey_round))
    rates = recheck_rates(survey_round=survey_round)
    checked = sum(r.checked for r in rates)
    discrepant = sum(r.discrepant for r in rates)
    context = {
        "round": survey_round,
        "sample": sample,
        "checked": checked,
        "rates": [
            {
                "enumerator": r.enumerator,
                "checked": r.checked,
                "discrepant": r.discrepant,
                "percent": _percent(r.rate),
            }
            for r in rates
        ],
        "total": {
            "checked": checked,
            "discrepant": discrepant,
            "percent": _percent(Fraction(discrepant, checked) if checked else None),
        },
        "collected": Slot.objects.filter(
            village__round_commune__round=survey_round, status=Slot.Status.COLLECTED
        ).count(),
        "errors": errors,
        "posted": request.POST if errors else {},
    }
    return render(request, "households/recheck.html", context, status=400 if errors else 200)


def _percent(rate: Fraction | None) -> Decimal | None:
    """A rate as a percentage with one decimal, for the page to print (with a comma in Vietnamese)."""
    if rate is None:
        return None
    return (Decimal(rate.numerator) * 100 / Decimal(rate.denominator)).quantize(Decimal("0.1"))


def _slot_url(request: UnitRequest, serial: str) -> str:
    return settings.BASE_URL + reverse("unit:household_slot", args=[serial])


@operate
@require_GET
def sheets_pdf(request: UnitRequest, pk: int) -> HttpResponse:
    """Every questionnaire slot of the round on A4 labels: serial, village and a QR code of the slot
    (its page, behind sign-in), to stick on the paper questionnaire. No household name is printed."""
    survey_round = get_object_or_404(HouseholdRound, pk=pk)
    slots = Slot.objects.filter(village__round_commune__round=survey_round).select_related(
        "village__round_commune__commune"
    )
    labels = [
        {
            "serial": s.serial,
            "village": s.village.name,
            "commune": s.village.round_commune.commune.name,
            "reserve": s.kind == Slot.Kind.RESERVE,
            "qr": qr_svg_inline(_slot_url(request, s.serial)),
        }
        for s in slots.order_by(
            "village__round_commune__commune__path", "village__position", "kind", "draw_order"
        )
    ]
    html = render_to_string(
        "households/sheets.html", {"round": survey_round, "labels": labels}, request=request
    )
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="phieu-{survey_round.pk}.pdf"'
    return response


@operate
@require_http_methods(["GET", "POST"])
def paper_entry(request: UnitRequest, pk: int) -> HttpResponse:
    """Officers type in returned paper questionnaires by serial, once or twice (double entry)."""
    survey_round = get_object_or_404(HouseholdRound, pk=pk)
    definition = Definition(survey_round.campaign.version.definition)
    errors: dict[str, str] = {}
    differences: list[str] = []
    notice = ""
    serial = request.POST.get("serial", "").strip() if request.method == "POST" else ""
    if request.method == "POST":
        slot = Slot.objects.filter(serial=serial, village__round_commune__round=survey_round).first()
        if slot is None:
            errors = {
                "__all__": _("No questionnaire of this round has the serial “%(s)s”.") % {"s": serial[:24]}
            }
        else:
            try:
                if request.POST.get("resolve") == "1":
                    # The two typings differed: the paper was read again and this is what it says.
                    response: Response | None = paper_entry_resolve(
                        slot=slot, data=request.POST, user=request.user
                    )
                    differences = []
                else:
                    response, differences = paper_entry_save(
                        slot=slot,
                        data=request.POST,
                        user=request.user,
                        double_entry=request.POST.get("double") == "1",
                    )
            except SubmissionError as error:
                errors = error.errors
            else:
                if response is not None:
                    notice = _("Questionnaire %(s)s stored.") % {"s": serial}
                elif not differences:
                    notice = _("First entry of %(s)s saved; a second person types it again.") % {"s": serial}
    context = {
        "round": survey_round,
        "questions": _questions(definition, request.POST if errors else None, errors),
        "errors": errors,
        "differences": differences,
        "notice": notice,
        "serial": serial if errors or differences else "",
    }
    return render(request, "households/entry.html", context, status=400 if errors else 200)


def _questions(definition: Definition, data, errors: dict[str, str]) -> list[dict]:
    """The questions as the entry forms draw them; what was typed is kept after an error."""
    items = []
    for number, q in enumerate(definition.questions, start=1):
        name = f"q_{q['key']}"
        chosen = set(data.getlist(name)) if data is not None else set()
        options: list[dict[str, str | bool]] = []
        if q["kind"] == "rating":
            options = [
                {"value": str(level["value"]), "label": Definition.text(level["label"], "vi")}
                for level in SCALES_BY_KEY[q["scale"]]["levels"]
            ]
        elif q["kind"] in ("choice", "reasons"):
            options = [{"value": o["key"], "label": Definition.text(o["text"], "vi")} for o in q["options"]]
        for o in options:
            o["checked"] = o["value"] in chosen
        items.append(
            {
                "number": number,
                "name": name,
                "kind": q["kind"],
                "text": Definition.text(q["text"], "vi"),
                "help": Definition.text(q.get("help"), "vi"),
                "required": bool(q.get("required")),
                "options": options,
                "multiple": q["kind"] == "reasons",
                "value": (data.get(name, "") if data is not None else ""),
                "error": errors.get(q["key"], ""),
            }
        )
    return items


# --------------------------------------------------------------------------- enumerators


@login_required
@require_GET
def my_households(request: UnitRequest) -> HttpResponse:
    """An enumerator's assignments: their villages' questionnaire slots, with the household to find."""
    rounds_ = {v.round_commune.round for v in enumerator_villages(user=request.user)}
    if not rounds_:
        raise Http404(_("Nothing is assigned to you here."))
    sections = [
        {"round": r, "slots": list(enumerator_slots(user=request.user, survey_round=r))}
        for r in sorted(rounds_, key=lambda r: r.handout_from, reverse=True)
    ]
    return render(request, "households/mine.html", {"sections": sections, "statuses": Slot.Status})


def _slot_or_404(request: UnitRequest, serial: str) -> Slot:
    """The slot if the user is its village's enumerator or a manager of the round (else 404, no hint)."""
    slot = slot_for_enumerator(user=request.user, serial=serial)
    if slot is None and has_perm(request.user, Action.OPERATE, request.tenant):
        slot = (
            Slot.objects.filter(serial=serial)
            .select_related("village__round_commune__round__campaign")
            .first()
        )
    if slot is None:
        raise Http404(_("No such questionnaire."))
    return slot


@login_required
@require_http_methods(["GET", "POST"])
def slot_page(request: UnitRequest, serial: str) -> HttpResponse:
    """One questionnaire slot (what its printed QR code opens): record the field work, enter the answers."""
    slot = _slot_or_404(request, serial)
    survey_round = slot.village.round_commune.round
    definition = Definition(survey_round.campaign.version.definition)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "status":
                slot_record(
                    slot=slot, status=request.POST.get("status", ""), day=_date(request.POST.get("day", ""))
                )
            else:
                key = _uuid(request.POST.get("submission_key", ""))
                household_answer_submit(slot=slot, data=request.POST, submission_key=key, user=request.user)
        except ValidationError as error:
            errors = {"__all__": " ".join(_errors(error))}
        except SubmissionError as error:
            errors = error.errors
        else:
            return redirect("unit:household_slot", slot.serial)
        slot.refresh_from_db()
    context = {
        "slot": slot,
        "round": survey_round,
        "questions": _questions(definition, request.POST if errors else None, errors),
        "errors": errors,
        "form_error": errors.get("__all__", ""),
        "submission_key": uuid.uuid4(),
        "next_steps": [(s, Slot.Status(s).label) for s in sorted(NEXT.get(slot.status, ()))],
        "today": timezone.localdate(),
    }
    return render(request, "households/slot.html", context, status=400 if errors else 200)


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise ValidationError(_("The form is damaged; open it again.")) from None


@login_required
@require_POST
def sync(request: UnitRequest) -> JsonResponse:
    """Answers queued on an enumerator's phone while offline, sent when it is back online:
    [{"serial", "submission_key", "answers": {field: [values]}}]. Each is stored once by its key; the
    reply says, per item, "stored", "already stored" or what is wrong, so the phone drops what is done."""
    try:
        items = json.loads(request.body or b"[]")
    except ValueError:
        return JsonResponse({"error": _("The body is not JSON.")}, status=400)
    if not isinstance(items, list) or len(items) > MAX_SYNC_ITEMS:
        return JsonResponse(
            {"error": _("Send a list of at most %(n)s answers.") % {"n": MAX_SYNC_ITEMS}}, status=400
        )
    results = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("answers"), dict):
            results.append({"status": "invalid", "errors": {"__all__": _("Not an answer.")}})
            continue
        key = str(item.get("submission_key", ""))
        try:
            submission_key = _uuid(key)
            slot = slot_for_enumerator(user=request.user, serial=str(item.get("serial", ""))[:24])
            if slot is None:
                raise SubmissionError({"__all__": _("No such questionnaire.")}, status=404)
            answers = {
                str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])][:50]
                for k, vs in list(item["answers"].items())[:200]
            }
            _response, created = household_answer_submit(
                slot=slot, data=MultiValueDict(answers), submission_key=submission_key, user=request.user
            )
        except ValidationError as error:
            results.append(
                {"submission_key": key, "status": "invalid", "errors": {"__all__": " ".join(_errors(error))}}
            )
        except SubmissionError as error:
            results.append({"submission_key": key, "status": "invalid", "errors": error.errors})
        else:
            results.append({"submission_key": key, "status": "stored" if created else "already_stored"})
    return JsonResponse({"results": results})


# --------------------------------------------------------------------------- the offline form


WORKER_JS = """// Keeps the enumerator's form and its script on the phone: the page is fetched from the
// network when there is one (fresh assignments) and from the cache when there is none.
const CACHE = "household-%(version)s";
const PAGES = %(pages)s;
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PAGES)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((key) => key.startsWith("household-") && key !== CACHE).map((key) => caches.delete(key))
  )).then(() => self.clients.claim()));
});
self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET" || !PAGES.some((page) => event.request.url.endsWith(page))) {
    return;
  }
  event.respondWith(
    fetch(event.request).then((response) => {
      const copy = response.clone();
      if (response.ok) { caches.open(CACHE).then((cache) => cache.put(event.request, copy)); }
      return response;
    }).catch(() => caches.match(event.request))
  );
});
"""


def _app_pages(pk: int) -> list[str]:
    from django.templatetags.static import static

    return [reverse("unit:household_app", args=[pk]), static("household-app.js"), static("console.css")]


@login_required
@require_GET
def offline_app(request: UnitRequest, pk: int) -> HttpResponse:
    """The enumerator's installable form for one round: the questionnaire and their slots travel in the
    page, answers wait on the phone until it is online (static/household-app.js)."""
    from django.middleware.csrf import get_token

    survey_round = get_object_or_404(HouseholdRound, pk=pk)
    slots = list(enumerator_slots(user=request.user, survey_round=survey_round))
    if not slots:
        raise Http404(_("Nothing is assigned to you here."))
    definition = Definition(survey_round.campaign.version.definition)
    payload = {
        "sync_url": reverse("unit:household_sync"),
        "worker_url": reverse("unit:household_worker", args=[pk]),
        "csrf_token": get_token(request),
        "texts": {
            "choose_serial": _("Choose the serial number of the questionnaire."),
            "queued": _("Saved on this phone."),
            "synced": _("All answers are sent."),
            "offline": _("No connection: the answers wait on this phone."),
        },
    }
    context = {
        "round": survey_round,
        "slots": [s for s in slots if s.response_id is None and s.status not in NO_QUESTIONNAIRE],
        "questions": _questions(definition, None, {}),
        "payload": payload,
    }
    return render(request, "households/app.html", context)


@login_required
@require_GET
def offline_worker(request: UnitRequest, pk: int) -> HttpResponse:
    """The service worker of the offline form (served from the form's folder, so that it may cache it)."""
    get_object_or_404(HouseholdRound, pk=pk)
    pages = _app_pages(pk)
    script = WORKER_JS % {"version": pk, "pages": json.dumps(pages)}
    return HttpResponse(
        script, content_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"}
    )


@login_required
@require_GET
def offline_manifest(request: UnitRequest, pk: int) -> JsonResponse:
    """The web app manifest of a round's offline form: added to the phone's home screen, it opens the
    form itself, which its service worker keeps (so it starts without a connection)."""
    from django.templatetags.static import static

    survey_round = get_object_or_404(HouseholdRound, pk=pk)
    app = reverse("unit:household_app", args=[pk])
    return JsonResponse(
        {
            "id": app,
            "name": f"{_('Household survey')}: {survey_round.name}",
            "short_name": _("Household survey"),
            "start_url": app,
            "scope": app,
            "display": "standalone",
            "lang": "vi",
            "background_color": "#ffffff",
            "theme_color": "#1f4e79",
            "icons": [{"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
        },
        content_type="application/manifest+json",
    )
