#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL cluster: starts one in a temporary directory on a
# free loopback port, exports LAUREL_TEST_PG (its maintenance database's URL), runs the command,
# stops the cluster and removes it — whatever the command's outcome, which is returned.
#   tests/pg/with-cluster.sh node --test tests/http/
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ -x /usr/lib/postgresql/15/bin/initdb ] || { echo "with-cluster: PostgreSQL 15 is not installed (apt-get install postgresql-15)" >&2; exit 2; }
dir=$(mktemp -d /tmp/laurel-pg.XXXXXX)
chmod 755 "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
       node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
cleanup() { "$here/cluster.sh" stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
url=$("$here/cluster.sh" start "$dir" "$port") || { cat "$dir/server.log" >&2 2>/dev/null; exit 1; }
export LAUREL_TEST_PG=$url
export LAUREL_PG_DIR=$dir
echo "with-cluster: PostgreSQL at $url"
"$@"
