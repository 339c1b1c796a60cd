#!/usr/bin/env bash
# Installs (or upgrades) the Hotline Appliance on one Debian 12 host from the offline bundle alone: no network, no
# mirror. Run it as root from the unpacked bundle:
#   tar -xzf hotline-appliance-<version>-linux-x64.tar.gz && cd hotline-appliance-<version>
#   sudo ./install.sh --release-ca /path/to/release-ca.cert.pem --oidc-issuer https://keycloak.bank.internal/realms/hotline
#   sudo ./install.sh --upgrade --release-ca …        # a newer bundle over an installed appliance
# What it does, in order (each step is idempotent; a second run changes nothing that is already right):
#   1. verifies the bundle: the CMS signature over SHA256SUMS chains to the release CA you hold, every file matches
#   2. installs PostgreSQL, Redis and the speech/report libraries from the bundle's own Debian repository (debs/)
#   3. system users: hotline (the services) and hotline-migrate (schema changes only)
#   4. the release in <prefix>/releases/<version>, <prefix>/current pointing at it
#   5. PostgreSQL: roles hotline_owner (owns the schema, migrates), hotline_login (the services' login: not a
#      superuser, NOINHERIT member of hotline_app, which may not UPDATE/DELETE the audit trail), passwords (SCRAM),
#      pg_hba lines for them only, ahead of any other rule
#   6. Redis: the default user off, a `hotline` user limited to the appliance's keys and no admin commands, a
#      `hotline-admin` user for this installer; bound to loopback
#   7. configuration in <etc>/hotline.env, credentials in <etc>/secrets (0600 root; systemd hands them over)
#   8. the internal CA and the API's TLS certificate, the keyring (with how to escrow it)
#   9. migrations as hotline-migrate, then the services (systemd units with hardening; or, with --services direct
#      where systemd is not running, plain processes), then a health check
# A worker host that shares the primary's PostgreSQL, Redis and object store (ansible/ role `workers` does this):
#   ./install.sh --join --no-api --object-dir /srv/hotline-objects …   with <etc>/secrets/database_url, redis_url and
#   <state>/keys/keyring.json copied from the primary first; steps 5, 6 and the migrations are the primary's.
# --upgrade: backs up first (`hotline backup`), switches to the new release, migrates, health-checks, and on failure
# switches back, restores the backup and starts the old release again.
set -euo pipefail
umask 022
bundle=$(cd "$(dirname "$0")" && pwd)
say() { printf '[install] %s\n' "$*"; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

prefix=/opt/hotline etc=/etc/hotline state=/var/lib/hotline release_ca=/etc/hotline/release-ca.cert.pem
oidc_issuer="" public_url="" host=0.0.0.0 port=8443 workers=1 services=auto upgrade=0 redis_conf=/etc/redis/hotline.conf
egress_allow="" start=1 join=0 api=1 object_dir=""
usage() { sed -n '2,26p' "$0"; cat <<EOF
options: --release-ca FILE (default $release_ca)  --oidc-issuer URL (required on first install)  --public-url URL
         --prefix DIR ($prefix)  --etc DIR ($etc)  --state DIR ($state)  --redis-conf FILE ($redis_conf)
         --host ADDR ($host)  --port N ($port)  --workers N ($workers)  --services systemd|direct|auto
         --egress-allow HOSTS (comma-separated, besides the database, Redis and the issuer)  --no-start  --upgrade
         --join (a worker host of an installed primary)  --no-api (workers only)  --object-dir DIR (a shared store)
EOF
}
while (($#)); do
  case $1 in
    --release-ca) release_ca=$2; shift 2 ;;
    --oidc-issuer) oidc_issuer=$2; shift 2 ;;
    --public-url) public_url=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --etc) etc=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    --redis-conf) redis_conf=$2; shift 2 ;;
    --host) host=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --services) services=$2; shift 2 ;;
    --egress-allow) egress_allow=$2; shift 2 ;;
    --no-start) start=0; shift ;;
    --join) join=1; shift ;;
    --no-api) api=0; shift ;;
    --object-dir) object_dir=$2; shift 2 ;;
    --upgrade) upgrade=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1 (--help)" ;;
  esac
