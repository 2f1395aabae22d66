# The two commands (see README): `make demo` and `make test`. Everything else is a building block.
SHELL := /bin/bash
START ?= 2024-01
END ?= 2025-12
SCALE ?= 1.0

.PHONY: spark spark-stop demo test install prepare key simulate pipeline ui ui-stop superset superset-stop superset-export stop lint docs bench deploy deploy-stop

demo:            ## install, simulate 延安市 exports, run the pipeline, start Dagster UI and Superset
	scripts/demo.sh

test:            ## install everything and run all tests
	scripts/test.sh

install:         ## the pipeline's pinned virtual environment (.venv) and the dbt manifest
	scripts/bootstrap.sh

key:             ## create the pseudonymisation key outside the repo (if missing)
	source scripts/env.sh && uv run python -m dagster_project.ingestion.keys

simulate:        ## write simulated Jinmin exports into the landing folder
	source scripts/env.sh && uv run minzheng-simulate --start $(START) --end $(END) --scale $(SCALE) --out "$$MINZHENG_LANDING_DIR"

pipeline:        ## load the landing folder and build the warehouse through the Dagster instance
	source scripts/env.sh && uv run python -m dagster_project.orchestrate --start $(START) --end $(END)

ui:              ## start the Dagster webserver and daemon (schedules and sensors run)
	scripts/dagster_ui.sh start

ui-stop:
	scripts/dagster_ui.sh stop

superset:        ## create Superset's own venv, start it and import the dashboards
	superset/scripts/setup_venv.sh && superset/scripts/start.sh

superset-stop:
	superset/scripts/stop.sh

superset-export: ## write dashboards edited in the UI back into dashboards/bundle/
	source superset/scripts/env.sh && "$$SUPERSET_VENV/bin/python" dashboards/import_bundle.py export

deploy:          ## (root) the bureau server: service users, /opt/minzheng, /srv/minzheng, start both (see README)
	deploy/install.sh install all && deploy/install.sh start all

deploy-stop:
	deploy/install.sh stop all

spark:           ## a local Spark Thrift server for the spark dbt target (MINZHENG_ENGINE=spark)
	scripts/spark.sh start

spark-stop:
	scripts/spark.sh stop

stop: ui-stop superset-stop

lint:
	uv run ruff check . && uv run ruff format --check .

bench:           ## benchmark ingest/dbt/queries against a naive baseline and the raw-read limit (not a test)
	uv run python -m benchmarks $(BENCH_ARGS)

docs:            ## dbt data dictionary (open dbt/target/index.html)
	source scripts/env.sh && uv run dbt docs generate --project-dir dbt --profiles-dir dbt
