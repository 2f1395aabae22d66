"""Plan targets: the registry (shipped seeds dbt/seeds/ref_plan_*.csv, staff uploads in the warehouse's
raw.plan_*_upload tables), the Excel template statistics staff fill in, and its validating, all-or-nothing
loader. The progress itself is computed by dbt (dbt/models/marts/plan/)."""

from .template import write_target_template
from .validate import LoadResult, Problem, TemplateValidationError, load_target_template

__all__ = [
    "LoadResult",
    "Problem",
    "TemplateValidationError",
    "load_target_template",
    "write_target_template",
]
