#!/usr/bin/env bash
# A real local Apache Spark for the scale-out target (docs/SCALE_OUT.md), from the jars of the pinned pyspark
# (uv dependency group `spark`): the Spark Thrift (HiveServer2) JDBC server that `dbt --target spark` talks to,
# and, with MINZHENG_SPARK_CLUSTER=standalone, a standalone master and one worker that it submits to.
#
#   scripts/spark.sh start | stop | restart | status
#
# Everything it writes (metastore, warehouse, logs, PID files, scratch) lives under $MINZHENG_SPARK_DIR
# (default $MINZHENG_DATA_DIR/spark), never in the working directory. Every port is bound to 127.0.0.1.
#
#   MINZHENG_SPARK_PORT          Thrift JDBC port                         (default 10000)
#   MINZHENG_SPARK_CLUSTER       local | standalone                       (default local)
#   MINZHENG_SPARK_CORES         cores of local[N] / of the worker        (default 2)
#   MINZHENG_SPARK_MEMORY        driver memory (and worker memory)        (default 2g)
#   MINZHENG_SPARK_MASTER_PORT   standalone master RPC port               (default 7077)
#   MINZHENG_SPARK_UI_PORT       web UI port of the server / master; unset = no Thrift server UI, the
#                                master UI (standalone only) on 8080
#   MINZHENG_SPARK_START_TIMEOUT seconds to wait for the Thrift port      (default 180)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$REPO_ROOT"

SPARK_DIR="${MINZHENG_SPARK_DIR:-$MINZHENG_DATA_DIR/spark}"
PORT="${MINZHENG_SPARK_PORT:-10000}"
CLUSTER="${MINZHENG_SPARK_CLUSTER:-local}"
CORES="${MINZHENG_SPARK_CORES:-2}"
MEMORY="${MINZHENG_SPARK_MEMORY:-2g}"
MASTER_PORT="${MINZHENG_SPARK_MASTER_PORT:-7077}"
UI_PORT="${MINZHENG_SPARK_UI_PORT:-}"
TIMEOUT="${MINZHENG_SPARK_START_TIMEOUT:-180}"

# pyspark lives in its own environment, never in the pipeline's .venv (see pyproject.toml, spark-server)
PYTHON="$(scripts/spark_venv.sh)"
if ! SPARK_HOME="$("$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))' 2>/dev/null)"; then
  echo "pyspark is not installed in $PYTHON: run scripts/spark_venv.sh" >&2
  exit 1
fi
export SPARK_HOME
command -v java >/dev/null 2>&1 || [ -n "${JAVA_HOME:-}" ] || {
  echo "no Java runtime: run scripts/system_packages.sh (installs openjdk-17-jre-headless)" >&2
  exit 1
}

