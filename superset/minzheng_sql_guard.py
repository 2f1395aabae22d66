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
or set operation anywhere inside. The expression is handed on as sqlglot writes it back, and that text
is checked again the way DuckDB itself will read it, since the two parsers disagree in places a second
red-team pass found: sqlglot moves a comment in front of SELECT (Superset then cut the expression out of
the comment), writes a `--` comment holding `*/` back as live code, and writes `e'x\\'` back as
`e'x\'`. So: no comments and no escape strings at all; sqlglot must read its own output the same way
(a fixed point); DuckDB's parser (json_serialize_sql: parses, runs nothing) must see one SELECT without
FROM, sub-query, set operation, table function or other clause; and no function that reads the catalog,
settings or the query itself (pg_get_viewdef, current_setting, current_query, duckdb_*, ...).

A third pass found two more ways out of the row:
- Superset pastes a custom column unparenthesised where it builds SQL around it: a filter on the
  column `1=1 OR county_code` (IS NOT NULL) became `WHERE 1 = 1 OR county_code IS NOT NULL AND
  (<row-level filter>)`, every county's rows. So the guard accepts exactly one expression, no alias,
  and hands it on in parentheses: one operand wherever it is pasted.
- A function that reads no table may still read more than the row: `stats(x)` returns the storage
  statistics of the whole column (every county's min and max), `sleep_ms` holds a server thread. Every
  function DuckDB does not mark as consistent (its result not a function of its arguments alone:
  VOLATILE or CONSISTENT_WITHIN_QUERY) is refused but for the clock, and so is every built-in macro
  whose body reads a table or calls such a function.

A fourth pass: DuckDB's star expressions (`*`, `t.*`, `* EXCLUDE (...)`, `COLUMNS(*)`, `*COLUMNS(...)`)
passed as "one expression" and expand to every column of the FROM clause: not one operand wherever
Superset pastes them. DuckDB's parse tree shows each as a STAR node; they are refused (count(*) is no
STAR node in DuckDB's tree and stays allowed).

A fifth pass: the leader's SQL Lab (and anything else a non-admin's connection runs) read the server's
paths: `PRAGMA database_list`, `duckdb_databases()`, `duckdb_settings()`, `pg_settings`,
`current_setting('temp_directory')` name the serving file and its folders. Every statement a non-admin's
request runs is checked with DuckDB's own parser first (SQL_QUERY_MUTATOR, after Jinja and Superset's
split): a SELECT (DESCRIBE, SHOW and SUMMARIZE are SELECTs to DuckDB), no PRAGMA, CALL, SET, EXPLAIN or
other statement, no table function but range/generate_series/unnest, no catalog view (duckdb_*, pg_*,
pragma_*, sqlite_*), no function that reads the catalog, the settings or the query
(checked_statement). A Jinja template that fails while rendering (`{{ 1/0 }}`, an undefined macro, an
over-long range) answered 500: it is a 422 with the template's error now (install_template_errors).

A sixth pass: the parentheses broke a lone column name. A raw-records query (a table chart without
metrics, samples, drill to detail) passes every column name of the dataset through the guard and looks
the text it gets back up among the dataset's columns; `(default_month)` was none of them and went to
DuckDB as a column of the table, which a calculated column is not (Binder Error on every dataset with
one). A lone column name is handed on as it is: it is one operand already.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.tokens import TokenType

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


# Functions that read the catalog, the settings or the running query (DuckDB's names, lower case): a
# view's SQL, a constraint, the server's paths, the whole generated query with its row-level filter.
_FORBIDDEN_FUNCTIONS = {
    "current_setting",
    "current_query",
    "current_schema",
    "current_schemas",
    "current_database",
    "current_catalog",
    "getvariable",
    "getenv",
    "query",
    "query_table",
    "format_type",
    "get_block_size",
    "col_description",
    "obj_description",
    "shobj_description",
    "has_table_privilege",
    "has_column_privilege",
    "has_schema_privilege",
    "has_database_privilege",
    "has_function_privilege",
    "has_sequence_privilege",
    "has_tablespace_privilege",
    "has_foreign_data_wrapper_privilege",
    "has_language_privilege",
    "has_server_privilege",
    "has_type_privilege",
    "pg_has_role",
}
_FORBIDDEN_PREFIXES = ("pg_", "duckdb_", "read_", "sniff_", "glob", "which_secret")
# Functions DuckDB marks as not consistent that a chart may still use: the clock.
_CLOCK_FUNCTIONS = {
    "current_date",
    "current_time",
    "current_timestamp",
    "current_localtime",
    "current_localtimestamp",
    "get_current_time",
    "get_current_timestamp",
    "now",
    "today",
    "transaction_timestamp",
}
# String tokens other than plain '...' (escape strings e'...', byte, bit, hex, raw, national, heredoc):
# the two parsers do not agree on their escapes.
_PLAIN_STRING = {TokenType.STRING}
_STRING_TYPES = {
    TokenType.STRING,
    TokenType.BYTE_STRING,
    TokenType.BIT_STRING,
    TokenType.HEX_STRING,
    TokenType.RAW_STRING,
    TokenType.NATIONAL_STRING,
    TokenType.HEREDOC_STRING,
    TokenType.UNICODE_STRING,
}
_REFUSED = "自定义SQL只能是一个表达式"


