"""Lookups of our own: ``in`` on integer columns without the values no integer column
can hold, and ``in_array`` for a foreign key in a subquery's ids (below).

``in`` on integer columns, without the values no integer column can hold.

Django answers ``exact``, ``gt`` and the like with "no match" for an integer beyond
the column's range (``IntegerFieldOverflow``) but passes ``in`` to the database, and
SQLite cannot even bind such a number: a forged id in a multiple-choice form
(``?templates=99999999999999999999``) was an OverflowError, a 500. A value out of
range matches no row, so leaving it out changes no answer.
"""

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import ForeignObject, IntegerField, Lookup
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[str | int, ...]]:
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


@ForeignObject.register_lookup
class InSubqueryArray(Lookup):
    """``fk__in_array=queryset``: the foreign key is one of the ids the subquery selects.

    SQLite gets ``IN (subquery)``. PostgreSQL gets ``= ANY(ARRAY(subquery))``: the
    subquery runs once, first, and the big table is then read through its index on the
    key. With ``IN (subquery)`` the planner hashes the ids and scans the whole big table
    whenever it expects many ids (a province's thousand regions), so a page of one
    province grew with every other province's rows."""

    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[str | int, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, tuple[str | int, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)
