"""Writes of the officer console's set-up pages: catalog, desks and staff, questionnaires, campaigns, links.

Each service validates before it writes and runs in one transaction, so a refused input leaves nothing
behind. Errors are ValidationErrors keyed by the form field they are about, for the forms to show.
"""

import copy
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tenants.audit import audit_record
from tenants.models import AuditAction, Level, QuestionnaireShare, Unit, User
from tenants.selectors import unit_current
from tenants.vietnam import fold

from .definition import definition_errors
from .models import (
    Campaign,
    Channel,
    Desk,
    Field,
    Procedure,
    QRLink,
    Questionnaire,
    QuestionnaireVersion,
    StaffMember,
)
from .selectors import questionnaire_draft
from .services import (
    campaign_check,
    qr_link_create,
    questionnaire_create,
    questionnaire_version_draft,
    questionnaire_version_publish,
)

NATIONAL_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._\-]*$")
SHARING_LEVELS = (Level.PROVINCE, Level.DISTRICT)


def key_from(text: str, *, taken: Iterable[str], max_length: int = 60) -> str:
    """A free slug key from a Vietnamese name: "Hộ tịch" → "ho_tich", then "ho_tich_2" if taken."""
    base = re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_")[: max_length - 4] or "item"
    used = set(taken)
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def _clean(text: str) -> str:
    return " ".join((text or "").split())


def _require(value: str, field: str) -> None:
    if not value:
        raise ValidationError({field: _("This field is required.")})


def _set_active[M: Field | Procedure | Desk | StaffMember | QuestionnaireShare | Campaign | QRLink](
    obj: M, active: bool
) -> M:
    obj.is_active = active
    obj.save(update_fields=["is_active"])
    return obj


# --------------------------------------------------------------------------- fields and procedures


def _check_key(model: type[Field] | type[Procedure], key: str) -> None:
    if not re.fullmatch(r"[a-z0-9_\-]+", key):
        raise ValidationError({"key": _("Use only lower-case letters without accents, digits, _ and -.")})
    if model.objects.filter(key=key).exists():
        raise ValidationError({"key": _("The key “%(key)s” is already used.") % {"key": key}})


@transaction.atomic
def field_create(*, name_vi: str, name_en: str = "", key: str = "") -> Field:
    name_vi, name_en, key = _clean(name_vi), _clean(name_en), key.strip()
    _require(name_vi, "name_vi")
    if Field.objects.filter(name_vi__iexact=name_vi).exists():
        raise ValidationError({"name_vi": _("A field with this name already exists.")})
    if key:
        _check_key(Field, key)
    else:
        key = key_from(name_vi, taken=Field.objects.values_list("key", flat=True))
    return Field.objects.create(key=key, name_vi=name_vi, name_en=name_en)


@transaction.atomic
def field_update(*, field: Field, name_vi: str, name_en: str = "") -> Field:
    name_vi, name_en = _clean(name_vi), _clean(name_en)
    _require(name_vi, "name_vi")
    if Field.objects.filter(name_vi__iexact=name_vi).exclude(pk=field.pk).exists():
        raise ValidationError({"name_vi": _("A field with this name already exists.")})
    field.name_vi, field.name_en = name_vi, name_en
    field.save(update_fields=["name_vi", "name_en"])
    return field


def field_set_active(*, field: Field, active: bool) -> Field:
    return _set_active(field, active)


def _national_code(raw: str | None, *, exclude: int | None = None) -> str | None:
    code = (raw or "").strip() or None
    if code is None:
        return None
    if len(code) > 40 or not NATIONAL_CODE_RE.match(code):
        raise ValidationError(
            {"national_code": _("A national code looks like 1.001193 (letters, digits, dots).")}
        )
    same_code = Procedure.objects.filter(national_code=code)
    if exclude is not None:
        same_code = same_code.exclude(pk=exclude)
    clash = same_code.first()
    if clash is not None:
        raise ValidationError(
            {
                "national_code": _("The national code %(code)s is already used by “%(name)s”.")
                % {"code": code, "name": clash.name_vi}
            }
        )
    return code


