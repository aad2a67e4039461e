"""Publications benchmark (issue 5): snapshot and PDF time per report, and a whole province's set published.

Run on demand, never by pytest (no test_ prefix, everything under __main__):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sipas_bench_publications \\
        nice -n 10 .venv/bin/python tests/benchmarks/bench_publications.py [--province 20] [--communes N]

The database named in DATABASE_URL is dropped and created anew (its name must contain "bench"), and
dropped again at the end unless --keep. The world: one current province (default 20, Lạng Sơn) and its
communes onboarded, the built-in catalog, the three seed questionnaires and five civil servants in each,
and --responses answers per commune (submitted through response_submit, then moved into last month so
the period is over). Then, for the province and every commune, one after the other as a single Celery
worker would: the snapshot (publication_create), the PDF (publication_render, WeasyPrint) and the
publishing step (publication_publish_finish). The same services the tasks call, without the broker.
"""

import argparse
import datetime as dt
import logging
import os
import random
import statistics
import subprocess
import sys
import time
import types
import uuid

import benchlib
from benchlib import ROOT, database_recreate


def django_start() -> None:
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    benchlib.django_start()
    logging.getLogger("analytics.publications.services").setLevel(logging.WARNING)
    # The public pages of publications, as the project includes them (the PDF prints their address).
    from django.conf import settings
    from django.urls import include, path

    from analytics.publications import urls_public as urls_publications_public
    from config import urls_public

    module = types.ModuleType("bench_publications_public_urls")
    names = {getattr(p, "name", None) for p in urls_public.urlpatterns}
    extra = [] if "publication_public" in names else [path("", include(urls_publications_public))]
    module.urlpatterns = [*extra, *urls_public.urlpatterns]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    settings.PUBLIC_SCHEMA_URLCONF = module.__name__


