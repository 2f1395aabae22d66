"""The one database of the bundle: the read-only serving DuckDB file, locked down at connect time."""

from __future__ import annotations

from .uuids import uid

DB_NAME = "民政数据仓库"
SCHEMA = "marts"
# Placeholder: import_bundle.py substitutes the serving file path of the machine it runs on.
SERVING_URI = "duckdb:///SERVING_PATH"
DATABASE_UUID = uid("database", DB_NAME)


def database_yaml() -> dict:
    """databases/minzheng_warehouse.yaml."""
    return {
        "database_name": DB_NAME,
        "sqlalchemy_uri": SERVING_URI,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_file_upload": False,
        "extra": {
            # Read-only, and no file, network or other database from SQL: external access off, the
            # configuration locked (SQL cannot SET it back), no extension installed or loaded at query
            # time (json, icu and parquet are built into the duckdb wheel).
            "engine_params": {
                "connect_args": {
                    "read_only": True,
                    "config": {
                        "enable_external_access": False,
                        "autoinstall_known_extensions": False,
                        "autoload_known_extensions": False,
                        "allow_community_extensions": False,
                        "lock_configuration": True,
                    },
                }
            },
            "allows_virtual_table_explore": True,
            "metadata_params": {},
            "schemas_allowed_for_file_upload": [],
        },
        "uuid": DATABASE_UUID,
        "version": "1.0.0",
    }
