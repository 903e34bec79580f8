#!/usr/bin/env bash
# Laurel backup: a pg_dump of the database, THEN a snapshot of the file store, kept N days.
# Install as /usr/local/sbin/laurel-backup and run it as the laurel user (laurel-backup.timer
# does), on one machine that mounts the file store and has postgresql-client-15 and rsync.
#
# Why this order is enough: the file store is content-addressed (sha256/ab/cd/<hash>) and a
# stored file never changes, so every file the dump names is either already in the store when
# the copy starts, or is gone because its material was deleted after the dump. The copy is made
# after the dump, and any file the dump names that the new copy lacks is taken from the previous
# snapshot; what is still missing is reported (see "check" below). Upload part files (parts/)
# only grow past the offset recorded in the database, so a part copied after the dump is never
# shorter than the dump says and those uploads resume after a restore.
#
# Layout of LAUREL_BACKUP_DIR (default /var/backups/laurel):
#   20250618T031500Z/laurel.dump   pg_dump -Fc (restore with pg_restore)
#   20250618T031500Z/files/        the file store; unchanged files are hard links into the
#                                  previous snapshot (rsync --link-dest), so each snapshot is
#                                  complete but costs only what changed
#   20250618T031500Z/COMPLETE      written last; a directory without it is unfinished
#   latest -> 20250618T031500Z     the newest complete backup
# Snapshots share inodes: never run Laurel on one or edit one in place; copy it out to restore.
#
# Environment:
#   LAUREL_CONFIG      config file to read `database` and `files` from (default /etc/laurel/laurel.toml)
#   LAUREL_DATABASE    database URL (default: the config's database = "…"; postgresql:// only)
#   LAUREL_FILES       the file store (default: the config's files = "…", else /var/lib/laurel/files)
#   LAUREL_BACKUP_DIR  where backups go (default /var/backups/laurel)
#   LAUREL_KEEP_DAYS   delete backups older than this many days (default 14); the newest
#                      complete backup is never deleted
# Exit status: 0 done; 1 failed (nothing is marked complete); 3 done but files the dump names
# are missing from the snapshot (listed on stderr).
set -euo pipefail
umask 077

config=${LAUREL_CONFIG:-/etc/laurel/laurel.toml}
dest=${LAUREL_BACKUP_DIR:-/var/backups/laurel}
keep_days=${LAUREL_KEEP_DAYS:-14}

log() { echo "laurel-backup: $*" >&2; }
die() { log "$*"; exit 1; }

# A one-line string key of the config file: key = "value" (no escapes inside the value).
config_value() {
  [ -r "$config" ] || return 0
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*\"\\([^\"]*\\)\"[[:space:]]*\\(#.*\\)\\{0,1\\}\$/\\1/p" "$config" | tail -n 1
}

database=${LAUREL_DATABASE:-$(config_value database)}
files=${LAUREL_FILES:-$(config_value files)}
files=${files:-/var/lib/laurel/files}
case "$database" in
  postgresql://* | postgres://*) ;;
  "") die "no database URL: set LAUREL_DATABASE or database = \"…\" in $config" ;;
  *) die "not a PostgreSQL URL: ${database%%:*}:… (SQLite is not backed up by this script)" ;;
esac
[[ "$keep_days" =~ ^[0-9]+$ ]] || die "LAUREL_KEEP_DAYS must be a number of days"
[ -d "$files/sha256" ] || die "$files is not a Laurel file store (no sha256/ in it)"
for tool in pg_dump pg_restore rsync flock; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install postgresql-client-15 rsync)"
done

mkdir -p "$dest"
exec 9>"$dest/.lock"
flock -n 9 || die "another backup is running in $dest"

# Leftovers of a run that died: unfinished directories.
for d in "$dest"/*/; do
  d=${d%/}
  [[ "$(basename "$d")" =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || continue
  [ -e "$d/COMPLETE" ] || { log "removing unfinished $d"; rm -rf -- "$d"; }
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
while [ -e "$dest/$stamp" ]; do sleep 1; stamp=$(date -u +%Y%m%dT%H%M%SZ); done
work="$dest/$stamp"
mkdir "$work"
prev=""
[ -L "$dest/latest" ] && [ -e "$dest/latest/COMPLETE" ] && prev=$(readlink -f "$dest/latest")
started=$SECONDS

# 1. The database: one consistent snapshot (pg_dump runs in a single repeatable-read transaction).
pg_dump --format=custom --compress=6 --file="$work/laurel.dump.part" "$database" || die "pg_dump failed"
mv "$work/laurel.dump.part" "$work/laurel.dump"
pg_restore --list "$work/laurel.dump" >/dev/null || die "the dump cannot be read back"
log "database dumped: $(du -h "$work/laurel.dump" | cut -f1)"

# 2. The file store, after the dump. tmp/ holds only scratch files. rsync exits 24 when a file
# vanished while it copied (an upload finished, an expired one was removed): that is expected.
link=()
[ -n "$prev" ] && [ -d "$prev/files" ] && link=(--link-dest="$prev/files")
rc=0
rsync -a --numeric-ids --exclude=/tmp/ "${link[@]}" "$files/" "$work/files/" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 24 ] || die "rsync of $files failed (exit $rc)"
mkdir -p "$work/files/tmp"

# 3. Check: every file the dump's materials name (not rejected ones) is in the snapshot; take
# one deleted since the previous snapshot from it.
missing=0
while IFS= read -r hash; do
  rel="sha256/${hash:0:2}/${hash:2:2}/$hash"
  [ -e "$work/files/$rel" ] && continue
  if [ -n "$prev" ] && [ -e "$prev/files/$rel" ]; then
    mkdir -p "$(dirname "$work/files/$rel")"
    ln "$prev/files/$rel" "$work/files/$rel"
    continue
  fi
  log "missing from the snapshot: $rel"
  missing=$((missing + 1))
done < <(pg_restore --data-only --table=materials --file=- "$work/laurel.dump" | awk -F'\t' '
  /^COPY .*materials \(/ {
    sub(/^[^(]*\(/, ""); sub(/\).*/, ""); n = split($0, names, ", ")
    for (i = 1; i <= n; i++) col[names[i]] = i
    copying = 1; next
  }
  copying && $0 == "\\." { copying = 0; next }
  copying {
    if ($(col["status"]) == "rejected") next
    # processing: its bytes may still be an upload part file (parts/); Laurel adopts it later.
    if ($(col["status"]) == "ready") print $(col["sha256"])
    if ($(col["thumbnail"]) != "\\N") print $(col["thumbnail"])
  }' | sort -u)

# 4. Done: mark it and point latest at it.
echo "$stamp $(date -u +%FT%TZ) database+files" >"$work/COMPLETE"
ln -sfn "$stamp" "$dest/latest.new" && mv -T "$dest/latest.new" "$dest/latest"
log "backup $work complete in $((SECONDS - started)) s ($(find "$work/files/sha256" -type f | wc -l) stored files)"

# 5. Retention: backups older than LAUREL_KEEP_DAYS, never the newest.
cutoff=$(date -u -d "-$keep_days days" +%Y%m%dT%H%M%SZ)
for d in "$dest"/*/; do
  name=$(basename "${d%/}")
  [[ "$name" =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || continue
  [ "$name" = "$stamp" ] && continue
  if [[ "$name" < "$cutoff" ]]; then
    log "removing $name (older than $keep_days days)"
    rm -rf -- "${dest:?}/$name"
  fi
done

[ "$missing" = 0 ] || { log "$missing file(s) named by the dump are missing (see above)"; exit 3; }