@transaction.atomic
def procedure_create(
    *, field: Field, name_vi: str, name_en: str = "", national_code: str | None = None, key: str = ""
) -> Procedure:
    name_vi, name_en, key = _clean(name_vi), _clean(name_en), key.strip()
    _require(name_vi, "name_vi")
    code = _national_code(national_code)
    if Procedure.objects.filter(name_vi__iexact=name_vi, field=field).exists():
        raise ValidationError({"name_vi": _("This field already has a procedure with this name.")})
    if key:
        _check_key(Procedure, key)
    else:
        key = key_from(name_vi, taken=Procedure.objects.values_list("key", flat=True), max_length=80)
    return Procedure.objects.create(
        key=key, field=field, name_vi=name_vi, name_en=name_en, national_code=code
    )


@transaction.atomic
def procedure_update(
    *, procedure: Procedure, field: Field, name_vi: str, name_en: str = "", national_code: str | None = None
) -> Procedure:
    name_vi, name_en = _clean(name_vi), _clean(name_en)
    _require(name_vi, "name_vi")
    code = _national_code(national_code, exclude=procedure.pk)
    if Procedure.objects.filter(name_vi__iexact=name_vi, field=field).exclude(pk=procedure.pk).exists():
        raise ValidationError({"name_vi": _("This field already has a procedure with this name.")})
    procedure.field, procedure.name_vi, procedure.name_en = field, name_vi, name_en
    procedure.national_code = code
    procedure.save(update_fields=["field", "name_vi", "name_en", "national_code"])
    return procedure


def procedure_set_active(*, procedure: Procedure, active: bool) -> Procedure:
    """Procedures are never deleted: responses point to them. An inactive one leaves the citizen's list."""
    return _set_active(procedure, active)


# --------------------------------------------------------------------------- desks and civil servants


def _desk_name_free(name: str, exclude: int | None = None) -> None:
    same_name = Desk.objects.filter(name__iexact=name)
    if exclude is not None:
        same_name = same_name.exclude(pk=exclude)
    if same_name.exists():
        raise ValidationError({"name": _("A desk with this name already exists.")})


@transaction.atomic
def desk_create(*, name: str, location: str = "") -> Desk:
    name = _clean(name)
    _require(name, "name")
    _desk_name_free(name)
    try:
        with transaction.atomic():
            return Desk.objects.create(name=name, location=_clean(location))
    except IntegrityError as error:  # a concurrent create with the same name
        raise ValidationError({"name": _("A desk with this name already exists.")}) from error


@transaction.atomic
def desk_update(*, desk: Desk, name: str, location: str = "") -> Desk:
    name = _clean(name)
    _require(name, "name")
    _desk_name_free(name, exclude=desk.pk)
    desk.name, desk.location = name, _clean(location)
    desk.save(update_fields=["name", "location"])
    return desk


def desk_set_active(*, desk: Desk, active: bool) -> Desk:
    return _set_active(desk, active)


def _staff_checks(desk: Desk | None, fields: Iterable[Field]) -> list[Field]:
    if desk is not None and not desk.is_active:
        raise ValidationError({"desk": _("This desk is inactive.")})
    chosen = list(fields)
    if any(not f.is_active for f in chosen):
        raise ValidationError({"fields": _("An inactive field cannot be assigned.")})
    return chosen


@transaction.atomic
def staff_member_create(
    *, full_name: str, position: str = "", desk: Desk | None = None, fields: Iterable[Field] = ()
) -> StaffMember:
    full_name = _clean(full_name)
    _require(full_name, "full_name")
    chosen = _staff_checks(desk, fields)
    member = StaffMember.objects.create(full_name=full_name, position=_clean(position), desk=desk)
    member.fields.set(chosen)
    return member


