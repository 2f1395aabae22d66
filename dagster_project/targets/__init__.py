"""Plan targets: the registry seeds (dbt/seeds/plan_*.csv), the Excel template statistics staff fill in,
and its validating, all-or-nothing loader. The progress itself is computed by dbt (dbt/models/plan/)."""

from .template import write_target_template
from .validate import LoadResult, Problem, TemplateValidationError, load_target_template

__all__ = [
    "LoadResult",
    "Problem",
    "TemplateValidationError",
    "load_target_template",
    "write_target_template",
]
