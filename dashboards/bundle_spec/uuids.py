"""Stable UUIDs: derived from names (uuid5), so a generated file has the same UUID on every machine."""

from __future__ import annotations

import uuid

NS = uuid.UUID("6b0e2f4e-8f1d-4e57-9a57-6d696e7a6865")


def uid(kind: str, name: str) -> str:
    """The UUID of the `kind` asset (chart, dataset, dashboard, database, filter) called `name`."""
    return str(uuid.uuid5(NS, f"{kind}:{name}"))