def manage(*args: str) -> None:
    command = [sys.executable, str(ROOT / "manage.py"), *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - our own manage.py


def post(**fields):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for name, value in fields.items():
        data.setlist(name, value if isinstance(value, list) else [str(value)])
    return data


def world_build(province_code: str, n_communes: int | None, responses: int, seed: int) -> tuple:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import schema_context, tenant_context

    from analytics.facts.services import facts_rebuild
    from surveys.models import Campaign, Procedure, StaffMember
    from surveys.services import campaign_create, catalog_seed, questionnaire_install_builtin, response_submit
    from tenants.models import Structure, Unit
    from tenants.services import template_schema_ensure, unit_onboard

    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    period_start = last.replace(day=1)
    template_schema_ensure()
    with schema_context(settings.TENANT_BASE_SCHEMA):
        catalog_seed()
        for key in ("hong_thai_quick", "son_tay_2017", "nam_dong_2024"):
            version = questionnaire_install_builtin(key=key).latest_published
            campaign_create(
                name=f"Khảo sát {key}",
                version=version,
                starts_on=period_start - dt.timedelta(days=30),
                ends_on=today + dt.timedelta(days=30),
                channels=["qr", "desk", "staff", "dossier", "paper"],
            )
        for name in ("Nông Thị Hoa", "Hoàng Văn Nam", "Lường Thị Mai", "Vi Văn Sơn", "Lý Thị Thu"):
            StaffMember.objects.create(full_name=name)

    province = Unit.objects.get(structure=Structure.CURRENT, code=province_code)
    communes = list(province.children.order_by("path"))[: n_communes or None]
    started = time.perf_counter()
    for unit in (province, *communes):
        unit_onboard(unit=unit)
    print(f"onboarded {len(communes) + 1} units in {time.perf_counter() - started:.1f} s", flush=True)

    rng = random.Random(seed)
    reasons = [
        "official_attitude",
        "procedure_fees",
        "access_premises",
        "procedure_deadline",
        "result_on_time",
    ]
    started = time.perf_counter()
    for unit in communes:
        with tenant_context(unit):
            campaigns = {c.version.questionnaire.key: c for c in Campaign.objects.select_related("version")}
            procedures = list(Procedure.objects.order_by("pk")[:25])
            staff = list(StaffMember.objects.all())
            from surveys.services import qr_link_create

            links = [qr_link_create(unit=unit, campaign=campaigns["hong_thai_quick"], staff=s) for s in staff]
            quick, son_tay = campaigns["hong_thai_quick"], campaigns["son_tay_2017"]
            for _ in range(rng.randint(responses // 2, responses * 3 // 2)):
                if rng.random() < 0.6:
                    level = rng.choices([3, 2, 1], [5, 4, 1])[0]
                    fields = {"q_procedure": rng.choice(procedures).pk, "q_satisfaction": level}
                    if level == 1:
                        fields["q_reasons"] = rng.sample(reasons, rng.randint(1, 3))
                    response_submit(
                        campaign=quick,
                        version_id=quick.version_id,
                        data=post(**fields),
                        submission_key=uuid.uuid4(),
                        channel="staff",
                        link=rng.choice(links),
                    )
                else:
                    keys = ("access_information", "facilities", "procedure_requirements", "official_service")
                    fields = {f"q_{k}": rng.choices([5, 4, 3, 2, 1], [4, 5, 2, 1, 1])[0] for k in keys}
                    fields |= {"q_result": rng.choice([5, 4, 4, 3]), "q_overall": rng.choice([5, 4, 4, 3, 2])}
                    fields["q_feedback_handling"] = "na"
                    response_submit(
                        campaign=son_tay,
                        version_id=son_tay.version_id,
                        data=post(**fields),
                        submission_key=uuid.uuid4(),
                        channel="qr",
                    )
            # into last month, so the period is over and publishable
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE surveys_response SET answered_on = %s + (id %% %s)::int", [period_start, last.day]
                )
    print(f"answered in {time.perf_counter() - started:.1f} s", flush=True)
    facts_rebuild(units=communes)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM public.analytics_dirtyday")
    return province, communes, (period_start, last)


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF, by pdfinfo (poppler-utils); 0 when it is not installed."""
    try:
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout  # noqa: S607
    except (OSError, subprocess.CalledProcessError):
        return 0
    for line in info.decode(errors="replace").splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--province", default="20", help="official code of a current province (default 20)")
    parser.add_argument("--communes", type=int, default=None, help="onboard only the first N communes")
    parser.add_argument("--responses", type=int, default=60, help="mean responses per commune (default 60)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sipas_bench_publications")
    os.environ["DATABASE_URL"] = url
    database_recreate(url)
    try:
        django_start()
        manage("migrate_schemas", "--shared")
        manage("import_units", "--province", args.province)
        run(args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database_recreate(url, drop_only=True)


def run(args: argparse.Namespace) -> None:
    from analytics.figures.selectors import Period
    from analytics.models import Publication
    from analytics.publications.report import report_html
    from analytics.publications.services import (
        ADHOC,
        publication_create,
        publication_publish_finish,
        publication_render,
    )
    from surveys.pdf import html_to_pdf

    province, communes, (start, end) = world_build(args.province, args.communes, args.responses, args.seed)
    period = Period(start, end)
    print(f"load average {os.getloadavg()[0]:.1f}; period {period}", flush=True)

    # Warm-up: WeasyPrint's import and first font lookup are paid once per worker process.
    started = time.perf_counter()
    html_to_pdf("<p>Xin chào</p>")
    print(f"WeasyPrint warm-up (import, fonts): {time.perf_counter() - started:.2f} s", flush=True)

    rows = []
    whole = time.perf_counter()
    for unit in (province, *communes):
        t0 = time.perf_counter()
        publication = publication_create(
            unit=unit, kind=ADHOC, period=period, status=Publication.Status.SCHEDULED
        )
        t1 = time.perf_counter()
        html = report_html(publication)
        t2 = time.perf_counter()
        publication_render(publication_id=publication.pk)
        t3 = time.perf_counter()
        publication_publish_finish(publication_id=publication.pk, user_id=None)
        t4 = time.perf_counter()
        publication.refresh_from_db()
        pdf = bytes(publication.pdf)
        pages = pdf_pages(pdf)
        rows.append(
            (unit, t1 - t0, t2 - t1, t3 - t2, t4 - t3, len(pdf), pages, publication.snapshot["responses"])
        )
        assert publication.status == Publication.Status.PUBLISHED, unit
        del html
    total = time.perf_counter() - whole

    head = rows[0]
    print()
    print(f"province report ({province.name}, {head[7]} responses pooled over {len(communes)} communes):")
    print(
        f"  snapshot {head[1]:.3f} s · HTML {head[2]:.3f} s · PDF render {head[3]:.3f} s"
        f" · publish {head[4]:.3f} s · {head[5] / 1024:.0f} KiB, {head[6]} pages"
    )
    commune_rows = rows[1:]
    if commune_rows:

        def stats(index: int) -> str:
            values = sorted(r[index] for r in commune_rows)
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            return f"median {statistics.median(values):.3f} s, p95 {p95:.3f} s, max {values[-1]:.3f} s"

        print(f"commune reports ({len(commune_rows)}):")
        print(f"  snapshot   {stats(1)}")
        print(f"  HTML       {stats(2)}")
        print(f"  PDF render {stats(3)} (includes building the HTML again)")
        print(f"  publish    {stats(4)}")
        sizes = [r[5] / 1024 for r in commune_rows]
        pages = [r[6] for r in commune_rows]
        print(f"  PDF size median {statistics.median(sizes):.0f} KiB; pages {min(pages)}–{max(pages)}")
    print(
        f"whole set: {len(rows)} reports created, rendered and published one after the other in "
        f"{total:.1f} s ({total / len(rows):.2f} s per report)"
    )
    render_share = sum(r[3] for r in rows) / total
    print(f"  PDF rendering is {render_share:.0%} of it; W workers take about {total:.0f} s / W")
    if commune_rows:
        cpu_of_commune_pdf(Publication.objects.filter(unit__in=communes).order_by("pk"))


def cpu_of_commune_pdf(publications) -> None:
    """CPU time of report_pdf (process time: what a loaded machine's wall time hides), the part of
    it that the elements' chart costs, measured by rendering the same reports without it, and the
    stages it goes to."""
    from analytics.figures import charts
    from analytics.publications.report import report_pdf

    chosen = list(publications[:3]) * 5
    references: list[float] = []
    ratios: list[float] = []

    def cpu_times() -> list[float]:
        times = []
        for publication in chosen:
            reference = reference_cpu()
            start = time.process_time()
            report_pdf(publication)
            times.append(time.process_time() - start)
            references.append(reference)
            ratios.append(times[-1] / reference)
        return sorted(times)

    with_chart = cpu_times()
    published = sorted(references), sorted(ratios)  # of the renders as published only
    # The chart in whichever form the report draws it (SVG, or HTML boxes since 2026-12-03).
    drawn = {name: getattr(charts, name) for name in ("bar_chart", "bar_chart_html") if hasattr(charts, name)}
    for name in drawn:
        setattr(charts, name, lambda *args, **kwargs: "")  # this measurement only
    try:
        without_chart = cpu_times()
    finally:
        for name, function in drawn.items():
            setattr(charts, name, function)
    print(f"CPU time of one commune report's PDF ({len(chosen)} renders, load {os.getloadavg()[0]:.1f}):")
    print(
        f"  as published   median {statistics.median(with_chart):.3f} s, "
        f"range {with_chart[0]:.3f}–{with_chart[-1]:.3f} s"
    )
    print(
        f"  reference      median {statistics.median(published[0]):.3f} s, "
        f"range {published[0][0]:.3f}–{published[0][-1]:.3f} s (the fixed workload run before each render)"
    )
    print(
        f"  as published / reference: median {statistics.median(published[1]):.2f}, "
        f"range {published[1][0]:.2f}–{published[1][-1]:.2f} (the same machine speed for before and after)"
    )
    print(
        f"  without chart  median {statistics.median(without_chart):.3f} s, "
        f"range {without_chart[0]:.3f}–{without_chart[-1]:.3f} s"
    )
    cpu_by_stage(chosen)


def reference_cpu() -> float:
    """CPU time of a fixed pure-Python workload (sorting 200,000 integers and a dictionary of their
    texts), the same in every run and every version of the code: how fast the shared machine lets this
    process compute at the moment. A render's CPU time over it compares runs made under different loads."""
    start = time.process_time()
    numbers = sorted((i * 7919) % 100_003 for i in range(200_000))
    texts = {number: str(number) for number in numbers}
    "".join(texts.values())
    return time.process_time() - start


# The stages of one report's PDF, as (label, module or class, attribute): report_pdf's own Django
# templates, then WeasyPrint's steps. Drawing includes the chart's SVG and writing includes drawing;
# each stage is counted without the stages inside it.
STAGES = (
    ("HTML templating (Django)", "analytics.publications.report", "report_html"),
    ("HTML parsing", "weasyprint.HTML", "__init__"),
    ("CSS cascade (computed styles)", "weasyprint.document", "get_all_computed_styles"),
    ("boxes (formatting structure)", "weasyprint.document", "build_formatting_structure"),
    ("layout", "weasyprint.document", "layout_document"),
    ("chart (SVG drawing)", "weasyprint.svg.SVG", "draw"),
    ("drawing (text, tables, rules)", "weasyprint.document", "draw_page"),
    ("PDF writing (fonts, objects)", "weasyprint.document.Document", "write_pdf"),
)


def cpu_by_stage(publications) -> None:
    """Where one report's CPU time goes, stage by stage (median per render of each stage's own time),
    and how much of it Python's cyclic garbage collector takes wherever it happens to run."""
    import gc
    import importlib

    from analytics.publications.report import report_pdf

    def target(path: str):
        module, _, name = path.rpartition(".")
        try:
            return importlib.import_module(path)
        except ImportError:
            return getattr(importlib.import_module(module), name)

    own: dict[str, float] = {}
    inner: list[float] = []  # time of the stages running inside the current one

    def timed(label, function, *, generator=False):
        def wrapper(*args, **kwargs):
            inner.append(0.0)
            start = time.process_time()
            try:
                result = function(*args, **kwargs)
                return list(result) if generator else result
            finally:
                elapsed = time.process_time() - start
                nested = inner.pop()
                own[label] = own.get(label, 0.0) + elapsed - nested
                if inner:
                    inner[-1] += elapsed

        return wrapper

    collecting = [0.0, 0.0]  # start of the running collection, total

    def on_gc(phase: str, _info: dict) -> None:
        if phase == "start":
            collecting[0] = time.process_time()
        else:
            collecting[1] += time.process_time() - collecting[0]

    originals = []
    for label, path, name in STAGES:
        holder = target(path)
        original = getattr(holder, name)
        originals.append((holder, name, original))
        setattr(holder, name, timed(label, original, generator=name == "layout_document"))
    gc.callbacks.append(on_gc)
    samples: dict[str, list[float]] = {label: [] for label, _, _ in (*STAGES, ("other", "", ""))}
    samples["of which cyclic garbage collection"] = []
    try:
        for publication in publications:
            own.clear()
            collecting[1] = 0.0
            start = time.process_time()
            report_pdf(publication)
            total = time.process_time() - start
            for label, _, _ in STAGES:
                samples[label].append(own.get(label, 0.0))
            samples["other"].append(total - sum(own.values()))
            samples["of which cyclic garbage collection"].append(collecting[1])
    finally:
        gc.callbacks.remove(on_gc)
        for holder, name, original in originals:
            setattr(holder, name, original)
    print(f"  by stage (median of {len(publications)} renders, CPU s):")
    for label, values in samples.items():
        print(f"    {label:<36} {statistics.median(values):.3f}  ({min(values):.3f}–{max(values):.3f})")


if __name__ == "__main__":
    main()
