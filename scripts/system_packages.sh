#!/usr/bin/env bash
# Debian packages the dashboards and their browser tests need: Chromium and a CJK font, Redis (the
# login rate limits of Superset), and a Java runtime for the scale-out engine (Apache Spark from the pinned
# pyspark: scripts/spark.sh, tests/spark/). `system_packages.sh server`: only what the servers need (make demo).
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ "${1:-}" = server ] || {
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
{ command -v java >/dev/null 2>&1 || [ -x "${JAVA_HOME:-/nonexistent}/bin/java" ]; } || need+=(openjdk-17-jre-headless)
}
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
