"""Customer surveys (seed 003): select customers from the desk's list, send each a one-time link by
the channels the commune has, follow who answered, and erase their contact data when done.

Privacy rules, enforced here:
- contact data (CustomerContact) is apart from dossiers and never joins an answer;
- an invitation's one-time link is let go when it is used (surveys.services.response_submit), so the
  customer is marked answered and nothing leads from them to their response;
- links are issued in a shuffled order, so a token's number says nothing about which customer it was;
- contact data is erased a set number of days after the campaign ends, or on request, and audited.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from tenants.audit import audit_record
from tenants.models import AuditAction, Unit, User

from .answers import PostData
from .decree import lower_type
from .models import (
    Campaign,
    Channel,
    Customer,
    CustomerContact,
    CustomerSurvey,
    DossierToken,
    Invitation,
    Outreach,
    Response,
)
from .pdf import SERIF_STACK, html_to_pdf
from .qr import qr_png_data_uri
from .services import (
    dossier_token_defaults,
    dossier_token_sign,
    dossier_url,
    personal_codes_issue,
    personal_url,
    response_submit,
)

UNSUBSCRIBE_SIGNER = signing.Signer(salt="surveys.unsubscribe")
# Where each way of reaching a customer needs their contact: the field it reads.
NEEDS = {
    Invitation.Method.SMS: "phone",
    Invitation.Method.ZALO: "phone",
    Invitation.Method.PHONE: "phone",
    Invitation.Method.EMAIL: "email",
    Invitation.Method.LETTER: "address",
}
OPEN_STATUSES = (Invitation.Status.PENDING, Invitation.Status.CONTACTED)
# What an officer may record of an attempt (an answer by phone is recorded with its answers).
OUTCOMES = (Invitation.Status.CONTACTED, Invitation.Status.REFUSED, Invitation.Status.UNREACHABLE)
LETTERS_PER_PAGE = 4
# Cards per PDF file: a file is rendered inside the officer's request, which the web server cuts at
# 60 s; 200 cards take about 15 s on a loaded machine (tests/benchmarks/results/customers-*.txt).
LETTERS_PER_FILE = 200
SMS_SEGMENT = 160  # GSM-7 characters in one text message
SMS_ESCAPED = frozenset("^{}\\[~]|€")  # GSM-7 sends these as two characters


# --------------------------------------------------------------------------------------------------
# Selection
# --------------------------------------------------------------------------------------------------


def customer_population(*, received_from: dt.date, received_to: dt.date) -> QuerySet[Customer]:
    """The customers whose dossiers were received in the period (current unit's schema)."""
    return Customer.objects.filter(received_on__gte=received_from, received_on__lte=received_to)


def customer_strata(*, unit: Unit, received_from: dt.date, received_to: dt.date) -> dict[str, int]:
    """Customers per procedure (key; "" for a dossier without a known procedure): the N each
    procedure's quota is computed from."""
    counts: dict[str, int] = defaultdict(int)
    with tenant_context(unit):
        rows = customer_population(received_from=received_from, received_to=received_to).values_list(
            "procedure__key", flat=True
        )
        for key in rows:
            counts[key or ""] += 1
    return dict(counts)


def customer_sample(
    population: Sequence[tuple[int, str]], sizes: Mapping[str, int] | None, seed: int
) -> list[int]:
    """The ids drawn from (id, stratum) pairs: all of them (sizes None), else per stratum its size,
    at random from `seed`. The same population, sizes and seed always give the same ids."""
    if sizes is None:
        return sorted(pk for pk, _stratum in population)
    groups: dict[str, list[int]] = defaultdict(list)
    for pk, stratum in population:
        groups[stratum].append(pk)
    rng = random.Random(seed)  # noqa: S311 - a reproducible survey sample, not a secret
    chosen: list[int] = []
    for stratum in sorted(groups):
        members = sorted(groups[stratum])
        chosen += rng.sample(members, min(max(sizes.get(stratum, 0), 0), len(members)))
    return sorted(chosen)


def customer_survey_create(
    *,
    unit: Unit,
    campaign: Campaign,
    received_from: dt.date,
    received_to: dt.date,
    created_by: User,
    sizes: Mapping[str, int] | None = None,
    seed: int | None = None,
    reminder_after_days: int = 7,
    erase_after_days: int = 30,
) -> CustomerSurvey:
    """Select the campaign's customers and give each a one-time link valid until the campaign ends.

    `sizes` (customers per procedure key, from the unit's quota rule: analytics computes it) draws a
    random sample; None asks everyone. The seed is recorded, so the draw can be repeated and checked.
    """
    with tenant_context(unit), transaction.atomic():
        if received_to < received_from:
            raise ValidationError({"received_to": _("The last day is before the first day.")})
        if Channel.LIST not in campaign.channels:
            raise ValidationError(
                {"campaign": _("The campaign must have the channel “one-time link sent to a customer”.")}
            )
        if CustomerSurvey.objects.filter(campaign=campaign).exists():
            raise ValidationError({"campaign": _("This campaign already has its customers.")})
        if not 1 <= reminder_after_days <= 60 or not 0 <= erase_after_days <= 365:
            raise ValidationError(
                {"erase_after_days": _("Reminders after 1–60 days; erasure after 0–365 days.")}
            )
        expires = dt.datetime.combine(
            campaign.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
        )
        if expires <= timezone.now():
            raise ValidationError({"campaign": _("This campaign has already ended.")})
        customers = {
            c.pk: c
            for c in customer_population(received_from=received_from, received_to=received_to).select_related(
                "procedure"
            )
        }
        if not customers:
            raise ValidationError({"received_from": _("No customer's dossier was received in this period.")})
        seed = secrets.randbits(62) if seed is None else seed
        chosen = customer_sample(
            [(pk, c.procedure.key if c.procedure else "") for pk, c in customers.items()], sizes, seed
        )
        survey = CustomerSurvey.objects.create(
            campaign=campaign,
            received_from=received_from,
            received_to=received_to,
            mode=CustomerSurvey.Mode.ALL if sizes is None else CustomerSurvey.Mode.SAMPLE,
            population=len(customers),
            sample_size=len(chosen),
            seed=seed,
            reminder_after_days=reminder_after_days,
            erase_after_days=erase_after_days,
            created_by=created_by,
        )
        # Links are issued in a shuffled order and invitations stored in the customers' order: neither
        # a token's number nor its rank among the invitations says which customer it was.
        random.SystemRandom().shuffle(chosen)
        codes = personal_codes_issue(unit=unit, count=len(chosen))
        # One INSERT for all the links (a link each was three queries: 20,000 took minutes).
        tokens = DossierToken.objects.bulk_create(
            [
                DossierToken(
                    dossier_code=f"kh-{secrets.token_hex(10)}",
                    short_code=code,
                    **dossier_token_defaults(
                        campaign=campaign,
                        procedure=customers[pk].procedure,
                        valid_for=expires - timezone.now(),
                        channel=Channel.LIST,
                    ),
                )
                for pk, code in zip(chosen, codes, strict=True)
            ],
            batch_size=2000,
        )
        invitations = [
            Invitation(survey=survey, customer_id=pk, token=token)
            for pk, token in zip(chosen, tokens, strict=True)
        ]
        invitations.sort(key=lambda invitation: invitation.customer_id)
        Invitation.objects.bulk_create(invitations, batch_size=2000)
    return survey


# --------------------------------------------------------------------------------------------------
# Outreach
# --------------------------------------------------------------------------------------------------


def invitation_link(*, unit: Unit, invitation: Invitation) -> str:
    """The customer's one-time link, by its short address (/k/<code>; the signed /d/ one for a survey
    started before short addresses); "" once answered (the link was let go)."""
    if invitation.token is None:
        return ""
    if invitation.token.short_code:
        return personal_url(invitation.token.short_code)
    return dossier_url(dossier_token_sign(unit=unit, token=invitation.token))


def invitations_to_reach(
    *, survey: CustomerSurvey, method: str, reminders: bool = False, now: dt.datetime | None = None
) -> QuerySet[Invitation]:
    """Invitations not answered yet whose customer can be reached by `method`; with `reminders`,
    only those contacted at least the survey's reminder delay ago and not reminded yet."""
    field = NEEDS[Invitation.Method(method)]
    qs = (
        Invitation.objects.filter(survey=survey, status__in=OPEN_STATUSES, token__isnull=False)
        .exclude(**{f"customer__contact__{field}": ""})
        .filter(customer__contact__isnull=False, token__used_at__isnull=True)
        .select_related("customer__contact", "customer__procedure", "token")
        .order_by("customer__dossier_code")
    )
    if method == Invitation.Method.EMAIL:
        qs = qs.filter(customer__unsubscribed_at__isnull=True)
    if reminders:
        due = (now or timezone.now()) - dt.timedelta(days=survey.reminder_after_days)
        qs = qs.filter(
            status=Invitation.Status.CONTACTED, last_contacted_at__lte=due, reminded_at__isnull=True
        )
    return qs


def _outreach_record(
    invitations: Sequence[Invitation],
    *,
    method: str,
    by: User | None,
    reminder: bool,
    now: dt.datetime,
    outcome: str = Invitation.Status.CONTACTED,
) -> None:
    Outreach.objects.bulk_create(
        [
            Outreach(invitation=i, method=method, at=now, by=by, is_reminder=reminder, outcome=outcome)
            for i in invitations
        ],
        batch_size=2000,
    )
    ids = [i.pk for i in invitations]
    Invitation.objects.filter(pk__in=ids, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.CONTACTED
    )
    changes: dict[str, Any] = {"last_contacted_at": now}
    if reminder:
        changes["reminded_at"] = now
    Invitation.objects.filter(pk__in=ids).update(**changes)


def _unit_words(unit: Unit) -> dict[str, str]:
    return {"committee": f"UBND {lower_type(unit.name)}", "issuer": f"UBND {unit.name}".upper()}


def _plain(text: str) -> str:
    """Vietnamese without diacritics: one SMS segment holds 160 such characters, 70 with them."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


# The message, longest first: a text message takes the first that fits one segment (a unit's long
# name or a long dossier code drops the parts a customer can best do without).
MESSAGES = (
    "{committee}{nhac} mời Ông/Bà đánh giá sự phục vụ khi giải quyết hồ sơ {code}: {link} "
    "(không ghi tên, dùng một lần). Xin cảm ơn!",
    "{committee}{nhac} mời Ông/Bà đánh giá việc giải quyết hồ sơ {code}: {link} "
    "(không ghi tên, dùng một lần). Xin cảm ơn!",
    "{committee}{nhac} mời Ông/Bà đánh giá việc giải quyết hồ sơ {code}: {link} (không ghi tên). Xin cảm ơn!",
    "{committee}{nhac} mời Ông/Bà đánh giá việc giải quyết hồ sơ: {link} (không ghi tên). Xin cảm ơn!",
)


def sms_length(text: str) -> int:
    """Characters a text message spends on `text` in GSM-7. Text beyond GSM-7 goes as UCS-2, 70 to a
    segment: counted here at 160/70 a character, so it fits SMS_SEGMENT exactly when it fits 70."""
    if not all((" " <= c <= "~" and c != "`") or c == "€" for c in text):
        return -(-len(text) * SMS_SEGMENT // 70)
    return len(text) + sum(c in SMS_ESCAPED for c in text)


def _message(unit: Unit, invitation: Invitation, link: str, *, method: str, reminder: bool) -> str:
    values = {
        "committee": _unit_words(unit)["committee"],
        "nhac": " nhắc:" if reminder else "",
        "code": invitation.customer.dossier_code,
        "link": link,
    }
    if method != Invitation.Method.SMS:
        return MESSAGES[0].format(**values)
    texts = [_plain(template.format(**values)) for template in MESSAGES]
    return next((text for text in texts if sms_length(text) <= SMS_SEGMENT), texts[-1])


def invitations_messages_export(
    *, unit: Unit, survey: CustomerSurvey, method: str, by: User, reminders: bool = False
) -> list[list[str]]:
    """Rows for the unit's SMS or Zalo tool (phone, message) — the header first — and the customers
    counted as contacted by that method now."""
    if method not in (Invitation.Method.SMS, Invitation.Method.ZALO):
        raise ValidationError({"method": _("Messages are exported for text messages or Zalo only.")})
    now = timezone.now()
    with tenant_context(unit), transaction.atomic():
        invitations = list(invitations_to_reach(survey=survey, method=method, reminders=reminders, now=now))
        rows = [["Mã hồ sơ", "Họ tên", "Số điện thoại", "Nội dung tin nhắn"]]
        for invitation in invitations:
            contact = invitation.customer.contact
            link = invitation_link(unit=unit, invitation=invitation)
            rows.append(
                [
                    invitation.customer.dossier_code,
                    contact.name,
                    contact.phone,
                    _message(unit, invitation, link, method=method, reminder=reminders),
                ]
            )
        _outreach_record(invitations, method=method, by=by, reminder=reminders, now=now)
    return rows


def unsubscribe_token(*, unit: Unit, customer: Customer) -> str:
    return UNSUBSCRIBE_SIGNER.sign(f"{unit.pk:x}-{customer.pk:x}")


def invitations_email_send(
    *,
    unit: Unit,
    survey: CustomerSurvey,
    by: User | None,
    reminders: bool = False,
    now: dt.datetime | None = None,
) -> int:
    """E-mail each reachable customer their link, with a one-click way to stop the unit's e-mails;
    returns how many were sent. Only invitations whose e-mail went out are counted as contacted."""
    now = now or timezone.now()
    words = _unit_words(unit)
    with tenant_context(unit):
        invitations = list(
            invitations_to_reach(survey=survey, method=Invitation.Method.EMAIL, reminders=reminders, now=now)
        )
        messages = []
        for invitation in invitations:
            contact = invitation.customer.contact
            unsubscribe = (
                f"{settings.BASE_URL}/thu/ngung/{unsubscribe_token(unit=unit, customer=invitation.customer)}"
            )
            context = {
                "name": contact.name,
                "committee": words["committee"],
                "code": invitation.customer.dossier_code,
                "procedure": invitation.customer.procedure.name_vi if invitation.customer.procedure else "",
                "link": invitation_link(unit=unit, invitation=invitation),
                "ends_on": survey.campaign.ends_on,
                "unsubscribe": unsubscribe,
                "reminder": reminders,
            }
            body = render_to_string("surveys/customers/email.txt", context)
            subject = ("Nhắc: " if reminders else "") + f"{words['committee']} mời Ông/Bà đánh giá sự phục vụ"
            message = EmailMultiAlternatives(
                subject,
                body,
                settings.DEFAULT_FROM_EMAIL,
                [contact.email],
                headers={
                    "List-Unsubscribe": f"<{unsubscribe}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
            messages.append(message)
        if not messages:
            return 0
        sent = get_connection().send_messages(messages) or 0
        with transaction.atomic():
            _outreach_record(
                invitations[:sent], method=Invitation.Method.EMAIL, by=by, reminder=reminders, now=now
            )
    return sent


def customer_unsubscribe(signed: str) -> bool:
    """Stop e-mail to the customer behind an unsubscribe link; False for a forged or stale link."""
    try:
        unit_hex, customer_hex = UNSUBSCRIBE_SIGNER.unsign(signed).split("-", 1)
        unit = Unit.objects.get(pk=int(unit_hex, 16), onboarded_at__isnull=False)
    except (signing.BadSignature, ValueError, Unit.DoesNotExist):
        return False
    with tenant_context(unit):
        Customer.objects.filter(pk=int(customer_hex, 16), unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
        return Customer.objects.filter(pk=int(customer_hex, 16)).exists()


def letters_parts(*, survey: CustomerSurvey) -> list[tuple[int, int, int]]:
    """The letter files of the survey as (part, first card, last card), LETTERS_PER_FILE cards each."""
    total = invitations_to_reach(survey=survey, method=Invitation.Method.LETTER).count()
    return [
        (part, first + 1, min(first + LETTERS_PER_FILE, total))
        for part, first in enumerate(range(0, total, LETTERS_PER_FILE), start=1)
    ]


def invitations_letters_pdf(*, unit: Unit, survey: CustomerSurvey, by: User, part: int = 1) -> bytes:
    """A mail-merge PDF: one card per customer with a postal address, four to an A4 page (A6 each,
    cut along the lines), each with the customer's own QR code and link; `part` says which
    LETTERS_PER_FILE customers (in dossier-code order) the file holds."""
    now = timezone.now()
    words = _unit_words(unit)
    # Rendered outside any transaction (200 cards take seconds); recorded once it exists.
    with tenant_context(unit):
        parts = len(letters_parts(survey=survey))
        if not 1 <= part <= max(parts, 1):
            raise ValidationError(
                _("There is no letter file %(part)s: this survey has %(parts)s.")
                % {"part": part, "parts": parts}
            )
        first = (part - 1) * LETTERS_PER_FILE
        invitations = list(
            invitations_to_reach(survey=survey, method=Invitation.Method.LETTER)[
                first : first + LETTERS_PER_FILE
            ]
        )
        cards = []
        for invitation in invitations:
            link = invitation_link(unit=unit, invitation=invitation)
            customer = invitation.customer
            cards.append(
                {
                    "name": customer.contact.name,
                    "address": customer.contact.address,
                    "code": customer.dossier_code,
                    "procedure": customer.procedure.name_vi if customer.procedure else "",
                    "received_on": customer.received_on,
                    "link": link,
                    "qr": qr_png_data_uri(link),
                }
            )
        pages = [cards[i : i + LETTERS_PER_PAGE] for i in range(0, len(cards), LETTERS_PER_PAGE)]
        html = render_to_string(
            "surveys/customers/letters.html",
            {
                "pages": pages,
                "issuer": words["issuer"],
                "committee": words["committee"],
                "ends_on": survey.campaign.ends_on,
                "serif": SERIF_STACK,
            },
        )
        pdf = html_to_pdf(html)
        with transaction.atomic():
            _outreach_record(invitations, method=Invitation.Method.LETTER, by=by, reminder=False, now=now)
    return pdf


# --------------------------------------------------------------------------------------------------
# Phone interviews and outcomes
# --------------------------------------------------------------------------------------------------


def invitation_phone_answer(
    *, unit: Unit, invitation: Invitation, data: PostData, submission_key: uuid.UUID, officer: User
) -> Response:
    """An officer called the customer and records their answers on their behalf: channel "phone",
    the officer as interviewer. The link is used up as if the customer had answered online."""
    with tenant_context(unit):
        invitation = Invitation.objects.select_related("token__campaign__version").get(pk=invitation.pk)
        if invitation.token is None or invitation.status == Invitation.Status.ANSWERED:
            raise ValidationError({"__all__": _("This customer has already answered.")})
        token = invitation.token
        with transaction.atomic():
            response, _created = response_submit(
                campaign=token.campaign,
                version_id=token.campaign.version_id,
                data=data,
                submission_key=submission_key,
                channel=Channel.PHONE,
                dossier=(token, token.nonce),
                entered_by=officer,
            )
            # The call is kept by its day only: its exact time beside the response's would pair them.
            day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
            _outreach_record(
                [invitation],
                method=Invitation.Method.PHONE,
                by=officer,
                reminder=False,
                now=day,
                outcome=Invitation.Status.ANSWERED,
            )
    return response


def invitation_outcome(
    *, unit: Unit, invitation: Invitation, status: str, method: str, by: User
) -> Invitation:
    """Record an officer's attempt by `method`: the customer was reached (and will answer by their
    link), refused, or could not be reached."""
    if status not in OUTCOMES:
        raise ValidationError({"status": _("Choose reached, refused or unreachable.")})
    if method not in Invitation.Method.values:
        raise ValidationError({"method": _("Choose how the customer was contacted.")})
    with tenant_context(unit), transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("customer").get(pk=invitation.pk)
        if invitation.status == Invitation.Status.ANSWERED:
            raise ValidationError({"status": _("This customer has already answered.")})
        if invitation.customer.contact_erased_at is not None:
            raise ValidationError({"status": _("This customer's contact data was erased.")})
        now = timezone.now()
        Outreach.objects.create(invitation=invitation, method=method, at=now, by=by, outcome=status)
        invitation.status = status
        invitation.last_contacted_at = now
        invitation.save(update_fields=["status", "last_contacted_at"])
    return invitation


# --------------------------------------------------------------------------------------------------
# Erasure
# --------------------------------------------------------------------------------------------------


def _erase(customer_ids: Sequence[int], now: dt.datetime) -> int:
    """Delete the contacts and put the customers' unused links out of use."""
    erased = CustomerContact.objects.filter(customer_id__in=customer_ids).delete()[0]
    Customer.objects.filter(pk__in=customer_ids).update(contact_erased_at=now)
    tokens = Invitation.objects.filter(customer_id__in=customer_ids, token__isnull=False).values("token_id")
    DossierToken.objects.filter(pk__in=tokens, used_at__isnull=True).update(expires_at=now)
    return erased


