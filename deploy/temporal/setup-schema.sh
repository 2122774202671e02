#!/bin/sh
# Creates Temporal's two PostgreSQL databases (persistence, visibility) and brings their schemas up to date; safe to run again.
# Run by docker-compose.yml (service temporal-schema, in the temporalio/admin-tools image) and by
# test/production/cluster.test.ts (with the temporal-sql-tool built from the same server version).
#   SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD   the PostgreSQL server (read by temporal-sql-tool itself)
#   TEMPORAL_SCHEMA_DIR   the server's schema/postgresql/v12 directory (default: the admin-tools image's)
#   TEMPORAL_SQL_TOOL     the tool (default: temporal-sql-tool on PATH)
set -eu
: "${SQL_HOST:?set SQL_HOST to the PostgreSQL host}"
: "${SQL_USER:?set SQL_USER}"
: "${SQL_PASSWORD:?set SQL_PASSWORD}"
export SQL_PLUGIN=postgres12
schema_dir="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"

for pair in temporal:temporal temporal_visibility:visibility; do
  db="${pair%%:*}"
  dir="${pair#*:}"
  # create-database fails when the database exists; setup-schema below fails if it cannot connect.
  if "$tool" --db "$db" create-database >/dev/null 2>&1; then
    echo "database $db created"
  else
    echo "database $db exists"
  fi
  "$tool" --db "$db" setup-schema -v 0.0
  "$tool" --db "$db" update-schema -d "$schema_dir/$dir/versioned"
done
echo "Temporal schemas up to date"
