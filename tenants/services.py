"""Writes to the unit registry, onboarding and memberships; each validates first and writes atomically."""

import datetime as dt
import io
import multiprocessing
import smtplib
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.management import call_command
from django.core.validators import validate_email
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import schema_exists

from .audit import audit_record
from .cloning import settings_local, template_script
from .models import AuditAction, DivisionType, Domain, Level, Membership, Role, Structure, Unit, User
from .permissions import Action, has_perm
from .routing import public_reverse

CODE_WIDTH = {Level.PROVINCE: 2, Level.DISTRICT: 3, Level.COMMUNE: 5}
ALLOWED_PARENTS = {
    Level.PROVINCE: set(),
    Level.DISTRICT: {Level.PROVINCE},
    Level.COMMUNE: {Level.DISTRICT, Level.PROVINCE},
}
SCHEMA_PREFIX = {Level.PROVINCE: "p", Level.DISTRICT: "d", Level.COMMUNE: "x"}


def unit_code_normalize(*, code: str | int, level: str) -> str:
    """Official GSO codes are zero-padded: province 2 digits, district 3, commune 5."""
    text = str(code).strip()
    width = CODE_WIDTH[Level(level)]
    if not text.isdigit() or len(text.lstrip("0") or "0") > width:
        raise ValidationError(
            _("“%(code)s” is not a valid code for a %(level)s.")
            % {"code": code, "level": Level(level).label.lower()}
        )
    return text.zfill(width)


def unit_schema_name(*, structure: str, level: str, code: str) -> str:
    prefix = "l" if structure == Structure.LEGACY else ""
    return f"{prefix}{SCHEMA_PREFIX[Level(level)]}{code}"


def _path(structure: str, parent: Unit | None, code: str) -> str:
    if parent is None:
        return f"{structure[0]}:{code}/"
    return f"{parent.path}{code}/"


def unit_parent_check(*, level: str, structure: str, parent: Unit | None, unit: Unit | None = None) -> None:
    """Why `parent` cannot hold a unit of this level and structure (ValidationError), or nothing."""
    allowed = ALLOWED_PARENTS[Level(level)]
    if parent is None:
        if allowed:
            raise ValidationError(_("A %(level)s must have a parent unit.") % {"level": Level(level).label})
        return
    if not allowed:
        raise ValidationError(_("A province has no parent unit."))
    if parent.level not in allowed:
        raise ValidationError(
            _("The parent of a %(level)s must be a %(allowed)s, not a %(parent)s.")
            % {
                "level": Level(level).label,
                "allowed": " / ".join(str(Level(a).label) for a in sorted(allowed)),
                "parent": Level(parent.level).label,
            }
        )
    if parent.structure != structure:
        raise ValidationError(_("A unit and its parent must belong to the same structure."))
    if unit is not None and unit.pk is not None and parent.path.startswith(unit.path):
        raise ValidationError(
            _("“%(parent)s” is inside “%(unit)s”: that would make a cycle.")
            % {"parent": parent.name, "unit": unit.name}
        )


@transaction.atomic
def unit_create(
    *,
    code: str | int,
    name: str,
    level: str,
    division_type: str,
    structure: str = Structure.CURRENT,
    parent: Unit | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Unit:
    code = unit_code_normalize(code=code, level=level)
    unit_parent_check(level=level, structure=structure, parent=parent)
    if division_type not in DivisionType.values:
        raise ValidationError(_("Unknown unit type “%(type)s”.") % {"type": division_type})
    if Unit.objects.filter(structure=structure, code=code).exists():
        raise ValidationError(_("The code %(code)s is already used in this structure.") % {"code": code})
    return Unit.objects.create(
        code=code,
        name=name.strip(),
        level=level,
        division_type=division_type,
        structure=structure,
        parent=parent,
        path=_path(structure, parent, code),
        schema_name=unit_schema_name(structure=structure, level=level, code=code),
        valid_from=valid_from,
        valid_to=valid_to,
    )


@transaction.atomic
def unit_move(*, unit: Unit, parent: Unit | None) -> Unit:
    """Re-parent a unit and rewrite the materialized paths of its whole subtree."""
    unit_parent_check(level=unit.level, structure=unit.structure, parent=parent, unit=unit)
    old_path = unit.path
    new_path = _path(unit.structure, parent, unit.code)
    descendants = list(Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk))
    unit.parent = parent
    unit.path = new_path
    unit.save(update_fields=["parent", "path"])
    for child in descendants:
        child.path = new_path + child.path[len(old_path) :]
    Unit.objects.bulk_update(descendants, ["path"])
    return unit