@transaction.atomic
def staff_member_update(
    *,
    member: StaffMember,
    full_name: str,
    position: str = "",
    desk: Desk | None = None,
    fields: Iterable[Field] = (),
) -> StaffMember:
    full_name = _clean(full_name)
    _require(full_name, "full_name")
    # A desk or field deactivated since the member got it may stay; only new assignments must be active.
    kept = {f.pk for f in member.fields.all()}
    new_fields = list(fields)
    new_desk = desk if desk is not None and desk.pk != member.desk_id else None
    _staff_checks(new_desk, [f for f in new_fields if f.pk not in kept])
    member.full_name, member.position, member.desk = full_name, _clean(position), desk
    member.save(update_fields=["full_name", "position", "desk"])
    member.fields.set(new_fields)
    return member


def staff_member_set_active(*, member: StaffMember, active: bool) -> StaffMember:
    return _set_active(member, active)


# --------------------------------------------------------------------------- questionnaires


@transaction.atomic
def questionnaire_draft_save(
    *, questionnaire: Questionnaire, definition: Mapping[str, Any]
) -> QuestionnaireVersion:
    """Save the editor's definition as the draft; only a valid definition is kept, never a published one."""
    if questionnaire.is_locked:
        raise ValidationError(_("A shared questionnaire used as is cannot be edited; make a copy instead."))
    errors = definition_errors(definition)
    if errors:
        raise ValidationError(errors)
    return questionnaire_version_draft(questionnaire=questionnaire, definition=dict(definition))


@transaction.atomic
def questionnaire_draft_publish(*, questionnaire: Questionnaire) -> QuestionnaireVersion:
    """Publish the draft and carry its title to the questionnaire's list entry."""
    if questionnaire.is_locked:
        raise ValidationError(_("A shared questionnaire used as is cannot be edited; make a copy instead."))
    draft = questionnaire_draft(questionnaire=questionnaire)
    if draft is None:
        raise ValidationError(_("There is no draft to publish."))
    version = questionnaire_version_publish(version=draft)
    title = version.definition["title"]
    questionnaire.title_vi, questionnaire.title_en = title["vi"], title.get("en", "")
    questionnaire.save(update_fields=["title_vi", "title_en"])
    return version


@transaction.atomic
def questionnaire_draft_discard(*, questionnaire: Questionnaire) -> None:
    draft = questionnaire_draft(questionnaire=questionnaire)
    if draft is None:
        raise ValidationError(_("There is no draft to discard."))
    if questionnaire.versions.count() == 1:
        raise ValidationError(_("The only version of a questionnaire cannot be discarded."))
    draft.delete()


@transaction.atomic
def questionnaire_share(*, owner: Unit, questionnaire: Questionnaire) -> QuestionnaireShare:
    """Offer the latest published version to every unit below `owner`; sharing it again is a no-op."""
    if owner.level not in SHARING_LEVELS:
        raise ValidationError(_("Only a province or a district can share questionnaires with its units."))
    version = questionnaire.latest_published
    if version is None:
        raise ValidationError(_("Publish a version before sharing it."))
    share, created = QuestionnaireShare.objects.get_or_create(
        owner=owner,
        key=questionnaire.key,
        version=version.number,
        defaults={"title": questionnaire.title_vi, "definition": version.definition},
    )
    if not created and not share.is_active:
        _set_active(share, True)
    return share


def questionnaire_share_withdraw(*, owner: Unit, share: QuestionnaireShare) -> QuestionnaireShare:
    """Stop offering a share; units that already use it keep their copy."""
    if share.owner_id != owner.pk:
        raise ValidationError(_("This share belongs to another unit."))
    return _set_active(share, False)


def _sibling_share_ids(share: QuestionnaireShare) -> list[int]:
    return list(
        QuestionnaireShare.objects.filter(owner_id=share.owner_id, key=share.key).values_list("pk", flat=True)
    )