done
[ "$(id -u)" = 0 ] || die "run as root"
if [ "$services" = auto ]; then
  if [ -d /run/systemd/system ]; then services=systemd; else services=direct; fi
fi
version=$(cat "$bundle/VERSION")
release=$prefix/releases/$version
t0=$(date +%s)

# --- 1. the bundle ----------------------------------------------------------------------------------------------
[ -f "$release_ca" ] || die "no release CA certificate at $release_ca (--release-ca FILE; it comes to you separately from the bundle)"
say "verifying the bundle's signature and checksums"
openssl cms -verify -binary -inform DER -in "$bundle/SHA256SUMS.p7s" -content "$bundle/SHA256SUMS" -CAfile "$release_ca" \
  -purpose any -out /dev/null 2>/dev/null || die "the signature over SHA256SUMS does not verify against $release_ca: not installing"
(cd "$bundle" && sha256sum --quiet --strict -c SHA256SUMS 2>/dev/null) || die "a file of the bundle does not match SHA256SUMS: not installing"
extra=$(cd "$bundle" && comm -23 <(find . -type f ! -name SHA256SUMS ! -name SHA256SUMS.p7s | sed 's|^\./||' | LC_ALL=C sort) \
  <(sed 's/^[0-9a-f]*  //' SHA256SUMS | LC_ALL=C sort))
[ -z "$extra" ] || die "files in the bundle that SHA256SUMS does not list: $(echo "$extra" | head -3 | tr '\n' ' ')"

# --- 2. Debian packages from the bundle's repository ------------------------------------------------------------
say "installing Debian packages from the bundle (no network, no mirror)"
apt_tmp=$(mktemp -d)
trap 'rm -rf "$apt_tmp"' EXIT
mkdir -p "$apt_tmp/lists/partial" "$apt_tmp/archives/partial"
echo "deb [trusted=yes] file:$bundle/debs ./" >"$apt_tmp/sources.list"
apt_opts=(-q -o "Dir::Etc::SourceList=$apt_tmp/sources.list" -o Dir::Etc::SourceParts=/nonexistent
  -o "Dir::State::Lists=$apt_tmp/lists" -o "Dir::Cache::Archives=$apt_tmp/archives" -o APT::Sandbox::User=root
  -o Acquire::Languages=none -o APT::Get::List-Cleanup=0)
apt-get "${apt_opts[@]}" update >/dev/null
mapfile -t debs < <(grep -v '^#' "$bundle/app/installer/debian-packages.txt" | grep .)
DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y --no-install-recommends "${debs[@]}" >"$apt_tmp/apt.log" 2>&1 ||
  { tail -20 "$apt_tmp/apt.log" >&2; die "apt-get install from the bundle failed"; }

# --- 3. users ---------------------------------------------------------------------------------------------------
for u in hotline hotline-migrate; do
  id -u "$u" >/dev/null 2>&1 || useradd --system --user-group --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin "$u"
done

# --- 4. the release ---------------------------------------------------------------------------------------------
previous=""
[ -L "$prefix/current" ] && previous=$(readlink -f "$prefix/current")
if [ "$upgrade" = 1 ] && [ -z "$previous" ]; then die "--upgrade: no installed release at $prefix/current"; fi
if [ "$upgrade" = 0 ] && [ "$join" = 0 ] && [ -n "$previous" ] && [ "$previous" != "$release" ]; then
  die "release $(basename "$previous") is installed: use --upgrade"
fi
say "release $version → $release"
mkdir -p "$prefix/releases"
chmod 755 "$prefix" "$prefix/releases"
if [ ! -f "$release/.complete" ] || ! cmp -s "$bundle/SHA256SUMS" "$release/.complete"; then
  rm -rf "$release.part" && cp -a "$bundle/app" "$release.part"
  chown -R root:root "$release.part" && chmod -R go-w,a+rX "$release.part"
  rm -rf "$release" && mv "$release.part" "$release"
  cp "$bundle/SHA256SUMS" "$release/.complete"