def customer_contact_erase(*, unit: Unit, customer: Customer, actor: User, reason: str) -> int:
    """Erase one customer's contact data at their request (audited); their dossier and every answer stay."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why (e.g. the customer asked).")})
    with tenant_context(unit), transaction.atomic():
        erased = _erase([customer.pk], timezone.now())
        audit_record(
            action=AuditAction.CUSTOMER_CONTACT_ERASE,
            actor=actor,
            unit=unit,
            target=customer.dossier_code,
            reason=reason,
            details={"contacts": erased},
        )
    return erased


def customer_survey_erase_on(survey: CustomerSurvey) -> dt.date:
    return survey.campaign.ends_on + dt.timedelta(days=survey.erase_after_days)


def customer_survey_contacts_erase(*, unit: Unit, survey: CustomerSurvey, actor: User | None = None) -> int:
    """Erase the contact data the survey drew on: its population's, except customers another survey
    still needs. Audited; answers, figures and the invitations' statuses stay."""
    now = timezone.now()
    with tenant_context(unit), transaction.atomic():
        survey = CustomerSurvey.objects.select_for_update().select_related("campaign").get(pk=survey.pk)
        if survey.contacts_erased_at is not None:
            return 0
        others = [
            s.pk
            for s in CustomerSurvey.objects.select_related("campaign")
            .filter(contacts_erased_at__isnull=True)
            .exclude(pk=survey.pk)
            if customer_survey_erase_on(s) > timezone.localdate(now)
        ]
        in_scope = Q(received_on__gte=survey.received_from, received_on__lte=survey.received_to) | Q(
            invitations__survey=survey
        )
        ids = (
            Customer.objects.filter(in_scope)
            .exclude(invitations__survey__in=others)
            .values_list("pk", flat=True)
            .distinct()
        )
        erased = _erase(list(ids), now)
        survey.contacts_erased_at = now
        survey.save(update_fields=["contacts_erased_at"])
        audit_record(
            action=AuditAction.CUSTOMER_CONTACTS_ERASE,
            actor=actor,
            unit=unit,
            target=survey.campaign.name,
            reason=_("The survey ended %(days)s days ago.") % {"days": survey.erase_after_days},
            details={"contacts": erased, "survey": survey.pk},
        )
    return erased


def customer_surveys_daily(*, unit: Unit, today: dt.date | None = None) -> dict[str, int]:
    """The unit's daily customer-survey work: e-mail reminders to the unanswered of open campaigns,
    and erasure of contact data once a survey's retention has passed."""
    today = today or timezone.localdate()
    reminded = erased = 0
    with tenant_context(unit):
        surveys = list(
            CustomerSurvey.objects.select_related("campaign").filter(contacts_erased_at__isnull=True)
        )
    for survey in surveys:
        if survey.campaign.starts_on <= today <= survey.campaign.ends_on and survey.campaign.is_active:
            reminded += invitations_email_send(unit=unit, survey=survey, by=None, reminders=True)
        if customer_survey_erase_on(survey) < today:
            erased += customer_survey_contacts_erase(unit=unit, survey=survey)
    return {"reminded": reminded, "erased": erased}
