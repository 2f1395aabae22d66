"""Declarative automation of the steps downstream of the raw loads (the dbt models).

dagster's `AutomationCondition.eager()` waits until no dependency is missing. For an unpartitioned dbt
model over a partitioned raw asset, "missing" is evaluated per upstream partition: with month × county
and day × county partitions back to 2021 there are always partitions nobody loads (months before the
region's first export, counties without a file), so eager() would never request a single dbt model
after a raw load. `after_upstream()` is eager() with that one clause relaxed: every dependency must
have been loaded at least once (at least one partition materialized, or requested in the same tick),
which for unpartitioned dependencies (staging → intermediate → marts, seeds) is exactly eager()'s
rule. The rest is eager(): run when a dependency updated (or the model is newly missing), not while
a dependency or the model itself is in progress, and only once the dependencies' blocking (ERROR)
quality checks have passed (or are requested in the same tick, where a failure stops the model in
the run).

tests/pipeline/test_automation_chain.py evaluates these conditions after real raw materializations.
"""

from dagster import AutomationCondition

ALL_DEPS_LOADED = AutomationCondition.all_deps_match(
    ~AutomationCondition.missing() | AutomationCondition.will_be_requested()
).with_label("all_deps_loaded_at_least_once")


def after_upstream() -> AutomationCondition:
    return (
        (AutomationCondition.newly_missing() | AutomationCondition.any_deps_updated()).since_last_handled()
        & ALL_DEPS_LOADED
        & ~AutomationCondition.any_deps_in_progress()
        & ~AutomationCondition.in_progress()
        & AutomationCondition.all_deps_blocking_checks_passed()
    ).with_label("eager_after_raw_loads")


# With the automation daemon on, the checks run by themselves after their asset is updated (a raw load
# through the landing sensor, a dbt build), so the clerk report and the UI status follow every load.
# A run that selected the checks but did not run them (skipped, e.g. a range materialized from the UI
# whose partitions are reported as events) counts as "handled" for since_last_handled(), yet leaves no
# result on the latest materialization: NOT_EVALUATED requests them again, so the blocking checks always
# run on what was loaded and the models below are not held back for good. A check that crashed
# (execution failed) is not retried by itself: that is a failed run for someone to look at.
NOT_EVALUATED = (
    ~AutomationCondition.check_passed()
    & ~AutomationCondition.check_failed()
    & ~AutomationCondition.execution_failed()
    & ~AutomationCondition.newly_requested()
    & AutomationCondition.all_deps_match(~AutomationCondition.missing())
).with_label("no_result_on_latest_materialization")
CHECK_AUTOMATION = (
    (AutomationCondition.any_deps_updated().since_last_handled() | NOT_EVALUATED)
    & ~AutomationCondition.in_progress()
    & ~AutomationCondition.any_deps_in_progress()
)


# The dbt tests of a model (Dagster asset checks, the blocking ones gate everything below the model) run
# in the run that builds the model. Without a condition of their own they are only added to a run that
# requests no check: a run that also carries raw quality checks requested in the same tick
# (CHECK_AUTOMATION above) got the raw checks only, the model's blocking tests never ran,
# all_deps_blocking_checks_passed stayed false below it and the chain stopped before the serving file.
WITH_ITS_MODEL = AutomationCondition.any_deps_match(AutomationCondition.will_be_requested()).with_label(
    "with_its_model"
)


# A dbt test: with its model; or on its own when its model's latest build has no result of it (a model
# built by a run that left its tests out, before WITH_ITS_MODEL: the chain below it resumes).
DBT_TEST_AUTOMATION = WITH_ITS_MODEL | (
    NOT_EVALUATED & ~AutomationCondition.in_progress() & ~AutomationCondition.any_deps_in_progress()
)