fi
node=$release/node/bin/node

# --- 5. PostgreSQL ----------------------------------------------------------------------------------------------
mkdir -p "$etc/secrets"
chmod 755 "$etc" && chmod 700 "$etc/secrets"
write_secret() { (umask 077 && printf '%s\n' "$2" >"$etc/secrets/$1.new" && mv "$etc/secrets/$1.new" "$etc/secrets/$1"); }
enc() { "$node" -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$1"; }
if [ "$join" = 1 ]; then
  for f in database_url redis_url; do
    [ -s "$etc/secrets/$f" ] || die "--join: $etc/secrets/$f is missing (copy it from the primary, with the primary's address)"
  done
  [ -s "$state/keys/keyring.json" ] || die "--join: $state/keys/keyring.json is missing (copy the primary's keyring)"
  say "joining the primary's database and Redis (no PostgreSQL or Redis set-up on this host)"
else
secret() { # secret <name>: the stored one, or a new random one (kept across runs)
  local f=$etc/secrets/$1.password
  [ -s "$f" ] || (umask 077 && openssl rand -base64 33 | tr -d '/+=\n' >"$f")
  cat "$f"
}
pg_port=${PGPORT:-5432}
pg_host=127.0.0.1
psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d "${1:-postgres}"; }
if ! runuser -u postgres -- pg_isready -q; then
  if [ "$services" = systemd ]; then systemctl enable --now postgresql >/dev/null
  else
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  fi
  for _ in $(seq 1 30); do runuser -u postgres -- pg_isready -q && break; sleep 1; done
fi
say "PostgreSQL: least-privilege roles and the database"
owner_pw=$(secret pg-owner) login_pw=$(secret pg-login)
psql_admin <<SQL
SET password_encryption = 'scram-sha-256';
SET client_min_messages = warning;
-- the passwords below must not reach the server log, whatever its log_statement setting
SET log_statement = 'none';
SET log_min_duration_statement = -1;
SET log_min_error_statement = panic;
SELECT 'CREATE ROLE hotline_app NOLOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotline_app') \gexec
SELECT 'CREATE ROLE hotline_owner LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotline_owner') \gexec
SELECT 'CREATE ROLE hotline_login LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hotline_login') \gexec
ALTER ROLE hotline_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$owner_pw';
ALTER ROLE hotline_login LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD '$login_pw';
GRANT hotline_app TO hotline_login;
SELECT 'CREATE DATABASE hotline OWNER hotline_owner' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'hotline') \gexec
REVOKE ALL ON DATABASE hotline FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hotline TO hotline_login;
SQL
hba=$(runuser -u postgres -- psql -X -Atc 'SHOW hba_file')
block="# hotline-begin (installer/install.sh): the appliance's logins, by password (SCRAM) only, from loopback only
host hotline,postgres hotline_owner 127.0.0.1/32 scram-sha-256
host hotline hotline_login 127.0.0.1/32 scram-sha-256
local all hotline_owner,hotline_login reject
host all hotline_owner,hotline_login all reject
# hotline-end"
if [ "$(sed -n '/^# hotline-begin/,/^# hotline-end/p' "$hba")" != "$block" ]; then
  # replaced where it stands (lines an administrator or ansible/ put above it stay above it), or put first
  if grep -q '^# hotline-begin' "$hba"; then
    awk -v b="$block" '/^# hotline-begin/{print b; skip=1} !skip{print} /^# hotline-end/{skip=0}' "$hba" >"$hba.new"
  else
    { echo "$block"; cat "$hba"; } >"$hba.new"
  fi
  cat "$hba.new" >"$hba" && rm -f "$hba.new"
  runuser -u postgres -- psql -X -Atqc 'SELECT pg_reload_conf()' >/dev/null
