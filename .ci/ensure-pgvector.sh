#!/usr/bin/env bash
# Make the pgvector extension available to the local PostgreSQL server.
#
# Debian 12 does not package pgvector, so when the server does not list `vector`
# in pg_available_extensions we build it from Debian 13's (trixie) source package:
#   - install postgresql-server-dev-<major> for the server's own major version;
#   - fetch the source with a *private* apt configuration (its own sources list,
#     lists directory and no package caches), so the machine's apt sources and
#     state are never touched;
#   - make with_llvm=no OPTFLAGS="" && make with_llvm=no install
#     (OPTFLAGS="" avoids -march=native; with_llvm=no skips the JIT bitcode).
#
# Idempotent: it exits at once when the extension is already available.
# Needs root, a running server on PGHOST (default 127.0.0.1) and a `postgres`
# superuser with trust auth. Usage: bash .ci/ensure-pgvector.sh
set -euo pipefail

PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PSQL=(psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -X -At -v ON_ERROR_STOP=1)

log() { printf '[ensure-pgvector] %s\n' "$*"; }

if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
  log "PostgreSQL is not answering on ${PGHOST}:${PGPORT}; start it first"
  exit 1
fi

vector_available() {
  [ "$("${PSQL[@]}" -c "SELECT 1 FROM pg_available_extensions WHERE name='vector'")" = "1" ]
}

if vector_available; then
  log "the vector extension is already available: nothing to do"
  exit 0
fi

# The major version of the server we are talking to (e.g. 150020 -> 15).
server_version_num="$("${PSQL[@]}" -c "SHOW server_version_num")"
PG_MAJOR=$(( server_version_num / 10000 ))
PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
log "server is PostgreSQL ${PG_MAJOR} (${server_version_num}); vector is missing: building pgvector"

export DEBIAN_FRONTEND=noninteractive
dev_pkg="postgresql-server-dev-${PG_MAJOR}"
if ! dpkg-query -W -f='${Status}' "$dev_pkg" 2>/dev/null | grep -q 'install ok installed'; then
  log "installing ${dev_pkg}"
  apt-get update </dev/null
  apt-get install -y --no-install-recommends "$dev_pkg" </dev/null
fi
[ -x "$PG_CONFIG" ] || { log "missing $PG_CONFIG after installing $dev_pkg"; exit 1; }

work="$(mktemp -d /tmp/pgvector-build.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/src"
# apt downloads as its unprivileged _apt user: let it reach and write the download dir.
chmod 0755 "$work"
if id -u _apt >/dev/null 2>&1; then chown _apt "$work/src"; fi
echo 'deb-src http://deb.debian.org/debian trixie main' > "$work/sources.list"

APT_PRIVATE=(
  -o "Dir::Etc::sourcelist=$work/sources.list"
  -o "Dir::Etc::sourceparts=/nonexistent"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache::pkgcache="
  -o "Dir::Cache::srcpkgcache="
  -o "Acquire::Retries=3"
)

log "fetching Debian trixie's pgvector source package"
apt-get "${APT_PRIVATE[@]}" update </dev/null
( cd "$work/src" && apt-get "${APT_PRIVATE[@]}" source pgvector </dev/null )

srcdir="$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)"
[ -n "$srcdir" ] || { log "apt-get source did not unpack a pgvector-* directory"; exit 1; }
log "building $(basename "$srcdir") against $PG_CONFIG"

make -C "$srcdir" PG_CONFIG="$PG_CONFIG" with_llvm=no OPTFLAGS="" -j"$(nproc)"
make -C "$srcdir" PG_CONFIG="$PG_CONFIG" with_llvm=no install

if vector_available; then
  log "the vector extension is now available"
else
  log "built and installed pgvector, but the server still does not list the vector extension"
  exit 1
fi
