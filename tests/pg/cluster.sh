#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster on a loopback port, for the tests (no system service needed).
#   tests/pg/cluster.sh start DIR PORT   # initdb (trust auth, loopback only) and start; prints the URL
#   tests/pg/cluster.sh stop DIR         # stop it (the directory stays for the logs; remove it yourself)
#   tests/pg/cluster.sh restart DIR      # stop and start again (to test reconnecting)
# Runs the server as the `postgres` user when started as root (initdb refuses root).
set -euo pipefail
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:?start|stop|restart}; dir=${2:?directory}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# The postgres user must be able to reach its programs. A root directory without o+x (seen in a
# chroot unpacked from a tarball of a mktemp directory) shuts every non-root user out: say so and fix it.
if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$BIN/initdb" 2>/dev/null; then
  mode=$(stat -c %a /)
  if [ "$mode" != 755 ]; then
    echo "cluster.sh: / has mode $mode, so the postgres user cannot run $BIN/initdb; setting it to 755" >&2
    chmod 755 /
  fi
fi
case "$cmd" in
  start)
    port=${3:?port}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_pg "$BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=300 -c shared_buffers=64MB" start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  restart)
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 restart >/dev/null
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR | restart DIR" >&2; exit 2 ;;
esac
