#!/bin/sh
# PostgreSQL's first start in docker-compose.onprem.yml (the postgres image runs /docker-entrypoint-initdb.d/*.sh once,
# as its superuser): the same least-privilege roles installer/install.sh makes. hotline_owner owns the database and
# is the only login that migrates (the `migrate` service); hotline_login is the services' login: not a superuser,
# NOINHERIT, a member of hotline_app (table DML; only SELECT/INSERT on the audit trail). Passwords from the secrets.
set -eu
owner_pw=$(cat /run/secrets/database_owner_password)
login_pw=$(cat /run/secrets/database_login_password)
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_pw="$owner_pw" -v login_pw="$login_pw" <<'SQL'
SET password_encryption = 'scram-sha-256';
SET log_statement = 'none';
SET log_min_duration_statement = -1;
SET log_min_error_statement = panic;
CREATE ROLE hotline_app NOLOGIN;
CREATE ROLE hotline_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_pw';
CREATE ROLE hotline_login LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD :'login_pw';
GRANT hotline_app TO hotline_login;
ALTER DATABASE hotline OWNER TO hotline_owner;
REVOKE ALL ON DATABASE hotline FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hotline TO hotline_login;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname hotline -c 'ALTER SCHEMA public OWNER TO hotline_owner'
