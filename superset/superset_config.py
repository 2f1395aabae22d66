"""Superset configuration for the civil-affairs (民政) warehouse.

Loaded by Superset through SUPERSET_CONFIG_PATH (superset/scripts/env.sh sets it). Everything Superset
writes (metadata DB, secret key, logs, PID file) lives under $MINZHENG_DATA_DIR/superset, never in the repo.
The server makes no calls to the internet: the browser's content-security policy allows this origin
only (it also blocks the telemetry pixel the Superset frontend ships), no map tiles, no web fonts.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from superset.config import THEME_DEFAULT  # noqa: F401  (re-exported with our font below)

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MINZHENG_DATA_DIR") or REPO_ROOT / "data")
SUPERSET_HOME = Path(os.environ.get("SUPERSET_HOME_DIR") or DATA_DIR / "superset")
SUPERSET_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SUPERSET_SECRET_KEY from the environment, else a key generated once into the data dir (mode 600)."""
    env = os.environ.get("SUPERSET_SECRET_KEY")
    if env:
        return env
    key_file = Path(os.environ.get("SUPERSET_SECRET_KEY_FILE") or SUPERSET_HOME / "secret_key")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker won the race
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

# Metadata database: SQLite in the data dir for a single bureau server; PostgreSQL when given.
SQLALCHEMY_DATABASE_URI = (
    os.environ.get("SUPERSET_DATABASE_URI") or f"sqlite:///{SUPERSET_HOME / 'superset.db'}"
)
if SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
    SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"timeout": 30, "check_same_thread": False}}

# Chinese user interface (every clerk and leader reads Chinese); English stays selectable.
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "us", "name": "English"},
}
APP_NAME = "民政数据看板"
DEFAULT_TIMEZONE = "Asia/Shanghai"
# Number and time formats: thousands separator, ¥ for the currency format, Chinese month names.
D3_FORMAT = {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["¥", ""]}
D3_TIME_FORMAT = {
    "dateTime": "%Y年%m月%d日 %H:%M:%S",
    "date": "%Y-%m-%d",
    "time": "%H:%M:%S",
    "periods": ["上午", "下午"],
    "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    "months": [
        "一月",
        "二月",
        "三月",
        "四月",
        "五月",
        "六月",
        "七月",
        "八月",
        "九月",
        "十月",
        "十一月",
        "十二月",
    ],
    "shortMonths": ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
}
CURRENCIES = ["CNY"]

# A font stack that renders Chinese with the Debian package fonts-noto-cjk (no web fonts are fetched).
_CJK_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif'
THEME_DEFAULT = {
    **THEME_DEFAULT,
    "token": {
        **THEME_DEFAULT.get("token", {}),
        "fontUrls": [],
        "fontFamily": f"Inter, Helvetica, Arial, {_CJK_FONTS}",
    },
}

# Feature flags. Native filters, cross-filters and row-level security are always on in Superset 6.
FEATURE_FLAGS = {
    "DASHBOARD_RBAC": True,  # a dashboard can be limited to roles (e.g. leaders only)
    # Off: a sub-query in a chart request's custom SQL (metric, column, WHERE/HAVING) would read tables
    # row-level security does not filter. Conditions that need one are calculated columns of the bundle's
    # datasets (e.g. is_latest_month), which users cannot edit.
    "ALLOW_ADHOC_SUBQUERY": False,
    # Jinja (filter_values in the bundle's calculated columns); rendered before the sub-query check, so
    # a macro that expands to a sub-query (dataset()) is refused like a written one.
    "ENABLE_TEMPLATE_PROCESSING": True,
    "DRILL_TO_DETAIL": True,
    "DRILL_BY": True,
    "ALERT_REPORTS": False,  # would need Celery and a browser driver
    "THUMBNAILS": False,
    "ENABLE_DASHBOARD_SCREENSHOT_ENDPOINTS": False,
    "PLAYWRIGHT_REPORTS_AND_THUMBNAILS": False,
    "SSH_TUNNELING": False,
    "ENABLE_SUPERSET_META_DB": False,
    "TAGGING_SYSTEM": False,
    "DYNAMIC_PLUGINS": False,
}

