"""The roll-ups behind every figure: node-days and node-months equal the sums of the units' own facts."""

import datetime as dt
import importlib
import random
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.facts.services import facts_mark_dirty, facts_rebuild, facts_refresh
from analytics.figures.selectors import (
    READ_KEY,
    Period,
    child_ranking,
    contributing_units,
    figures_cached,
    overall_tallies,
    period_parts,
    rollup_counts,
    tally_of,
    unit_figures,
)
from analytics.models import FACT_KEY, DailyFact, RollupDay, RollupMonth
from tests.conftest import answer

pytestmark = pytest.mark.django_db

REFORM = dt.date(2025, 7, 1)
# Month edges, the reform date and both sides of it: where a wrong split between months and days shows.
DAYS = (
    dt.date(2025, 1, 31),
    dt.date(2025, 2, 1),
    dt.date(2025, 2, 28),
    dt.date(2025, 6, 30),
    REFORM,
    dt.date(2025, 7, 15),
    dt.date(2025, 8, 31),
    dt.date(2025, 9, 1),
    dt.date(2025, 12, 31),
)


def answers_across_the_calendar(world) -> None:
    rng = random.Random(2025)  # noqa: S311 - test data
    for day in DAYS:
        for unit in (world.commune, world.sibling):
            for _ in range(rng.randint(1, 3)):
                satisfaction = rng.choice((1, 2, 3))
                reasons = ["official_attitude"] if satisfaction == 1 else ()
                procedure = rng.choice(("dang_ky_khai_sinh", "dang_ky_ket_hon"))
                answer(unit, satisfaction, reasons=reasons, procedure_key=procedure, day=day)
    facts_refresh()


def leaves(node, period: Period, dim: str) -> Counter:
    """What the node's figures must count: its contributing units' own facts, summed by key."""
    rows = (
        DailyFact.objects.filter(
            unit__in=contributing_units(node), day__range=(period.start, period.end), dim=dim
        )
        .values(*READ_KEY)
        .annotate(n=Sum("count"))
    )
    return Counter({tuple(row[c] for c in READ_KEY): row["n"] for row in rows})


def rolled_up(node, period: Period, dim: str) -> Counter:
    counts: Counter = Counter()
    for row in rollup_counts(nodes=[node.pk], period=period, dim=dim):
        counts[tuple(row[c] for c in READ_KEY)] += row["n"]
    return counts


def test_a_period_splits_into_whole_months_and_edge_days():
    months, head, tail = period_parts(Period(dt.date(2025, 1, 15), dt.date(2025, 4, 10)))
    assert months == (dt.date(2025, 2, 1), dt.date(2025, 3, 1))
    assert head == (dt.date(2025, 1, 15), dt.date(2025, 1, 31))
    assert tail == (dt.date(2025, 4, 1), dt.date(2025, 4, 10))
    months, head, tail = period_parts(Period(dt.date(2025, 2, 1), dt.date(2025, 2, 28)))
    assert months == (dt.date(2025, 2, 1), dt.date(2025, 2, 1))
    assert head[0] > head[1] and tail[0] > tail[1]  # empty
    months, head, _tail = period_parts(Period(dt.date(2025, 2, 3), dt.date(2025, 2, 20)))
    assert months[0] > months[1]
    assert head == (dt.date(2025, 2, 3), dt.date(2025, 2, 20))


def test_the_roll_up_is_the_sum_of_the_leaves_for_any_period(world):
    # given answers on month edges and around the reform, in two legacy communes of one district
    answers_across_the_calendar(world)
    # every node: communes, their legacy district and province, the current commune that carries
    # Hồng Thái's history, and the current province above it
    nodes = (world.commune, world.sibling, world.district, world.province)
    nodes += (world.current_commune, world.current_province)
    rng = random.Random(7)  # noqa: S311 - test data
    for _ in range(25):
        start = dt.date(2024, 12, 1) + dt.timedelta(days=rng.randrange(0, 380))
        end = start + dt.timedelta(days=rng.randrange(0, 400))
        period = Period(start, end)
        for node in nodes:
            for dim in ("", "procedure", "channel"):
                assert rolled_up(node, period, dim) == leaves(node, period, dim), (node, period, dim)
    # and the merged history really reaches the current units
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert sum(rolled_up(world.successor, year, "").values()) > 0
    assert rolled_up(world.successor, year, "") == rolled_up(world.commune, year, "")


