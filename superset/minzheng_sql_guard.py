"""Custom SQL in a chart request (an ad-hoc metric, column, WHERE, HAVING or ORDER BY) is one scalar
expression over the dataset's own row, nothing else.

Superset (6.x) pastes such an expression into the chart's SELECT after one check: `has_subquery()` on
"SELECT <expression>". A top-level set operation has no sub-query node, so
`x FROM marts.any_table UNION ALL SELECT 'y'` passed, and pasted unparenthesised into a raw-records query
it made a first branch with no row-level-security filter: a county login read every county's rows and
every table of the serving file. DuckDB statements sqlglot keeps as commands (`SUMMARIZE t`,
`DESCRIBE t`) passed the same way inside EXISTS(...).

The guard here parses the expression (as Superset does, DuckDB's dialect) and allows only one SELECT
whose sole content is the expression list (or `1 ORDER BY <expression>`), with no query, table, command
or set operation anywhere inside. The expression is then handed on as sqlglot wrote it back from what
it parsed, so DuckDB runs exactly what was checked: text the two parsers read differently (quotes,
comments, escapes) cannot carry a query past the check.
"""

from __future__ import annotations

from typing import Any

import sqlglot
from sqlglot import exp

# Nodes that read a table or run a statement; none belongs in a scalar expression over one row.
_FORBIDDEN: tuple[type[exp.Expression], ...] = (
    exp.Query,  # SELECT, UNION/INTERSECT/EXCEPT, sub-queries
    exp.Subquery,
    exp.Table,
    exp.From,
    exp.Join,
    exp.Lateral,
    exp.Values,
    exp.Pivot,
    exp.Command,  # statements sqlglot does not model: SUMMARIZE, SHOW, PRAGMA, ...
    exp.Describe,
    exp.DDL,
    exp.DML,
    exp.Copy,
    exp.Set,
    exp.Use,
    exp.Attach,
    exp.Detach,
)
# The clauses of the wrapping SELECT an expression may fill: the select list, and ORDER BY for Superset's
# "SELECT 1 ORDER BY <expression>" wrapper.
_ALLOWED_CLAUSES = {"expressions", "order"}


class AdhocSqlRefused(ValueError):
    pass


def checked_expression(sql: str) -> str:
    """`sql` ("SELECT <expression>" or "SELECT 1 ORDER BY <expression>") as sqlglot writes it back, or
    AdhocSqlRefused when it is anything but scalar expressions over the dataset's row."""
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.SqlglotError as exc:
        raise AdhocSqlRefused("自定义SQL无法解析") from exc
    if len(statements) != 1 or not isinstance(statements[0], exp.Select):
        raise AdhocSqlRefused("自定义SQL只能是一个表达式")
    root = statements[0]
    extra = [key for key, value in root.args.items() if value and key not in _ALLOWED_CLAUSES]
    if extra:
        raise AdhocSqlRefused("自定义SQL只能是一个表达式")
    for node in root.walk():
        if node is not root and isinstance(node, _FORBIDDEN):
            raise AdhocSqlRefused("自定义SQL不能包含查询、表或语句")
    return root.sql(dialect="duckdb")


def install() -> None:
    """Put the guard in front of Superset's own check of custom SQL (FLASK_APP_MUTATOR calls this once
    the app is built; models.helpers looks the function up at each call)."""
    from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
    from superset.exceptions import SupersetSecurityException
    from superset.models import helpers

    original = getattr(helpers.validate_adhoc_subquery, "__wrapped__", helpers.validate_adhoc_subquery)

    def validate_adhoc_subquery(sql: str, *args: Any, **kwargs: Any) -> str:
        try:
            sql = checked_expression(sql)
        except AdhocSqlRefused as exc:
            raise SupersetSecurityException(
                SupersetError(
                    error_type=SupersetErrorType.ADHOC_SUBQUERY_NOT_ALLOWED_ERROR,
                    message=str(exc),
                    level=ErrorLevel.ERROR,
                )
            ) from exc
        return original(sql, *args, **kwargs)

    validate_adhoc_subquery.__wrapped__ = original  # type: ignore[attr-defined]
    helpers.validate_adhoc_subquery = validate_adhoc_subquery