# One folder per instance: several checkouts (or test runs) on one machine never share a metastore.
export SPARK_LOG_DIR="$SPARK_DIR/logs"
export SPARK_PID_DIR="$SPARK_DIR/run"
export SPARK_IDENT_STRING="minzheng-$PORT"
export SPARK_LOCAL_IP=127.0.0.1
export SPARK_LOCAL_HOSTNAME=localhost
export SPARK_LOCAL_DIRS="$SPARK_DIR/scratch"
DAEMON="$SPARK_HOME/sbin/spark-daemon.sh"
THRIFT_CLASS=org.apache.spark.sql.hive.thriftserver.HiveThriftServer2
MASTER_CLASS=org.apache.spark.deploy.master.Master
WORKER_CLASS=org.apache.spark.deploy.worker.Worker

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() {  # pid_alive <class>: the daemon's PID file names a live process
  local f="$SPARK_PID_DIR/spark-$SPARK_IDENT_STRING-$1-1.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

start() {
  if pid_alive "$THRIFT_CLASS"; then
    echo "Spark Thrift server already running on 127.0.0.1:$PORT ($SPARK_DIR)"
    return 0
  fi
  if port_open "$PORT"; then
    echo "port $PORT is taken by another process: set MINZHENG_SPARK_PORT" >&2
    exit 1
  fi
  mkdir -p "$SPARK_DIR"/{warehouse,logs,run,scratch}
  # spark-daemon.sh starts the JVM in the current directory: run from the instance folder, so nothing
  # (derby.log, metastore_db, spark-warehouse) can land in the repository.
  cd "$SPARK_DIR"
  local master="local[$CORES]"
  if [ "$CLUSTER" = standalone ]; then
    master="spark://127.0.0.1:$MASTER_PORT"
    pid_alive "$MASTER_CLASS" || "$DAEMON" start "$MASTER_CLASS" 1 \
      --host 127.0.0.1 --port "$MASTER_PORT" --webui-port "${UI_PORT:-8080}"
    pid_alive "$WORKER_CLASS" || "$DAEMON" start "$WORKER_CLASS" 1 \
      --host 127.0.0.1 --cores "$CORES" --memory "$MEMORY" --webui-port 0 \
      --work-dir "$SPARK_DIR/work" "$master"
  elif [ "$CLUSTER" != local ]; then
    echo "MINZHENG_SPARK_CLUSTER must be local or standalone, got $CLUSTER" >&2
    exit 1
  fi
  local ui=(--conf spark.ui.enabled=false)
  [ -n "$UI_PORT" ] && [ "$CLUSTER" = local ] && ui=(--conf spark.ui.enabled=true --conf "spark.ui.port=$UI_PORT")
  "$DAEMON" submit "$THRIFT_CLASS" 1 \
    --master "$master" \
    --name "minzheng-thrift-$PORT" \
    --driver-memory "$MEMORY" \
    --driver-java-options "-Dderby.system.home=$SPARK_DIR/logs" \
    "${ui[@]}" \
    --conf "spark.sql.warehouse.dir=$SPARK_DIR/warehouse" \
    --conf "spark.hadoop.javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName=$SPARK_DIR/metastore_db;create=true" \
    --conf spark.sql.catalogImplementation=hive \
    --conf spark.sql.ansi.enabled=true \
    --conf spark.sql.sources.partitionOverwriteMode=dynamic \
    --conf spark.sql.shuffle.partitions="$((CORES * 2))" \
    --conf spark.driver.host=127.0.0.1 \
    --conf spark.driver.bindAddress=127.0.0.1 \
    --conf "spark.local.dir=$SPARK_DIR/scratch" \
    --hiveconf hive.server2.thrift.bind.host=127.0.0.1 \
    --hiveconf "hive.server2.thrift.port=$PORT" \
    --hiveconf hive.server2.authentication=NONE \
    --hiveconf hive.server2.enable.doAs=false
  local waited=0
  until port_open "$PORT"; do
    if ! pid_alive "$THRIFT_CLASS"; then
      echo "the Spark Thrift server died while starting; its log:" >&2
      tail -30 "$SPARK_LOG_DIR"/spark-"$SPARK_IDENT_STRING"-"$THRIFT_CLASS"-1-*.out >&2 || true
      exit 1
    fi
    if [ "$waited" -ge "$TIMEOUT" ]; then
      echo "the Spark Thrift server did not open 127.0.0.1:$PORT within ${TIMEOUT}s; logs in $SPARK_LOG_DIR" >&2
      stop
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "Spark Thrift server on 127.0.0.1:$PORT (master $master, ${waited}s); data in $SPARK_DIR"
}

stop_one() {  # stop_one <class>: TERM by PID file, then KILL if it is still there after 30 s
  local f="$SPARK_PID_DIR/spark-$SPARK_IDENT_STRING-$1-1.pid"
  [ -f "$f" ] || return 0
  local pid
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    echo "stopped $1 (pid $pid)"
  fi
  rm -f "$f"
}

stop() {
  stop_one "$THRIFT_CLASS"
  stop_one "$WORKER_CLASS"
  stop_one "$MASTER_CLASS"
}

# The pip pyspark lacks Hive's LLAP jar. When two sessions close at the same moment, one of them can make
# Hive load its function registry, which fails on a missing LLAP class; from then on every session close
# that needs the registry waits for it forever, so clients hang. Only a new JVM recovers (restart).
BROKEN_REGISTRY='java.lang.NoClassDefFoundError: org/apache/hadoop/hive/llap/'

registry_broken() {  # the current server's log (spark-daemon.sh rotates it at each start) shows the failure
  local log
  for log in "$SPARK_LOG_DIR"/spark-"$SPARK_IDENT_STRING"-"$THRIFT_CLASS"-1-*.out; do
    [ -f "$log" ] && grep -qF "$BROKEN_REGISTRY" "$log" && return 0
  done
  return 1
}

status() {
  local rc=0
  for cls in "$THRIFT_CLASS" "$MASTER_CLASS" "$WORKER_CLASS"; do
    if pid_alive "$cls"; then echo "running: $cls"; elif [ "$cls" = "$THRIFT_CLASS" ]; then
      echo "stopped: $cls"
      rc=1
    fi
  done
  if pid_alive "$THRIFT_CLASS" && registry_broken; then
    echo "broken: Hive's function registry failed to load in this server (missing LLAP jar of the pip" \
      "pyspark); sessions will hang: run scripts/spark.sh restart"
    rc=2
  fi
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart)
    stop_one "$THRIFT_CLASS"
    start
    ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|restart|status" >&2
    exit 2
    ;;
esac
