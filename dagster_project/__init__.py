"""The minzheng pipeline: ingestion, quality, dbt wiring and publishing (see docs/ARCHITECTURE.md)."""

from .settings import use_arrow_system_allocator

use_arrow_system_allocator()
