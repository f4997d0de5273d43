#!/bin/sh
# Runs once, when the PostgreSQL volume is empty (docker-entrypoint-initdb.d): one database and one
# owner role per service, so that no service can read another's tables. Passwords are for local use only.
set -eu
for service in registry applications vouchers events settlement notifications; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE $service LOGIN PASSWORD '$service';
CREATE DATABASE $service OWNER $service;
REVOKE ALL ON DATABASE $service FROM PUBLIC;
-- Row-level security: what the service acts as, and its cross-tenant scope (docs/operations.md).
-- The owner is a member of both so that it can SET ROLE to them; the migrations grant the tables.
CREATE ROLE ${service}_app NOLOGIN;
CREATE ROLE ${service}_system NOLOGIN;
GRANT ${service}_app, ${service}_system TO $service;
SQL
done
# KEDA counts settlement jobs of every tenant through this read-only role (docs/operations.md).
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE settlement_jobs_reader NOLOGIN;
GRANT settlement_jobs_reader TO settlement;
SQL
