"""Every attack a logged-in user might try against the Superset server, in one table: a new class of
attack is one more line here. test_attacks.py runs each one as a county login, as `leader` and as
`admin` against the real server and asserts it is refused (for the logins named in `refused_for`).

Kinds (how test_attacks.py sends the payload):
- metric / column / where / having: custom SQL in a chart-data request on a dataset the county login
  is granted (mart_overview_county_month); refused = 4xx (custom SQL must be one scalar expression:
  superset/minzheng_sql_guard.py, then Superset's own sub-query check).
- raw-column: the same as a column of a raw-records request (no metrics key: no GROUP BY, and Superset
  pastes the expression into the select list without parentheses).
- sql: a statement in SQL Lab on the warehouse database; a county login has no SQL Lab at all (4xx),
  the leader and the admin get a DuckDB error (no file, no other database, no SET, no extension).
- api: `METHOD /path` with a JSON body, logged in with the API's bearer token; refused = 4xx.
- view: the same, logged in through the login form (cookie), for Superset's older views.
Payloads may name {warehouse} (the read-write warehouse file), {serving} (the serving file Superset
reads), {dataset} (a dataset id the county is
granted), {hidden} (a dataset id no county is granted), {database} (the warehouse database id),
{dashboard} (a dashboard of the bundle) and {scratch} (a file path that must not appear).
"""

from __future__ import annotations

from dataclasses import dataclass

COUNTY, LEADER, ADMIN = "county", "leader", "admin"
EVERYONE = (COUNTY, LEADER, ADMIN)


@dataclass(frozen=True)
class Attack:
    name: str
    kind: str  # metric | column | raw-column | where | having | sql | api | view
    payload: str
    body: dict | None = None
    refused_for: tuple[str, ...] = EVERYONE
    allowed_for: tuple[str, ...] = ()  # the same request answers for these logins (it is well-formed)