fi
write_secret migrate_database_url "postgres://hotline_owner:$(enc "$owner_pw")@$pg_host:$pg_port/hotline"
write_secret database_url "postgres://hotline_login:$(enc "$login_pw")@$pg_host:$pg_port/hotline"

# --- 6. Redis ---------------------------------------------------------------------------------------------------
say "Redis: ACL users, loopback only"
redis_pw=$(secret redis) redis_admin_pw=$(secret redis-admin)
redis_port=${REDIS_PORT:-6379}
rcli() { REDISCLI_AUTH=$redis_admin_pw redis-cli --no-auth-warning --user hotline-admin -h 127.0.0.1 -p "$redis_port" "$@"; }
if [ "$services" = systemd ] && ! redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && ! rcli ping >/dev/null 2>&1; then
  systemctl enable --now redis-server >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 1; done
fi
hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
# the appliance's keys all start with its queue prefix; BullMQ needs scripts, pub/sub on its own channels, INFO and
# CLIENT SETNAME; nothing administrative (CONFIG SET, ACL, FLUSH*, SHUTDOWN, DEBUG, MODULE …)
acl_hotline="on #$(hash "$redis_pw") resetkeys ~hotline:* resetchannels &hotline:* -@all +@read +@write +@keyspace +@list +@hash +@set +@sortedset +@string +@stream +@scripting +@transaction +@pubsub +@connection +info +client|setname +client|getname +client|id +client|list +client|kill +time -flushall -flushdb"
acl_admin="on #$(hash "$redis_admin_pw") ~* &* +@all"
if redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG; then
  # first run: the default user is still open; create the admin user before closing it
  redis-cli -h 127.0.0.1 -p "$redis_port" ACL SETUSER hotline-admin reset $acl_admin >/dev/null
fi
rcli ACL SETUSER hotline-admin reset $acl_admin >/dev/null || die "Redis: cannot authenticate as hotline-admin"
rcli ACL SETUSER hotline reset $acl_hotline >/dev/null
rcli ACL SETUSER default reset off >/dev/null
mkdir -p "$(dirname "$redis_conf")"
(umask 027 && cat >"$redis_conf.new" <<EOF
# written by the Hotline installer: included from redis.conf (include $redis_conf)
bind 127.0.0.1 -::1
protected-mode yes
user default off
user hotline-admin $acl_admin
user hotline $acl_hotline
EOF
)
mv "$redis_conf.new" "$redis_conf"
chown root:redis "$redis_conf" 2>/dev/null || true
if [ -f /etc/redis/redis.conf ] && [ "$redis_conf" = /etc/redis/hotline.conf ] && ! grep -qx "include $redis_conf" /etc/redis/redis.conf; then
  echo "include $redis_conf" >>/etc/redis/redis.conf
fi
write_secret redis_url "redis://hotline:$(enc "$redis_pw")@127.0.0.1:$redis_port/0"
fi

# the passphrase the internal CA's key is encrypted under (every host: each keeps its own CA in its state directory)
[ -s "$etc/secrets/pki_passphrase" ] || write_secret pki_passphrase "$(openssl rand -base64 33 | tr -d '/+=\n')"