def test_rankings_tally_the_leaves_for_any_period(world):
    # given answers on month edges in two communes that count only themselves, and their district
    answers_across_the_calendar(world)
    nodes = (world.commune, world.sibling, world.district, world.successor)
    rng = random.Random(11)  # noqa: S311 - test data
    for _ in range(25):
        start = dt.date(2024, 12, 1) + dt.timedelta(days=rng.randrange(0, 380))
        period = Period(start, start + dt.timedelta(days=rng.randrange(0, 400)))
        # the rankings' tallies (months, and each edge from the roll-up days and the node's own facts)
        tallies = overall_tallies(nodes=[node.pk for node in nodes], period=period)
        for node in nodes:
            rows = [
                {**dict(zip(READ_KEY, key, strict=True)), "n": n}
                for key, n in leaves(node, period, "").items()
            ]
            expected = tally_of(r for r in rows if r["kind"] == "rating" and r["element"] == "OVERALL")
            assert tallies.get(node.pk, tally_of([])) == expected, (node, period)


def _table(model, *key) -> list[tuple]:
    return sorted(model.objects.values_list(*key, *FACT_KEY, "count"), key=str)


def test_a_full_rebuild_gives_the_rows_of_the_incremental_fold_at_every_level(world):
    answers_across_the_calendar(world)
    before = (
        _table(DailyFact, "unit_id", "day"),
        _table(RollupDay, "node_id", "day"),
        _table(RollupMonth, "node_id", "month"),
    )
    DailyFact.objects.all().delete()
    RollupDay.objects.all().delete()
    RollupMonth.objects.all().delete()
    facts_rebuild()
    after = (
        _table(DailyFact, "unit_id", "day"),
        _table(RollupDay, "node_id", "day"),
        _table(RollupMonth, "node_id", "month"),
    )
    assert after == before
    assert all(before)


def test_only_rows_some_reader_uses_are_written(world):
    answer(world.commune, 3)
    answer(world.commune, 1, reasons=["official_attitude"])
    facts_refresh()
    rows = DailyFact.objects.filter(unit=world.commune)
    # breakdowns hold overall-question ratings, and responses per procedure only
    assert not rows.exclude(dim="").filter(kind="rating").exclude(element="OVERALL").exists()
    assert set(rows.exclude(dim="").filter(kind="response").values_list("dim", flat=True)) == {"procedure"}
    assert not rows.exclude(dim="").filter(kind="reason").exists()
    # reasons are counted for unsatisfied respondents, the only ones the profile reads
    assert set(rows.filter(kind="reason").values_list("bucket", flat=True)) == {"unsatisfied"}


def test_a_dashboard_costs_the_same_queries_whatever_the_number_of_children(world):
    answers_across_the_calendar(world)
    year = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))

    def queries(unit) -> int:
        with CaptureQueriesContext(connection) as captured:
            unit_figures(unit=unit, period=year)
            child_ranking(unit=unit, period=year)
        return len(captured)

    district_children = world.district.children.count()
    province_children = world.province.children.count()
    assert district_children != province_children
    assert queries(world.district) == queries(world.province) <= 3


def test_cached_figures_are_recomputed_only_after_a_fold_touches_the_unit(world):
    answer(world.commune, 3)
    facts_refresh()
    today = timezone.localdate()
    month = Period(today - dt.timedelta(days=30), today)
    computed = []

    def compute():
        computed.append(1)
        return unit_figures(unit=world.district, period=month).overall.n

    assert figures_cached(node=world.district, what="t", compute=compute) == 1
    assert figures_cached(node=world.district, what="t", compute=compute) == 1
    assert len(computed) == 1
    # a fold in another province leaves this district's figure cached
    facts_mark_dirty(unit=world.other, day=today)
    facts_refresh()
    assert figures_cached(node=world.district, what="t", compute=compute) == 1
    assert len(computed) == 1
    # a new answer below the district, once folded, is counted
    answer(world.sibling, 1, reasons=["official_attitude"])
    assert figures_cached(node=world.district, what="t", compute=compute) == 1  # not folded yet
    facts_refresh()
    assert figures_cached(node=world.district, what="t", compute=compute) == 2
    assert len(computed) == 2