# fmt: off
ATTACKS: list[Attack] = [
    # ad-hoc SQL around row-level security: sub-queries over other tables and table functions
    Attack('metric: sub-query on a fact table', 'metric', '(SELECT count(*) FROM marts.fct_lottery_sales)'),
    Attack('metric: sub-query on the same mart', 'metric', '(SELECT count(*) FROM marts.mart_overview_county_month)'),
    Attack('metric: FROM-first sub-query', 'metric', '(FROM marts.fct_lottery_sales SELECT count(*))'),
    Attack('metric: IN sub-query', 'metric', 'count(*) FILTER (WHERE county_code IN (SELECT county_code FROM marts.dim_region))'),
    Attack('metric: duckdb_tables()', 'metric', "(SELECT string_agg(table_name, ',') FROM duckdb_tables())"),
    Attack('metric: query_table()', 'metric', "(SELECT count(*) FROM query_table('marts.mart_overview_county_month'))"),
    Attack('metric: fully qualified name', 'metric', '(SELECT count(*) FROM minzheng.marts.mart_overview_county_month)'),
    Attack('metric: read_text() of a file', 'metric', "(SELECT content FROM read_text('/etc/passwd'))"),
    Attack('column: scalar sub-query', 'column', '(SELECT max(county_code) FROM marts.mart_overview_county_month)'),
    Attack('column: ARRAY sub-query', 'column', 'ARRAY(SELECT county_code FROM marts.mart_overview_county_month)'),
    Attack('column: read_csv() of a file', 'column', "(SELECT count(*) FROM read_csv('/etc/passwd'))"),
    Attack('where: IN sub-query', 'where', 'county_code IN (SELECT county_code FROM marts.mart_overview_county_month)'),
    Attack('where: EXISTS sub-query', 'where', 'EXISTS (SELECT 1 FROM marts.fct_assistance_caseload)'),
    Attack('where: break out of the clause', 'where', '1 = 1) OR (1 = 1'),
    Attack('where: UNION injection', 'where', '1 = 1 UNION ALL SELECT * FROM marts.mart_overview_county_month'),
    Attack('where: Jinja dataset() macro', 'where', 'county_code IN {{ dataset({dataset}) }}'),
    Attack('having: sub-query', 'having', 'count(*) > (SELECT count(*) FROM duckdb_tables())'),
    # a top-level set operation or a DuckDB statement is no sub-query to Superset's own check (6.1.0)
    Attack('raw-column: UNION with another county', 'raw-column', "county_code FROM marts.mart_overview_county_month WHERE county_code <> '610602' UNION ALL SELECT 'x'"),
    Attack('raw-column: UNION with a fact table', 'raw-column', "county_code FROM marts.fct_lottery_sales UNION ALL SELECT 'x'"),
    Attack('metric: UNION with a fact table', 'metric', 'count(*) FROM marts.fct_lottery_sales UNION ALL SELECT 1'),
    Attack('column: UNION inside a CASE', 'column', "CASE WHEN true THEN county_code END FROM marts.dim_region UNION SELECT 'x'"),
    Attack('where: EXISTS(SUMMARIZE ...)', 'where', 'EXISTS(SUMMARIZE marts.fct_lottery_sales)'),
    Attack('where: EXISTS(DESCRIBE ...)', 'where', 'EXISTS(DESCRIBE marts.fct_lottery_sales)'),
    Attack('having: UNION in HAVING', 'having', 'count(*) > 0 UNION SELECT county_code FROM marts.dim_region'),
    # where sqlglot (the guard's parser) and DuckDB disagree: comments moved or written back as code,
    # escape strings written back with another meaning (a second red-team pass)
    Attack('raw-column: comment moved before SELECT', 'raw-column', "/* SELECT ' */ ' AS a UNION ALL SELECT county_code FROM marts.mart_overview_county_month UNION ALL SELECT county_name_zh --'"),
    Attack('metric: comment moved before SELECT', 'metric', "/* SELECT ' */ ' AS a UNION ALL SELECT county_code FROM marts.mart_overview_county_month UNION ALL SELECT county_name_zh --'"),
    Attack('raw-column: line comment holding */', 'raw-column', 'county_code -- */ FROM marts.fct_lottery_sales UNION ALL SELECT county_code /*'),
    Attack('raw-column: escape string written back', 'raw-column', "e'x\\\\' || ' AS a UNION ALL SELECT county_code FROM marts.fct_lottery_sales UNION ALL SELECT county_name_zh --'"),
    Attack('where: comment moved before SELECT', 'where', "/* SELECT ' */ ' IS NULL OR county_code IN (SELECT county_code FROM marts.dim_region) --'"),
    Attack('column: the generated query (current_query)', 'column', 'current_query()'),
    Attack("column: a view's SQL (pg_get_viewdef)", 'column', 'pg_get_viewdef(1)'),
    Attack('column: a setting (current_setting)', 'column', "current_setting('temp_directory')"),
    # functions that read more than the row without a table (a third pass): the storage statistics of the
    # whole column (every county's min and max), the server's clock held, a sequence; anything DuckDB does
    # not mark as consistent but the clock, and the macros over them
    Attack('column: storage statistics of the column (stats)', 'column', 'stats(dibao_recipients)'),
    Attack('raw-column: stats of the county code', 'raw-column', 'stats(county_code)'),
    Attack('metric: stats inside an aggregate', 'metric', "max(stats(county_code)['max'])"),
    Attack('metric: hold a server thread (sleep_ms)', 'metric', 'max(sleep_ms(100))'),
    Attack('column: a macro over sleep_ms (pg_sleep)', 'column', 'pg_sleep(0.1)'),
    Attack('where: a sequence (nextval)', 'where', "nextval('x') > 0"),
    # custom SQL is pasted unparenthesised (a filter on an ad-hoc column: `1=1 OR county_code IS NOT NULL
    # AND <row filter>`): one expression only, handed on in parentheses (test_attacks_more.py runs the filter)
    Attack('column: two expressions in one', 'column', "county_code, 'x'"),
    Attack('column: an alias inside', 'column', 'county_code AS c'),
    # DuckDB's file system and other databases from SQL Lab (county logins have no SQL Lab at all)
    Attack('sql: read_csv a system file', 'sql', "SELECT * FROM read_csv('/etc/passwd')"),
    Attack('sql: read_text', 'sql', "SELECT * FROM read_text('/etc/passwd')"),
    Attack('sql: read_blob', 'sql', "SELECT * FROM read_blob('/etc/hostname')"),
    Attack('sql: glob', 'sql', "SELECT * FROM glob('/*')"),
    Attack('sql: read the warehouse file', 'sql', "SELECT * FROM read_duckdb('{warehouse}', table_name => 'load_audit')"),
    Attack('sql: ATTACH the warehouse', 'sql', "ATTACH '{warehouse}' AS w (READ_ONLY)"),
    Attack('sql: COPY TO a file', 'sql', "COPY (SELECT 1 AS x) TO '{scratch}'"),
    # DuckDB lets SQL write its own database file, WAL and temp folder even without external access
    Attack('sql: COPY over the serving file', 'sql', "COPY (SELECT 'x' AS x) TO '{serving}' (FORMAT csv, HEADER false, USE_TMP_FILE false)"),
    Attack("sql: COPY over the serving file's WAL", 'sql', "COPY (SELECT 'x' AS x) TO '{serving}.wal' (FORMAT csv, USE_TMP_FILE false)"),
    Attack("sql: COPY into the serving file's temp folder", 'sql', "COPY (SELECT 'x' AS x) TO '{serving}.tmp/x.csv' (FORMAT csv)"),
    Attack('sql: SET external access back on', 'sql', 'SET enable_external_access = true'),
    Attack('sql: RESET a locked option', 'sql', 'RESET lock_configuration'),
    Attack('sql: INSTALL an extension', 'sql', 'INSTALL httpfs'),
    Attack('sql: LOAD an extension', 'sql', 'LOAD httpfs'),
    Attack('sql: write a table', 'sql', 'CREATE TABLE marts.x AS SELECT 1 AS x'),
    Attack('sql: SQL Lab as a county login', 'sql', 'SELECT count(*) FROM marts.mart_overview_county_month', None, refused_for=(COUNTY,), allowed_for=(LEADER, ADMIN)),
    # other datasets and databases, and the objects that would give them
    Attack('api: chart data of a dataset not granted', 'api', 'POST /api/v1/chart/data', {'datasource': {'id': '{hidden}', 'type': 'table'}, 'queries': [{'columns': ['county_code'], 'metrics': [], 'row_limit': 10}], 'result_format': 'json', 'result_type': 'full'}, refused_for=(COUNTY,), allowed_for=(LEADER, ADMIN)),
    Attack('api: CSV export of a dataset not granted', 'api', 'POST /api/v1/chart/data', {'datasource': {'id': '{hidden}', 'type': 'table'}, 'queries': [{'columns': ['county_code'], 'metrics': [], 'row_limit': 10}], 'result_format': 'csv', 'result_type': 'full'}, refused_for=(COUNTY,), allowed_for=(LEADER, ADMIN)),
    Attack('view: samples (drill to detail) of a dataset not granted', 'view', 'POST /datasource/samples?datasource_id={hidden}&datasource_type=table', {}, refused_for=(COUNTY, LEADER), allowed_for=(ADMIN,)),
    Attack('api: create a dataset on a fact table', 'api', 'POST /api/v1/dataset/', {'database': '{database}', 'schema': 'marts', 'table_name': 'fct_lottery_sales'}, refused_for=(COUNTY, LEADER)),
    Attack('api: create a virtual dataset', 'api', 'POST /api/v1/dataset/', {'database': '{database}', 'schema': 'marts', 'table_name': 'all_rows', 'sql': 'SELECT * FROM marts.mart_overview_county_month'}, refused_for=(COUNTY, LEADER)),
    Attack("api: change the dataset's SQL", 'api', 'PUT /api/v1/dataset/{dataset}', {'sql': 'SELECT * FROM marts.fct_lottery_sales'}, refused_for=(COUNTY, LEADER)),
    Attack('api: saved queries', 'api', 'GET /api/v1/saved_query/', None, refused_for=(COUNTY,), allowed_for=(LEADER, ADMIN)),
    Attack('api: save a query', 'api', 'POST /api/v1/saved_query/', {'db_id': '{database}', 'label': 'x', 'sql': 'SELECT 1', 'schema': 'marts'}, refused_for=(COUNTY,)),
    Attack('api: query history of others', 'api', 'GET /api/v1/query/', None, refused_for=(COUNTY,)),
    Attack('api: change the database connection', 'api', 'PUT /api/v1/database/{database}', {'extra': '{"engine_params": {"connect_args": {"read_only": false}}}'}, refused_for=(COUNTY, LEADER)),
    Attack('api: add a database on the warehouse file', 'api', 'POST /api/v1/database/', {'database_name': 'w', 'sqlalchemy_uri': 'duckdb:///{warehouse}'}),
    Attack('api: test a connection to the warehouse', 'api', 'POST /api/v1/database/test_connection/', {'database_name': 'w', 'sqlalchemy_uri': 'duckdb:///{warehouse}'}),
    Attack('api: list the logins', 'api', 'GET /api/v1/security/users/', None, refused_for=(COUNTY, LEADER)),
    Attack('api: row-level security rules', 'api', 'GET /api/v1/rowlevelsecurity/', None, refused_for=(COUNTY, LEADER)),
    Attack('api: import assets', 'api', 'POST /api/v1/assets/import/', {}, refused_for=(COUNTY, LEADER)),
    # what Superset's Gamma role carries that only the admin needs
    Attack('api: user registrations', 'api', 'GET /api/v1/security/user_registrations/', None, refused_for=(COUNTY, LEADER)),
    Attack("api: flush a dataset's cache", 'api', 'POST /api/v1/cachekey/invalidate', {'datasource_uids': ['{dataset}__table']}, refused_for=(COUNTY, LEADER)),
    Attack('api: write a theme', 'api', 'POST /api/v1/theme/', {'theme_name': 'x', 'json_data': '{}'}, refused_for=(COUNTY, LEADER)),
    # the REST API beyond row-level security (a third pass, superset/minzheng_api_guard.py): a dashboard's
    # datasets read whole into an example bundle (every county's rows), YAML exports holding the database
    # connection (the server's path), charts on datasets not granted, objects given to other logins
    Attack('api: a dashboard as an example bundle with its data', 'api', 'GET /api/v1/dashboard/{dashboard}/export_as_example/', None),
    Attack('api: the same without data', 'api', 'GET /api/v1/dashboard/{dashboard}/export_as_example/?export_data=false', None),
    Attack('api: export a dashboard (database connection)', 'api', 'GET /api/v1/dashboard/export/?q=!({dashboard})', None, refused_for=(COUNTY, LEADER), allowed_for=(ADMIN,)),
    Attack('api: export a dataset', 'api', 'GET /api/v1/dataset/export/?q=!({dataset})', None, refused_for=(COUNTY, LEADER), allowed_for=(ADMIN,)),
    Attack('api: export the database', 'api', 'GET /api/v1/database/export/?q=!({database})', None, refused_for=(COUNTY, LEADER), allowed_for=(ADMIN,)),
    Attack('api: export every asset', 'api', 'GET /api/v1/assets/export/', None, refused_for=(COUNTY, LEADER)),
    Attack('api: a chart on a dataset not granted', 'api', 'POST /api/v1/chart/', {'slice_name': 'x', 'viz_type': 'table', 'datasource_id': '{hidden}', 'datasource_type': 'table'}, refused_for=(COUNTY,)),
    Attack('api: a chart whose query context names a dataset not granted', 'api', 'POST /api/v1/chart/', {'slice_name': 'x', 'viz_type': 'table', 'datasource_id': '{dataset}', 'datasource_type': 'table', 'query_context': '{"datasource": {"id": {hidden}, "type": "table"}, "queries": []}'}, refused_for=(COUNTY,)),
    Attack('api: a dashboard owned by another login', 'api', 'POST /api/v1/dashboard/', {'dashboard_title': 'x', 'owners': [1]}, refused_for=(COUNTY, LEADER)),
    Attack('api: a dashboard shown to a role one does not hold', 'api', 'POST /api/v1/dashboard/', {'dashboard_title': 'x', 'roles': [1]}, refused_for=(COUNTY, LEADER)),
    Attack('api: a chart owned by another login', 'api', 'POST /api/v1/chart/', {'slice_name': 'x', 'viz_type': 'table', 'datasource_id': '{dataset}', 'datasource_type': 'table', 'owners': [1]}, refused_for=(COUNTY, LEADER)),
    # a fourth pass (test_attacks_layers.py has the scenarios): the legacy charts' GET answers are cached
    # per URL for every login, before the permission check (a county got the leader's answer); imports
    # create charts past the chart checks; star expressions are several columns, not one expression
    Attack('view: legacy chart data by GET (cached per URL)', 'view', 'GET /superset/explore_json/?form_data={"datasource":"{dataset}__table","viz_type":"para","series":"county_code","metrics":["count"],"time_range":"No+filter"}', None),
    Attack('view: legacy chart data by GET, datasource in the path', 'view', 'GET /superset/explore_json/table/{dataset}/?form_data={"viz_type":"para","series":"county_code","metrics":["count"]}', None),
    Attack('view: legacy cached chart data by key', 'view', 'GET /superset/explore_json/data/0123456789abcdef', None),
    Attack('api: legacy chart data by HEAD', 'api', 'HEAD /superset/explore_json/?form_data={"datasource":"{dataset}__table"}', None),
    Attack('api: import a chart', 'api', 'POST /api/v1/chart/import/', {}, refused_for=(COUNTY, LEADER)),
    Attack('api: import a dashboard', 'api', 'POST /api/v1/dashboard/import/', {}, refused_for=(COUNTY, LEADER)),
    Attack('api: import a dataset', 'api', 'POST /api/v1/dataset/import/', {}, refused_for=(COUNTY, LEADER)),
    Attack('api: import a database', 'api', 'POST /api/v1/database/import/', {}, refused_for=(COUNTY, LEADER)),
    Attack('api: import a saved query', 'api', 'POST /api/v1/saved_query/import/', {}, refused_for=(COUNTY, LEADER)),
    Attack('api: import a theme', 'api', 'POST /api/v1/theme/import/', {}, refused_for=(COUNTY, LEADER)),
    Attack('column: every column (COLUMNS(*))', 'column', 'COLUMNS(*)'),
    Attack('raw-column: every column of the table (t.*)', 'raw-column', 'mart_overview_county_month.*'),
    Attack('raw-column: star with EXCLUDE', 'raw-column', '* EXCLUDE (county_code)'),
    Attack('metric: COLUMNS inside a function', 'metric', "max(to_json(COLUMNS('.*')))"),
    Attack('where: COLUMNS(*) as a condition', 'where', 'COLUMNS(*) IS NOT NULL'),
]
# fmt: on