# --- 7. configuration -------------------------------------------------------------------------------------------
mkdir -p "$state" "$state/log" "$state/run"
chown hotline:hotline "$state" "$state/log" "$state/run" && chmod 750 "$state"
if [ -n "$object_dir" ]; then mkdir -p "$object_dir" && chown hotline:hotline "$object_dir" && chmod 750 "$object_dir"; fi
if [ ! -f "$etc/hotline.env" ]; then
  [ -n "$oidc_issuer" ] || [ "$api" = 0 ] || die "--oidc-issuer URL is required on the first install (the Keycloak realm's issuer)"
  [ -n "$oidc_issuer" ] || oidc_issuer=https://issuer.invalid/
  issuer_host=$("$node" -e 'process.stdout.write(new URL(process.argv[1]).hostname)' "$oidc_issuer")
  (umask 027 && cat >"$etc/hotline.env" <<EOF
# The Hotline Appliance's configuration (README: Configuration). Credentials are not here: they are in
# $etc/secrets (root only) and reach the services through systemd's LoadCredential.
NODE_ENV=production
HOTLINE_HOST=$host
HOTLINE_PORT=$port
HOTLINE_PUBLIC_URL=${public_url:-https://$(hostname):$port}
HOTLINE_OIDC_ISSUER=$oidc_issuer
HOTLINE_DB_MIGRATE=off
HOTLINE_DB_APP_ROLE=hotline_app
HOTLINE_TLS_CERT=$state/pki/api.cert.pem
HOTLINE_TLS_KEY=$state/pki/api.key.pem
HOTLINE_ASR_ENGINE=sherpa
HOTLINE_MODEL_DIR=$prefix/current/models/speech
HOTLINE_EGRESS_ALLOW=$issuer_host${egress_allow:+,$egress_allow}
HOTLINE_LOG_LEVEL=info
${object_dir:+HOTLINE_OBJECT_DIR=$object_dir}
EOF
  )
  chown root:hotline "$etc/hotline.env"
fi
mkdir -p "$prefix/bin"
cat >"$prefix/bin/hotline.new" <<EOF
#!/bin/sh
# The appliance's command line with the installed configuration, run as the hotline user (by root: it reads the
# credentials in $etc/secrets). Written by install.sh.
[ "\$(id -u)" = 0 ] || { echo "hotline: run as root (sudo hotline ...)" >&2; exit 2; }
set -a; . "$etc/hotline.env"; set +a
HOTLINE_VAR_DIR="$state" DATABASE_URL="\$(cat "$etc/secrets/database_url")" REDIS_URL="\$(cat "$etc/secrets/redis_url")"
HOTLINE_PKI_PASSPHRASE="\$(cat "$etc/secrets/pki_passphrase")"
export HOTLINE_VAR_DIR DATABASE_URL REDIS_URL HOTLINE_PKI_PASSPHRASE
exec runuser -u hotline -- "$prefix/current/node/bin/node" "$prefix/current/server/dist/main.js" "\$@"
EOF
chmod 755 "$prefix/bin/hotline.new" && mv "$prefix/bin/hotline.new" "$prefix/bin/hotline"
[ "$prefix" != /opt/hotline ] || ln -sfn "$prefix/bin/hotline" /usr/local/bin/hotline
envval() { sed -n "s/^$1=//p" "$etc/hotline.env" | tail -1; }

# --- 8. PKI and keys --------------------------------------------------------------------------------------------
# the passphrase goes through the environment (never a command line, which every user can read)
as_hotline() { HOTLINE_PKI_PASSPHRASE="$(cat "$etc/secrets/pki_passphrase")" runuser -u hotline -- env HOTLINE_VAR_DIR="$state" "$@"; }
if [ ! -f "$state/pki/ca.cert.pem" ]; then
  say "internal CA and the API's TLS certificate"
  as_hotline "$node" "$release/server/dist/main.js" pki init --dir "$state/pki" >/dev/null
elif ! grep -q ENCRYPTED "$state/pki/ca.key.pem"; then
  say "encrypting the internal CA's key (installed before the installer made a passphrase)"
  as_hotline "$node" "$release/server/dist/main.js" pki encrypt-key --dir "$state/pki" >/dev/null
fi
if [ "$api" = 1 ] && [ ! -f "$state/pki/api.cert.pem" ]; then
  sans=(--san "DNS:$(hostname)" --san IP:127.0.0.1)
  [ "$host" = 0.0.0.0 ] || sans+=(--san "IP:$host")
  as_hotline "$node" "$release/server/dist/main.js" pki issue-server --dir "$state/pki" --name api "${sans[@]}" >/dev/null
fi
keyring=$state/keys/keyring.json

# --- 9. migrate, start, check -----------------------------------------------------------------------------------
service_env() { # service_env <credential>: SVC_ENV = the services' environment (hotline.env plus the credentials)
  mapfile -t SVC_ENV < <(grep -v '^#' "$etc/hotline.env" | grep '=')
  SVC_ENV=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent HOTLINE_VAR_DIR="$state" "${SVC_ENV[@]}"
    DATABASE_URL="$(cat "$etc/secrets/$1")" REDIS_URL="$(cat "$etc/secrets/redis_url")"
    HOTLINE_PKI_PASSPHRASE="$(cat "$etc/secrets/pki_passphrase")")
}
run_env() { # run_env <credential> <command…>: the command in that environment and nothing else
  local SVC_ENV
  service_env "$1"
  shift
  env -i "${SVC_ENV[@]}" "$@"
}
migrate() {
  say "migrating the schema as the owner"
  run_env migrate_database_url runuser -u hotline-migrate -- "$prefix/current/node/bin/node" \
    "$prefix/current/server/dist/main.js" migrate
}
stop_direct() {
  for p in "$state"/run/*.pid; do
    [ -f "$p" ] || continue
    local pid
    pid=$(cat "$p")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$p"
  done
}
start_direct() { # start_direct <name> <role>: node itself is the recorded process (env and setpriv exec, not fork)
  service_env database_url
  env -i "${SVC_ENV[@]}" setpriv --reuid=hotline --regid=hotline --init-groups --inh-caps=-all --no-new-privs \
    "$prefix/current/node/bin/node" "$prefix/current/server/dist/main.js" "$2" >>"$state/log/$1.log" 2>&1 </dev/null &
  echo $! >"$state/run/$1.pid"
}
units() {
  [ "$api" = 0 ] || echo hotline-api.service
  for i in $(seq 1 "$workers"); do echo "hotline-worker@$i.service"; done
  [ "$join" = 1 ] || echo hotline-checkpoint.timer
}
stop_services() {
  if [ "$services" = systemd ]; then systemctl stop $(units) 2>/dev/null || true; else stop_direct; fi
}
start_services() {
  if [ "$services" = systemd ]; then
    bash "$prefix/current/installer/render-units.sh" "$prefix/current" "$state" /etc/systemd/system "$etc"
    systemctl daemon-reload
    if [ "$join" = 0 ]; then
      systemctl restart hotline-migrate.service
      systemctl enable hotline-migrate.service >/dev/null
    fi
    systemctl enable $(units) >/dev/null 2>&1
    systemctl restart $(units)
  else
    stop_direct
    [ "$join" = 1 ] || migrate || return 1
    [ "$api" = 0 ] || start_direct api api
    for i in $(seq 1 "$workers"); do start_direct "worker-$i" worker; done
  fi
}
health() { # /readyz over TLS, checked against the internal CA, for up to HOTLINE_INSTALL_HEALTH_S (90) s
  [ "$api" = 1 ] || { workers_up; return; }
  local addr=$host
  [ "$addr" != 0.0.0.0 ] || addr=127.0.0.1
  for _ in $(seq 1 "${HOTLINE_INSTALL_HEALTH_S:-90}"); do
    # with no worker on this host (they are on worker hosts, installed next) only the speech check may still fail
    "$node" -e 'const [h, p, ca, workers] = process.argv.slice(1);
      require("https").get({ host: h, port: p, path: "/readyz", ca: require("fs").readFileSync(ca), timeout: 3000 }, (r) => {
        let b = ""; r.on("data", (d) => (b += d)).on("end", () => {
          const c = (() => { try { return JSON.parse(b).checks; } catch { return undefined; } })();
          const elsewhere = workers === "0" && c && c.database.ok && c.redis.ok && c.understanding.ok;
          process.exit(r.statusCode === 200 || elsewhere ? 0 : 1);
        });
      }).on("error", () => process.exit(1));' \
      "$addr" "$port" "$state/pki/ca.cert.pem" "$workers" && return 0
    sleep 1
  done
  say "no answer from https://$addr:$port/readyz"
  if [ "$services" = direct ] && [ -f "$state/log/api.log" ]; then
    say "the API's last log lines:" && tail -n 15 "$state/log/api.log" | cut -c1-400 >&2
  fi
  return 1
}

workers_up() { # a host without the API: every worker said it started and is still running
  for _ in $(seq 1 "${HOTLINE_INSTALL_HEALTH_S:-90}"); do
    local up=0
    for i in $(seq 1 "$workers"); do
      if [ "$services" = systemd ]; then systemctl is-active -q "hotline-worker@$i.service" && up=$((up + 1))
      elif kill -0 "$(cat "$state/run/worker-$i.pid" 2>/dev/null)" 2>/dev/null &&
        grep -q '"hotline started"' "$state/log/worker-$i.log" 2>/dev/null; then up=$((up + 1)); fi
    done
    [ "$up" -lt "$workers" ] || return 0
    sleep 1
  done
  say "not every worker came up"
  return 1
}

if [ "$upgrade" = 1 ] && [ "$join" = 1 ]; then die "--upgrade is for the primary; a worker host takes a new release with --join alone"; fi
if [ "$upgrade" = 1 ] && [ "$previous" != "$release" ]; then
  backup=/var/backups/hotline/pre-$version-$(date +%Y%m%dT%H%M%S)
  [ "$state" = /var/lib/hotline ] || backup=$state/backups/pre-$version-$(date +%Y%m%dT%H%M%S)
  say "upgrade $(basename "$previous") → $version: backing up to $backup first"
  mkdir -p "$(dirname "$backup")" && chmod 700 "$(dirname "$backup")"
  run_env migrate_database_url "$previous/node/bin/node" "$previous/server/dist/main.js" backup --out "$backup" ||
    die "backup failed: nothing was changed"
  backup=$(ls -d "$backup"/hotline-backup-* | tail -1)
  stop_services
  ln -sfn "$release" "$prefix/current.new" && mv -T "$prefix/current.new" "$prefix/current"
  if [ "$start" = 1 ] && start_services && health; then
    say "upgraded to $version in $(($(date +%s) - t0)) s (backup kept at $backup)"
    exit 0
  fi
  say "the new release did not come up: rolling back to $(basename "$previous")"
  stop_services
  ln -sfn "$previous" "$prefix/current.new" && mv -T "$prefix/current.new" "$prefix/current"
  # the schema and objects the new release may have changed go aside; the backup comes back into an empty database
  psql_admin <<SQL
DROP DATABASE IF EXISTS hotline WITH (FORCE);
CREATE DATABASE hotline OWNER hotline_owner;
REVOKE ALL ON DATABASE hotline FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE hotline TO hotline_login;
SQL
  [ ! -d "$state/objects" ] || mv "$state/objects" "$state/objects.failed-$version-$(date +%s)"
  run_env migrate_database_url "$previous/node/bin/node" "$previous/server/dist/main.js" restore --from "$backup" ||
    die "ROLLBACK: restoring $backup failed; the appliance is stopped (docs/ops/backup.md)"
  chown -R hotline:hotline "$state/objects"
  start_services && health || die "ROLLBACK: the previous release did not come up either (logs in $state/log)"
  die "upgrade to $version failed; rolled back to $(basename "$previous") and its data"
fi

ln -sfn "$release" "$prefix/current.new" && mv -T "$prefix/current.new" "$prefix/current"
if [ "$start" = 1 ]; then
  start_services
  health || die "the appliance did not become ready (logs: $([ "$services" = systemd ] && echo 'journalctl -u hotline-api' || echo "$state/log"))"
fi
if [ "$api" = 0 ]; then
  say "installed $version in $(($(date +%s) - t0)) s; $workers worker(s) on this host"
  exit 0
fi
say "installed $version in $(($(date +%s) - t0)) s; API https://$(hostname):$port (CA: $state/pki/ca.cert.pem)"
cat <<EOF
[install] keys: the keyring $keyring holds the key-encryption keys. Escrow a copy now, offline and apart from the
[install]       backups (two custodians, a sealed envelope or the bank's key vault): without it no backup can be read.
[install]       The release CA and $etc/secrets are yours to keep; docs/ops/backup.md says what to escrow.
EOF