def test_a_fold_that_dies_between_its_halves_is_finished_by_the_next(world, monkeypatch):
    # given a fold whose roll-up half fails after the daily facts were written and committed
    answer(world.commune, 3)
    import analytics.facts.services as services

    def broken():
        raise RuntimeError("worker killed")

    monkeypatch.setattr(services, "contributions_load", broken)
    with pytest.raises(RuntimeError):
        facts_refresh()
    monkeypatch.undo()
    year = Period(timezone.localdate() - dt.timedelta(days=364), timezone.localdate())
    assert DailyFact.objects.filter(unit=world.commune).exists()
    assert unit_figures(unit=world.district, period=year).responses == 0  # not rolled up yet
    # when the next fold runs, with no new answer to fold
    facts_refresh()
    # then the unit-day left pending is rolled up
    assert unit_figures(unit=world.district, period=year).responses == 1


def test_facts_are_kept_in_yearly_partitions(world):
    answer(world.commune, 3, day=dt.date(2025, 3, 3))
    facts_refresh()
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableoid::regclass::text FROM analytics_dailyfact")
        daily = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT DISTINCT tableoid::regclass::text FROM analytics_rollupday")
        rollup = {row[0] for row in cursor.fetchall()}
    assert daily == {"analytics_dailyfact_y2025"}
    assert rollup == {"analytics_rollupday_y2025"}


def test_a_nodes_own_answers_are_not_written_twice(world):
    # given answers with a civil servant, desk and procedure in one commune of a district
    answers_across_the_calendar(world)
    # a commune that counts only itself has no roll-up days: its days are its own daily facts
    assert not RollupDay.objects.filter(node=world.commune).exists()
    assert RollupMonth.objects.filter(node=world.commune).exists()
    # the district's days hold its communes' facts (it answered nothing itself)
    assert RollupDay.objects.filter(node=world.district).exists()
    # civil servants and desks are numbered per schema: judged on a unit's own answers, never rolled up
    assert DailyFact.objects.filter(dim__in=("staff", "desk")).exists()
    assert not RollupDay.objects.filter(dim__in=("staff", "desk")).exists()
    assert not RollupMonth.objects.filter(dim__in=("staff", "desk")).exists()


def test_the_migration_turns_rollups_of_the_old_shape_into_the_folds_rows(world):
    # given the roll-ups as the previous release wrote them: every node-day with its own facts too,
    # and the civil servants' and desks' breakdowns rolled up like the others
    answers_across_the_calendar(world)
    new_shape = (_table(RollupDay, "node_id", "day"), _table(RollupMonth, "node_id", "month"))
    key = ", ".join(FACT_KEY)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO analytics_rollupday (node_id, day, {key}, count)"  # noqa: S608 - constant key
            f" SELECT unit_id, day, {key}, count FROM analytics_dailyfact"
            " ON CONFLICT ON CONSTRAINT rollup_day_key"
            " DO UPDATE SET count = analytics_rollupday.count + EXCLUDED.count"
        )
        cursor.execute(
            f"INSERT INTO analytics_rollupmonth (node_id, month, {key}, count)"  # noqa: S608
            f" SELECT unit_id, date_trunc('month', day)::date, {key}, sum(count) FROM analytics_dailyfact"
            f" WHERE dim IN ('staff', 'desk') GROUP BY unit_id, date_trunc('month', day), {key}"
        )
    assert _table(RollupDay, "node_id", "day") != new_shape[0]
    # when the migration's statements run
    migration = importlib.import_module("analytics.migrations.0014_rollups_without_own_facts")
    with connection.cursor() as cursor:
        for statement in migration.FORWARD:
            cursor.execute(statement)
    # then the roll-ups are exactly those the fold writes
    assert (_table(RollupDay, "node_id", "day"), _table(RollupMonth, "node_id", "month")) == new_shape