@transaction.atomic
def questionnaire_use_shared(*, share: QuestionnaireShare, copy_it: bool) -> tuple[Questionnaire, bool]:
    """Use a higher level's questionnaire: as is (locked, follows the sharer) or as an editable copy.

    Returns (questionnaire, changed). Using as is again with a newer shared version adds that version.
    """
    definition = copy.deepcopy(share.definition)
    errors = definition_errors(definition)
    if errors:
        raise ValidationError(errors)
    keys = set(Questionnaire.objects.values_list("key", flat=True))
    if copy_it:
        key = key_from(f"{share.key}_copy", taken=keys, max_length=80)
        # shared_from keeps where the copy came from; only is_locked makes it follow the sharer.
        copied = questionnaire_create(
            key=key, definition=definition, source=Questionnaire.Source.CUSTOM, shared_from=share.pk
        )
        return copied, True
    existing = Questionnaire.objects.filter(is_locked=True, shared_from__in=_sibling_share_ids(share)).first()
    if existing is None:
        key = key_from(share.key, taken=keys, max_length=80)
        created = questionnaire_create(
            key=key,
            definition=definition,
            source=Questionnaire.Source.SHARED,
            shared_from=share.pk,
            locked=True,
        )
        return created, True
    if existing.shared_from == share.pk:
        return existing, False
    # The sharer published a newer version: follow it; the unit's campaigns choose when to switch.
    latest = existing.versions.order_by("-number").first()
    version = QuestionnaireVersion.objects.create(
        questionnaire=existing, number=(latest.number + 1) if latest else 1, definition=definition
    )
    questionnaire_version_publish(version=version)
    existing.shared_from = share.pk
    existing.title_vi, existing.title_en = definition["title"]["vi"], definition["title"].get("en", "")
    existing.save(update_fields=["shared_from", "title_vi", "title_en"])
    return existing, True


# --------------------------------------------------------------------------- campaigns


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    name: str,
    version: QuestionnaireVersion,
    starts_on: dt.date,
    ends_on: dt.date,
    channels: list[str],
) -> Campaign:
    name = campaign_check(
        name=name,
        version=version,
        starts_on=starts_on,
        ends_on=ends_on,
        channels=channels,
        exclude=campaign.pk,
    )
    if version.pk != campaign.version_id and campaign.responses.exists():
        _check_newer_version(campaign, version)
    campaign.name, campaign.version = name, version
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    campaign.channels = list(dict.fromkeys(channels))
    campaign.save(update_fields=["name", "version", "starts_on", "ends_on", "channels"])
    return campaign


def _check_newer_version(campaign: Campaign, version: QuestionnaireVersion) -> None:
    """A campaign with answers moves only forward within its questionnaire.

    Each answer keeps the version it was given to, and the facts count answers by questionnaire, question
    and element, so the campaign's figures span both versions; another questionnaire would mix figures
    that do not compare, and going back would hide the newer questions from the form.
    """
    current = campaign.version
    if not version.is_published:
        raise ValidationError(
            {"version": _("Only a published questionnaire version can be used in a campaign.")}
        )
    if version.questionnaire_id != current.questionnaire_id or version.number <= current.number:
        raise ValidationError(
            {
                "version": _(
                    "This campaign already has responses: it can only move to a newer version of "
                    "“%(title)s” (it uses v%(n)s)."
                )
                % {"title": current.questionnaire.title_vi, "n": current.number}
            }
        )


