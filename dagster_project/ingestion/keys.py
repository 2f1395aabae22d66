"""`python -m dagster_project.ingestion.keys`: create the demo pseudonymisation key if missing."""

from __future__ import annotations

from ..settings import Settings
from .pseudonymise import KEY_ENV, ensure_key_file

if __name__ == "__main__":
    settings = Settings.from_env()
    if settings.hmac_key:
        print(f"pseudonymisation key: from ${KEY_ENV}")
    else:
        path = ensure_key_file(settings.hmac_key_file)
        print(f"pseudonymisation key: {path} (outside the repository; back it up — keys change all hashes)")
