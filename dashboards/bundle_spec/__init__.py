"""The compact spec of the Superset bundle (dashboards/bundle/) and its rendering into Superset's YAML, for
dashboards/scaffold.py. UUIDs are derived from names (uuid5), so a generated file has the same UUID on
every machine.

The spec: datasets.py (one dataset per mart: columns, metrics, Chinese labels), boards/ (the dashboards:
rows of charts), charts.py (a chart, and the builders of the kinds that recur), conditions.py (the charts'
row conditions), filters.py (the native filters). Rendering: chart_params.py (form data by kind of chart),
reference_lines.py (the mixed chart of county bars with reference lines), chart_yaml.py, dataset_yaml.py,
dashboard_yaml.py (layout and filters), database.py; files.py puts them together.

Inside the package every import is relative: it is imported as `dashboards.bundle_spec` or, when
scaffold.py runs as a script, as `bundle_spec`.
"""