# Nothing from the internet: no map tiles or Mapbox, no web fonts, no telemetry pixel.
MAPBOX_API_KEY = ""
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []
TALISMAN_ENABLED = True
_CSP = {
    "base-uri": ["'self'"],
    "default-src": ["'self'"],
    "img-src": ["'self'", "blob:", "data:"],
    "worker-src": ["'self'", "blob:"],
    "connect-src": ["'self'"],
    "object-src": "'none'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "font-src": ["'self'", "data:"],
    "script-src": ["'self'", "'strict-dynamic'"],
}
TALISMAN_CONFIG = {
    "content_security_policy": _CSP,
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": os.environ.get("MINZHENG_BEHIND_PROXY") == "1",
}
TALISMAN_DEV_CONFIG = TALISMAN_CONFIG
CONTENT_SECURITY_POLICY_WARNING = False

# Caches: in-process (one bureau server, no Redis). Chart results are kept for an hour under a key that
# names the publish of the login's serving file (minzheng_security.scope_cache_key): a publish is seen at
# the next browser refresh, with no "force refresh".
CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_KEY_PREFIX": "minzheng_"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_KEY_PREFIX": "data_"}
RESULTS_BACKEND = None

# SQL Lab runs synchronously in the web process; the warehouse connection itself is read-only.
SQLLAB_TIMEOUT = 120
SUPERSET_WEBSERVER_TIMEOUT = 120
SQLLAB_ASYNC_TIME_LIMIT_SEC = int(timedelta(minutes=10).total_seconds())
ROW_LIMIT = 50000

# Session/CSRF on plain HTTP on localhost; secure cookies behind the TLS proxy of deploy/nginx.
SESSION_COOKIE_SECURE = os.environ.get("MINZHENG_BEHIND_PROXY") == "1"
SESSION_COOKIE_SAMESITE = "Lax"
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
# Login attempts rate-limited for real (minzheng_security.py): the form and the REST login, counted in
# Redis on a Unix socket of the data dir (start.sh runs it), shared by every gunicorn worker. Without a
# storage URI (a script that only imports the bundle) the limits are counted in memory.
from minzheng_security import MinzhengSecurityManager  # noqa: E402

CUSTOM_SECURITY_MANAGER = MinzhengSecurityManager
SERVING_PATH = os.environ.get("MINZHENG_SERVING_PATH") or str(DATA_DIR / "serving" / "minzheng.duckdb")


def DB_CONNECTION_MUTATOR(uri, params, username, security_manager, source):  # noqa: N802
    """Every DuckDB connection: the serving file only, read-only, no file access, config locked; a county
    login opens its own county's serving file (the prefecture's minus every other county's rows)."""
    from minzheng_security import lock_down_connection, serving_file_for

    target = serving_file_for(username, security_manager, SERVING_PATH)
    return lock_down_connection(uri, params, SERVING_PATH, target)


def FLASK_APP_MUTATOR(app):  # noqa: N802
    """Custom SQL in chart requests: one scalar expression, checked before Superset's own check; the
    REST API's exports, owners, roles and pick-lists narrowed (minzheng_api_guard.py)."""
    import minzheng_api_guard
    import minzheng_sql_guard

    minzheng_sql_guard.install()
    minzheng_sql_guard.install_template_errors()
    minzheng_api_guard.install(app)


def SQL_QUERY_MUTATOR(sql, **kwargs):  # noqa: N802
    """What a non-admin's request runs (SQL Lab, charts) is a SELECT over the marts: no PRAGMA, catalog
    view, table function or setting that names the server's paths (minzheng_sql_guard.checked_statement)."""
    import minzheng_sql_guard

    return minzheng_sql_guard.query_mutator(sql, **kwargs)


RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = os.environ.get("SUPERSET_RATELIMIT_STORAGE_URI") or "memory://"
RATELIMIT_APPLICATION = "50 per second"
AUTH_RATE_LIMITED = False  # replaced by the three limits below, on the form and on the REST login
LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("MINZHENG_LOGIN_LIMIT_PER_ACCOUNT", "5 per minute")
LOGIN_LIMIT_PER_ADDRESS = os.environ.get("MINZHENG_LOGIN_LIMIT_PER_ADDRESS", "20 per minute")
LOGIN_LIMIT_PER_NAME = os.environ.get("MINZHENG_LOGIN_LIMIT_PER_NAME", "30 per hour")
# Behind the reverse proxy of deploy/ (which overwrites X-Forwarded-For with the client's address) the
# limits must see the client, not the proxy; without a proxy the header is the client's to forge.
ENABLE_PROXY_FIX = os.environ.get("MINZHENG_BEHIND_PROXY") == "1"
PROXY_FIX_CONFIG = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1}

LOG_LEVEL = os.environ.get("SUPERSET_LOG_LEVEL", "INFO")