def template_schema_ensure() -> str:
    """Create and migrate the template schema that new unit schemas are cloned from."""
    name = settings.TENANT_BASE_SCHEMA
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
        call_command("migrate_schemas", schema_name=name, tenant=True, interactive=False, verbosity=0)
    return name


def schema_clone(*, template: str, schema: str) -> None:
    """Create `schema` as a copy of the migrated template, structure and rows, in one round trip.

    Runs in the caller's transaction (or its own): the new schema appears whole or not at all.
    """
    _check_schema_name(schema)
    name = connection.ops.quote_name(schema)
    with transaction.atomic():
        script = template_script(template=template)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {name}")
            with settings_local(cursor, search_path=f"{name}, pg_catalog", check_function_bodies="off"):
                cursor.execute(script.body)


@dataclass(frozen=True)
class OnboardResult:
    unit: Unit
    schema_created: bool
    admin: User | None


def _already_onboarded(unit: Unit) -> ValidationError:
    return ValidationError(
        _("%(unit)s (%(code)s) is already onboarded.") % {"unit": unit.name, "code": unit.code}
    )


def unit_onboard(*, unit: Unit, admin_email: str | None = None) -> OnboardResult:
    """Give a unit its schema, its /u/<slug>/ route and optionally a first admin, in one transaction.

    An interrupted onboarding leaves nothing behind. A schema that exists without its route (the unit
    was offboarded) is reused, not recreated. A unit that is already onboarded is refused, so a typo in
    a script cannot hand it a second admin.
    """
    if unit.level == Level.NATIONAL:
        raise ValidationError(_("The national root cannot be onboarded."))
    if unit.is_onboarded:
        raise _already_onboarded(unit)
    if admin_email is not None:
        admin_email = _email_normalize(admin_email)
    template = template_schema_ensure()
    admin = None
    with transaction.atomic():
        # Two onboardings of one unit at once: the second waits here, then sees the first's work.
        if Unit.objects.select_for_update().filter(pk=unit.pk, onboarded_at__isnull=False).exists():
            raise _already_onboarded(unit)
        schema_created = not schema_exists(unit.schema_name)
        if schema_created:
            schema_clone(template=template, schema=unit.schema_name)
        Domain.objects.get_or_create(domain=unit.slug, defaults={"tenant": unit, "is_primary": True})
        unit.onboarded_at = timezone.now()
        unit.save(update_fields=["onboarded_at"])
        if admin_email:
            admin = member_invite(granter=None, email=admin_email, unit=unit, role=Role.ADMIN).membership.user
    return OnboardResult(unit=unit, schema_created=schema_created, admin=admin)


@dataclass(frozen=True)
class ProvinceOnboardResult:
    province: Unit
    onboarded: list[OnboardResult]
    already_onboarded: int

    @property
    def schemas_reused(self) -> int:
        return sum(1 for result in self.onboarded if not result.schema_created)


def units_onboard(
    *, province: Unit, on_progress: Callable[[int, int, OnboardResult, float], None] | None = None
) -> ProvinceOnboardResult:
    """Onboard a province and every unit below it: its communes (and legacy districts), parents first.

    Each unit is onboarded in its own transaction, so an interrupted run keeps the units it finished;
    running it again skips them and carries on. `on_progress(done, total, result, seconds)` is called
    after each unit.
    """
    if province.level != Level.PROVINCE:
        raise ValidationError(
            _("%(unit)s is not a province: give the code of a province.") % {"unit": province.name}
        )
    units = list(Unit.objects.filter(path__startswith=province.path).order_by("path"))
    pending = [unit for unit in units if not unit.is_onboarded]
    results = []
    for done, unit in enumerate(pending, start=1):
        started = time.perf_counter()
        results.append(unit_onboard(unit=unit))
        if on_progress is not None:
            on_progress(done, len(pending), results[-1], time.perf_counter() - started)
    return ProvinceOnboardResult(
        province=province, onboarded=results, already_onboarded=len(units) - len(pending)
    )


