"""`python -m dagster_project.ingestion.keys`: create the demo pseudonymisation key if missing."""

from __future__ import annotations

from ..settings import Settings
from .pseudonymise import KEY_ENV, ensure_key_file

if __name__ == "__main__":
    import os

    if os.environ.get(KEY_ENV):
        print(f"pseudonymisation key: from ${KEY_ENV}")
    else:
        path = ensure_key_file(Settings.from_env().hmac_key_file)
        print(f"pseudonymisation key: {path} (outside the repository; back it up — keys change all hashes)")