def checked_expression(sql: str) -> str:
    """`sql` ("SELECT <expression>" or "SELECT 1 ORDER BY <expression>") as sqlglot writes it back, or
    AdhocSqlRefused when it is anything but scalar expressions over the dataset's row."""
    _no_comments_or_escapes(sql)
    out = _structure_checked(sql).sql(dialect="duckdb", comments=False)
    if _structure_checked(out).sql(dialect="duckdb", comments=False) != out:  # read alike each time
        raise AdhocSqlRefused(_REFUSED)
    ordered = sql.lstrip().upper().startswith("SELECT 1 ORDER BY")
    _duckdb_agrees(out, ordered=ordered)
    return _parenthesised(out, ordered)


def _parenthesised(sql: str, ordered: bool) -> str:
    """`sql` with its one expression (the select list's, or the ORDER BY term's) in parentheses, so the
    text Superset cuts out of it is one operand wherever it is pasted (a filter, GROUP BY, ORDER BY).
    A lone column name is left as it is: it is one operand already, and Superset looks the text up among
    the dataset's columns (a raw-records query, samples, drill to detail), so `(default_month)` was no
    column of the dataset and went to DuckDB as a name of the table, which a calculated column is not."""
    root = _structure_checked(sql)
    if ordered:
        terms = root.args["order"].expressions
        if len(terms) != 1:
            raise AdhocSqlRefused(_REFUSED)
        term = terms[0]
        if not isinstance(term.this, exp.Paren) and not _lone_column(term.this):
            term.set("this", exp.Paren(this=term.this))
    else:
        if len(root.expressions) != 1 or isinstance(root.expressions[0], exp.Alias):
            raise AdhocSqlRefused(_REFUSED)
        if not isinstance(root.expressions[0], exp.Paren) and not _lone_column(root.expressions[0]):
            root.set("expressions", [exp.Paren(this=root.expressions[0])])
    return root.sql(dialect="duckdb", comments=False)


def _lone_column(node: exp.Expression) -> bool:
    """A column name alone (`county_code`, `"月份"`, `t.county_code`): identifiers, nothing else."""
    return isinstance(node, exp.Column) and all(isinstance(part, exp.Identifier) for part in node.parts)


def _no_comments_or_escapes(sql: str) -> None:
    try:
        tokens = sqlglot.tokenize(sql, read="duckdb")
    except sqlglot.errors.SqlglotError as exc:
        raise AdhocSqlRefused("自定义SQL无法解析") from exc
    for token in tokens:
        if token.comments:
            raise AdhocSqlRefused("自定义SQL不能包含注释")
        if token.token_type in _STRING_TYPES and token.token_type not in _PLAIN_STRING:
            raise AdhocSqlRefused("自定义SQL只能使用普通的单引号字符串")
        if token.token_type == TokenType.SEMICOLON:
            raise AdhocSqlRefused(_REFUSED)


def _structure_checked(sql: str) -> exp.Select:
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.SqlglotError as exc:
        raise AdhocSqlRefused("自定义SQL无法解析") from exc
    if len(statements) != 1 or not isinstance(statements[0], exp.Select):
        raise AdhocSqlRefused(_REFUSED)
    root = statements[0]
    extra = [key for key, value in root.args.items() if value and key not in _ALLOWED_CLAUSES]
    if extra:
        raise AdhocSqlRefused(_REFUSED)
    for node in root.walk():
        if node is not root and isinstance(node, _FORBIDDEN):
            raise AdhocSqlRefused("自定义SQL不能包含查询、表或语句")
        if node.comments:
            raise AdhocSqlRefused("自定义SQL不能包含注释")
    return root


_parser_lock = threading.Lock()
_parser: Any = None