@transaction.atomic
def campaign_version_switch(
    *, campaigns: Iterable[Campaign], version: QuestionnaireVersion, actor: User | None = None
) -> list[Campaign]:
    """Move campaigns to a newer published version of their questionnaire, keeping their QR codes.

    Printed posters and desk codes keep working: the next citizen who scans gets the new form, and the
    answers already given stay with the version they answered. Each move is in the activity log.
    """
    moved = []
    for campaign in (
        Campaign.objects.select_for_update()
        .select_related("version__questionnaire")
        .filter(pk__in=[c.pk for c in campaigns])
    ):
        if campaign.version_id == version.pk:
            continue
        _check_newer_version(campaign, version)
        previous = campaign.version.number
        campaign.version = version
        campaign.save(update_fields=["version"])
        audit_record(
            action=AuditAction.CAMPAIGN_VERSION_SWITCH,
            actor=actor,
            unit=unit_current(),
            target=f"{campaign.name}: v{previous} → v{version.number}",
            details={"campaign": campaign.pk, "from_version": previous, "to_version": version.number},
        )
        moved.append(campaign)
    return moved


def campaign_set_active(*, campaign: Campaign, active: bool) -> Campaign:
    return _set_active(campaign, active)


def campaign_link_ensure(
    *, unit: Unit, campaign: Campaign, desk: Desk | None = None, staff: StaffMember | None = None
) -> tuple[QRLink, bool]:
    """The active link of the campaign, a desk or a civil servant; a double tap still gives one code."""
    channel = Channel.STAFF if staff else Channel.DESK if desk else Channel.QR
    if not campaign.is_active:
        raise ValidationError(_("This campaign is inactive; reactivate it before making QR codes."))
    if channel not in campaign.channels:
        raise ValidationError(
            _("This campaign does not use the channel “%(channel)s”; add it to the campaign first.")
            % {"channel": Channel(channel).label}
        )
    if desk is not None and not desk.is_active:
        raise ValidationError(_("This desk is inactive."))
    if staff is not None and not staff.is_active:
        raise ValidationError(_("This civil servant is inactive."))
    existing = campaign.links.filter(is_active=True, channel=channel, desk=desk, staff=staff).first()
    if existing is not None:
        return existing, False
    return qr_link_create(unit=unit, campaign=campaign, desk=desk, staff=staff), True


@transaction.atomic
def qr_link_move(*, link: QRLink, campaign: Campaign, actor: User | None = None) -> QRLink:
    """Point a printed code at another campaign: the poster stays, the next answers go to `campaign`.

    Answers already given through the code stay with the campaign they were given in.
    """
    link = QRLink.objects.select_for_update().get(pk=link.pk)
    if not link.is_active:
        raise ValidationError(_("This QR code is deactivated; it cannot be moved."))
    if campaign.pk == link.campaign_id:
        raise ValidationError(_("This QR code already opens this campaign."))
    if not campaign.is_active:
        raise ValidationError(_("This campaign is inactive; reactivate it before moving QR codes to it."))
    if link.channel not in campaign.channels:
        raise ValidationError(
            _("This campaign does not use the channel “%(channel)s”; add it to the campaign first.")
            % {"channel": Channel(link.channel).label}
        )
    # An exact None is IS NULL (same desk, or none); the plugin refuses None for a nullable id.
    taken = campaign.links.filter(
        is_active=True,
        channel=link.channel,
        desk_id=link.desk_id,  # type: ignore[misc]
        staff_id=link.staff_id,
    ).first()
    if taken is not None:
        raise ValidationError(
            _("That campaign already has its own code %(code)s for this; deactivate it first.")
            % {"code": taken.code}
        )
    previous = link.campaign.name
    link.campaign = campaign
    link.save(update_fields=["campaign"])
    audit_record(
        action=AuditAction.QR_LINK_MOVE,
        actor=actor,
        unit=unit_current(),
        target=f"{link.code}: {previous} → {campaign.name}",
        details={"link": link.pk, "campaign": campaign.pk},
    )
    return link


def qr_link_deactivate(*, link: QRLink) -> QRLink:
    """A deactivated code stops opening the form; it is kept so its responses keep their channel.

    There is no reactivation: a new code is made instead, so a withdrawn poster stays dead.
    """
    return _set_active(link, False)