@transaction.atomic
def unit_offboard(*, unit: Unit, actor: User | None = None, reason: str = "", via: str = "") -> Unit:
    """Close a unit's routes; its schema and data stay for history and a later return.

    `actor` None with `via="command"` is an operator at the command line."""
    if not unit.is_onboarded:
        raise ValidationError(_("%(unit)s is not onboarded.") % {"unit": unit.name})
    Domain.objects.filter(tenant=unit).delete()
    unit.onboarded_at = None
    unit.save(update_fields=["onboarded_at"])
    audit_record(
        action=AuditAction.UNIT_OFFBOARD,
        actor=actor,
        unit=unit,
        target=unit.name,
        reason=reason,
        details={"via": via} if via else {},
    )
    return unit


def schemas_with_data() -> list[str]:
    """Schemas to migrate: the template and every unit that has a schema (offboarded ones too)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        existing = {row[0] for row in cursor.fetchall()}
    names = [settings.TENANT_BASE_SCHEMA] if settings.TENANT_BASE_SCHEMA in existing else []
    names += [
        name
        for name in Unit.objects.exclude(level=Level.NATIONAL)
        .order_by("path")
        .values_list("schema_name", flat=True)
        if name in existing
    ]
    return names


@dataclass(frozen=True)
class SchemaMigration:
    schema: str
    ok: bool
    seconds: float
    output: str  # what migrate printed, and the traceback of a failure
    error: str = ""  # the exception of a failure, in one line


_worker_options: dict[str, Any] = {}


def _worker_start(options: dict[str, Any]) -> None:
    _worker_options.update(options)


def _schema_migrate(schema: str, options: dict[str, Any] | None = None) -> SchemaMigration:
    """Migrate one schema, in a pool worker or in this process; a failure is returned, not raised."""
    from django_tenants.migration_executors.base import run_migrations

    in_worker = options is None
    output = io.StringIO()
    started = time.perf_counter()
    error = ""
    try:
        with redirect_stdout(output), redirect_stderr(output):
            run_migrations(
                (),
                options if options is not None else _worker_options,
                "parallel",
                schema,
                allow_atomic=not in_worker,
            )
    except Exception as exc:  # reported with its schema; the other schemas go on
        output.write("\n" + traceback.format_exc())
        error = f"{type(exc).__name__}: {exc}".strip()
    finally:
        if in_worker:
            connection.close()  # a failed migration can leave it in an aborted transaction
    return SchemaMigration(schema, not error, time.perf_counter() - started, output.getvalue(), error)


def schemas_migrate(
    *,
    schemas: Sequence[str],
    options: dict[str, Any],
    workers: int,
    on_result: Callable[[int, SchemaMigration], None] | None = None,
) -> list[SchemaMigration]:
    """Apply the migrations of each schema, `workers` schemas at a time, each in a process of its own.

    `options` are the migrate command's. A schema that fails is reported and the others go on; the
    migrations it did apply stay applied (each one is atomic), so running this again resumes it.
    `on_result(done, result)` is called as each schema finishes.
    """
    # The caller's command has run the system checks once, and prints each schema's output itself.
    options = {k: v for k, v in options.items() if k not in ("stdout", "stderr")} | {"skip_checks": True}
    results: list[SchemaMigration] = []

    def record(result: SchemaMigration) -> None:
        results.append(result)
        if on_result is not None:
            on_result(len(results), result)

    if workers <= 1 or len(schemas) <= 1:
        for schema in schemas:
            record(_schema_migrate(schema, options))
        return results
    # Forked workers inherit Django set up; each opens its own connection, so close ours first.
    connection.close()
    context = multiprocessing.get_context("fork")
    with context.Pool(min(workers, len(schemas)), initializer=_worker_start, initargs=(options,)) as pool:
        for result in pool.imap_unordered(_schema_migrate, schemas):
            record(result)
    return results


def _email_normalize(email: str) -> str:
    normalized = User.objects.normalize_email(email.strip()).lower()
    try:
        validate_email(normalized)
    except ValidationError:
        raise ValidationError(_("“%(email)s” is not an e-mail address.") % {"email": email}) from None
    return normalized


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    account_created: bool
    # The person has no password yet, so the e-mail carried a link to choose one.
    password_link_sent: bool


def user_ensure(*, email: str) -> tuple[User, bool]:
    """The account of `email`, made without a password if there is none: the one place accounts are made.

    Returns (user, created). E-mail addresses are compared without case; the username is the address.
    """
    email = _email_normalize(email)
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, False
    user = User(email=email, username=email)
    user.set_unusable_password()
    user.save()
    return user, True


@transaction.atomic
def member_invite(
    *, granter: User | None, email: str, unit: Unit, role: str, notify: bool = True
) -> Invitation:
    """Give the person with `email` a role in `unit` and tell them by e-mail: the one way accounts are made.

    A new person gets an account without a password and an e-mail with a link to choose one (Django's
    password-reset token: it works once, for PASSWORD_RESET_TIMEOUT). Inviting again someone who has not
    chosen a password yet sends a fresh link; someone who already signs in is told of the new role.
    Only an admin of the unit or of a unit above may invite; `granter` is None only when the platform
    itself gives an onboarded unit its first admin. An e-mail that cannot be sent undoes everything, so
    the admin can simply try again. `notify` is False only for the demo's accounts, whose password is
    printed in the README.
    """
    if role not in Role.values:
        raise ValidationError(_("Unknown role “%(role)s”.") % {"role": role})
    if granter is not None and not has_perm(granter, Action.MANAGE, unit):
        raise ValidationError(
            _("You can only grant roles in units of your own subtree; %(unit)s is outside it.")
            % {"unit": unit.name}
        )
    user, created = user_ensure(email=email)
    before = Membership.objects.filter(user=user, unit=unit).values_list("role", flat=True).first()
    membership, _created = Membership.objects.update_or_create(
        user=user, unit=unit, defaults={"role": role, "granted_by": granter}
    )
    if before != role:
        audit_record(
            action=AuditAction.ROLE_GRANT,
            actor=granter,
            unit=unit,
            target=user.email,
            details={"role": role, "previous_role": before or ""},
        )
    needs_password = not user.has_usable_password()
    try:
        if notify:
            invitation_send(membership=membership, with_password_link=needs_password)
    except (OSError, smtplib.SMTPException) as error:
        raise ValidationError(
            _(
                "The invitation e-mail to %(email)s could not be sent, so nothing was changed. "
                "Please try again later."
            )
            % {"email": user.email}
        ) from error
    return Invitation(
        membership=membership, account_created=created, password_link_sent=notify and needs_password
    )


def password_link(*, user: User) -> str:
    """The absolute one-time link where `user` chooses a password (invitations and password resets)."""
    path = public_reverse(
        "password_reset_confirm",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )
    return f"{settings.BASE_URL}{path}"


def invitation_send(*, membership: Membership, with_password_link: bool) -> None:
    """The invitation e-mail, in Vietnamese then English: the invitee's language is not known yet."""
    context = {
        "unit": membership.unit,
        "granter": membership.granted_by,
        "link": password_link(user=membership.user) if with_password_link else None,
        "sign_in": f"{settings.BASE_URL}{public_reverse('login')}",
        "timeout_days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    parts = []
    for language in ("vi", "en"):
        with translation.override(language):
            context["role_label"] = str(Role(membership.role).label)
            parts.append(render_to_string("registration/invitation_email.txt", context).strip())
    with translation.override("vi"):
        subject = render_to_string("registration/invitation_subject.txt", context)
    send_mail(
        " ".join(subject.split()),
        "\n\n---\n\n".join(parts),
        None,
        [membership.user.email],
        fail_silently=False,
    )


@transaction.atomic
def membership_revoke(*, granter: User, membership: Membership) -> None:
    if not has_perm(granter, Action.MANAGE, membership.unit):
        raise ValidationError(_("You cannot change roles in %(unit)s.") % {"unit": membership.unit.name})
    audit_record(
        action=AuditAction.ROLE_REVOKE,
        actor=granter,
        unit=membership.unit,
        target=membership.user.email,
        details={"role": membership.role},
    )
    membership.delete()


def public_tenant_ensure() -> Unit:
    """The row django-tenants routes public pages to: the national root, schema `public`."""
    unit, _created = Unit.objects.get_or_create(
        schema_name="public",
        defaults={
            "code": "VN",
            "name": "Việt Nam",
            "level": Level.NATIONAL,
            "division_type": DivisionType.NATION,
            "structure": Structure.CURRENT,
            "path": "VN:",
        },
    )
    return unit
