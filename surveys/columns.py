"""Models' columns in hand-written statements, read and written as the ORM would: for the few statements
on the citizen form's path, where building an ORM query costs more than running it (and where every table
is named with its schema, so that no `SET search_path` is needed)."""

import dataclasses
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


@dataclasses.dataclass(frozen=True)
class Columns:
    """One model's columns in a hand-written statement, and its instance built from them as the ORM would
    (field converters applied): the form's one look-up then costs no query compilation."""

    model: type[Model]
    fields: tuple[Any, ...]

    @classmethod
    def of(cls, model: type[Model], *, defer: tuple[str, ...] = ()) -> "Columns":
        return cls(model, tuple(f for f in model._meta.concrete_fields if f.attname not in defer))

    @classmethod
    def written(cls, model: type[Model]) -> "Columns":
        """The columns an INSERT names: every concrete one but the generated primary key."""
        return cls(model, tuple(f for f in model._meta.concrete_fields if not f.primary_key))

    def sql(self, alias: str) -> str:
        return ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in self.fields)

    def names(self) -> str:
        return ", ".join(connection.ops.quote_name(f.column) for f in self.fields)

    def build(self, row: Sequence[Any], start: int) -> Model | None:
        values = list(row[start : start + len(self.fields)])
        if values[0] is None:  # the primary key of an outer join that found nothing
            return None
        for i, f in enumerate(self.fields):
            for convert in f.get_db_converters(connection):
                values[i] = convert(values[i], f.get_col(f.model._meta.db_table), connection)
        return self.model.from_db(connection.alias, [f.attname for f in self.fields], values)

    def values(self, obj: Model) -> list[Any]:
        """What an INSERT of `obj` writes in these columns, prepared as the ORM's own INSERT prepares it."""
        return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in self.fields]

    def unnest(self) -> str:
        """`unnest(%s::type[], …)`: the rows of many objects as one array parameter per column."""
        casts = ", ".join(f"%s::{f.cast_db_type(connection)}[]" for f in self.fields)
        return f"unnest({casts})"

    def arrays(self, objs: Sequence[Model]) -> list[list[Any]]:
        """The parameters of unnest(): one list per column, the objects in order."""
        rows = [self.values(obj) for obj in objs]
        return [[row[i] for row in rows] for i in range(len(self.fields))]