def _duckdb_tree(sql: str) -> dict[str, Any]:
    """DuckDB's own parse of `sql` (json_serialize_sql parses and runs nothing), on an in-memory
    connection without file access."""
    global _parser
    import duckdb

    with _parser_lock:
        if _parser is None:
            _parser = duckdb.connect(":memory:", config={"enable_external_access": False})
        cursor = _parser.cursor()
    try:
        return json.loads(cursor.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    finally:
        cursor.close()


def _duckdb_agrees(sql: str, ordered: bool) -> None:
    """DuckDB reads `sql` as one SELECT of expressions (and ORDER BY, for the ORDER BY wrapper): no FROM,
    WHERE, GROUP BY, HAVING, QUALIFY, sample, other modifier, sub-query, set operation or table, and no
    function of _FORBIDDEN_FUNCTIONS."""
    tree = _duckdb_tree(sql)
    if tree.get("error") or len(tree.get("statements") or []) != 1:
        raise AdhocSqlRefused(_REFUSED)
    node = tree["statements"][0]["node"]
    if node.get("type") != "SELECT_NODE" or (node.get("from_table") or {}).get("type") != "EMPTY":
        raise AdhocSqlRefused(_REFUSED)
    if any(
        node.get(k)
        for k in ("where_clause", "group_expressions", "group_sets", "having", "sample", "qualify")
    ):
        raise AdhocSqlRefused(_REFUSED)
    if (node.get("cte_map") or {}).get("map"):
        raise AdhocSqlRefused(_REFUSED)
    modifiers = [m.get("type") for m in node.get("modifiers") or []]
    if modifiers not in ([], ["ORDER_MODIFIER"] if ordered else []):
        raise AdhocSqlRefused(_REFUSED)
    for item in _walk(node["select_list"], [m for m in node.get("modifiers") or []]):
        if item.get("class") == "STAR":  # *, t.*, * EXCLUDE (...), COLUMNS(...): several columns
            raise AdhocSqlRefused("自定义SQL只能是一个表达式，不能展开多列（* 或 COLUMNS）")
        if (
            item.get("class") == "SUBQUERY"
            or "node" in item
            or "subquery" in item
            or "from_table" in item
            or "table_name" in item
        ):
            raise AdhocSqlRefused("自定义SQL不能包含查询、表或语句")
        name = str(item.get("function_name") or "").lower()
        if name and (
            name in _FORBIDDEN_FUNCTIONS
            or name.startswith(_FORBIDDEN_PREFIXES)
            or name in _inconsistent_functions()
        ):
            raise AdhocSqlRefused(f"自定义SQL不能使用函数 {name}")


_inconsistent: frozenset[str] | None = None


def _inconsistent_functions() -> frozenset[str]:
    """DuckDB's functions whose result is not a function of their arguments (VOLATILE or
    CONSISTENT_WITHIN_QUERY: stats, sleep_ms, current_setting, nextval, ...) but the clock, and the
    built-in macros whose body reads a table or calls one of them (pg_get_viewdef, ...); asked once of
    DuckDB itself, so a new version's functions are covered."""
    global _inconsistent
    if _inconsistent is None:
        _duckdb_tree("SELECT 1")  # opens the parser's connection
        with _parser_lock:
            cursor = _parser.cursor()
        try:
            rows = cursor.execute(
                "SELECT DISTINCT lower(function_name), function_type, stability, macro_definition "
                "FROM duckdb_functions() WHERE function_type IN ('scalar', 'aggregate', 'macro')"
            ).fetchall()
        finally:
            cursor.close()
        names = {
            name
            for name, _, stability, _ in rows
            if stability in ("VOLATILE", "CONSISTENT_WITHIN_QUERY") and name not in _CLOCK_FUNCTIONS
        }
        macros = [(name, (body or "").lower()) for name, kind, _, body in rows if kind == "macro"]
        grown = True
        while grown:  # a macro calling a refused function or macro is refused too
            grown = False
            for name, body in macros:
                if name in names or name in _CLOCK_FUNCTIONS:
                    continue
                if "select" in body or any(f"{refused}(" in body for refused in names):
                    names.add(name)
                    grown = True
        _inconsistent = frozenset(names)
    return _inconsistent


def _walk(*values: Any):
    """Every dict inside `values` (DuckDB's JSON parse tree)."""
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            yield value
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def install() -> None:
    """Put the guard in front of Superset's own check of custom SQL (FLASK_APP_MUTATOR calls this once
    the app is built; models.helpers looks the function up at each call)."""
    from superset.models import helpers

    original = getattr(helpers.validate_adhoc_subquery, "__wrapped__", helpers.validate_adhoc_subquery)

    def validate_adhoc_subquery(sql: str, *args: Any, **kwargs: Any) -> str:
        try:
            sql = checked_expression(sql)
        except AdhocSqlRefused as exc:
            raise security_error(exc, "ADHOC_SUBQUERY_NOT_ALLOWED_ERROR") from exc
        return original(sql, *args, **kwargs)

    validate_adhoc_subquery.__wrapped__ = original  # type: ignore[attr-defined]
    helpers.validate_adhoc_subquery = validate_adhoc_subquery


# Table functions a non-admin's SQL may use (they read no table, file or setting).
_TABLE_FUNCTIONS = {"range", "generate_series", "unnest"}
# Catalog views and tables (duckdb_databases, pg_settings, pragma_database_list, sqlite_master, ...)
_CATALOG_PREFIXES = ("duckdb_", "pg_", "pragma_", "sqlite_")
_CATALOG_SCHEMAS = {"pg_catalog"}
_SQL_REFUSED = "只能运行查询数据的 SELECT 语句（不能读取数据库目录、设置或服务器文件）"


def checked_statement(sql: str) -> None:
    """Refuse (AdhocSqlRefused) any statement of `sql` that is not a SELECT over the marts: DuckDB's own
    parse (json_serialize_sql only takes SELECTs), then every table, table function and function in it."""
    tree = _duckdb_tree(sql)
    if tree.get("error") or not tree.get("statements"):
        raise AdhocSqlRefused(_SQL_REFUSED)
    for item in _walk(tree["statements"]):
        kind = item.get("type")
        if kind == "TABLE_FUNCTION":
            name = str((item.get("function") or {}).get("function_name") or "").lower()
            if name not in _TABLE_FUNCTIONS:
                raise AdhocSqlRefused(f"{_SQL_REFUSED}：表函数 {name}")
        if kind == "BASE_TABLE":
            parts = [str(item.get(k) or "").lower() for k in ("catalog_name", "schema_name", "table_name")]
            if (
                parts[1] in _CATALOG_SCHEMAS
                or parts[0] in _CATALOG_SCHEMAS
                or any(part.startswith(_CATALOG_PREFIXES) for part in parts)
            ):
                raise AdhocSqlRefused(f"{_SQL_REFUSED}：{parts[2]}")
        name = str(item.get("function_name") or "").lower()
        if name and (name in _FORBIDDEN_FUNCTIONS or name.startswith(_FORBIDDEN_PREFIXES)):
            raise AdhocSqlRefused(f"{_SQL_REFUSED}：函数 {name}")


def query_mutator(sql: str, **kwargs: Any) -> str:
    """SQL_QUERY_MUTATOR: what a non-admin's request runs passes checked_statement (the admin, and the
    command line without a request, run anything the locked connection allows)."""
    from flask import g, has_request_context

    user = getattr(g, "user", None) if has_request_context() else None
    if user is None and not has_request_context():
        return sql
    if user is not None and any(role.name == "Admin" for role in getattr(user, "roles", [])):
        return sql
    try:
        checked_statement(sql)
    except AdhocSqlRefused as exc:
        raise security_error(exc, "QUERY_SECURITY_ACCESS_ERROR") from exc
    return sql


def security_error(exc: AdhocSqlRefused, error_type: str) -> Exception:
    """The refusal as Superset's SupersetSecurityException (a 403 with `exc`'s message) of `error_type`, a
    SupersetErrorType name."""
    from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
    from superset.exceptions import SupersetSecurityException

    return SupersetSecurityException(
        SupersetError(error_type=SupersetErrorType[error_type], message=str(exc), level=ErrorLevel.ERROR)
    )


def install_template_errors() -> None:
    """A template that fails while rendering answers 422 with its error, not 500: every exception of
    process_template but Superset's own 4xx becomes a SupersetSyntaxErrorException."""
    from superset.errors import ErrorLevel, SupersetError, SupersetErrorType
    from superset.exceptions import SupersetException, SupersetSyntaxErrorException

    from superset import jinja_context

    base = jinja_context.BaseTemplateProcessor
    original = getattr(base.process_template, "__wrapped__", base.process_template)

    def process_template(self: Any, sql: str, **kwargs: Any) -> str:
        try:
            return original(self, sql, **kwargs)
        except SupersetException as exc:
            if isinstance(exc, SupersetSyntaxErrorException):
                raise
            error = exc
        except Exception as exc:  # any rendering error: ZeroDivisionError, OverflowError, UndefinedError, ...
            error = exc
        message = f"Jinja 模板错误（{type(error).__name__}）：{error}"[:500]
        raise SupersetSyntaxErrorException(
            [
                SupersetError(
                    message=message,
                    error_type=SupersetErrorType.GENERIC_COMMAND_ERROR,
                    level=ErrorLevel.ERROR,
                )
            ]
        ) from error

    process_template.__wrapped__ = original  # type: ignore[attr-defined]
    base.process_template = process_template
