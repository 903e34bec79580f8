#!/usr/bin/env bash
# Builds the libFuzzer harnesses into build-fuzz/ (clang, -fsanitize=fuzzer,address,undefined) and
# runs each for FUZZ_SECONDS (default 30) on a temporary copy of its seed corpus (fuzz/corpus/ is
# never written). Exits non-zero on any crash, leak, timeout, sanitizer report or failed invariant;
# prints execs, exec/s, coverage and corpus size per target.
#   FUZZ_SECONDS=30  FUZZ_TARGETS="range form"  FUZZ_BUILD_DIR=build-fuzz  FUZZ_JOBS=2
#   FUZZ_KEEP_CORPUS=DIR  keep each target's final working corpus in DIR/<target>/
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-30}
build=${FUZZ_BUILD_DIR:-build-fuzz}
# target:max_len — inputs as large as the real ones (the call file is 41 KB; request heads up to
# the server's 16 KiB limit and a little body; a small .xlsx is 5–10 KB).
all_targets=(http_request:20000 tus_headers:1024 entry_json:8192 form:4096 call_file:65536 range:512 filename:1024 xlsx_read:32768)

cxx=${FUZZ_CXX:-}
if [ -z "$cxx" ]; then
  # clang 16: clang 14 cannot capture structured bindings in lambdas (C++20), which src/core uses.
  for c in clang++-16 clang++; do command -v "$c" >/dev/null && { cxx=$c; break; }; done
fi
[ -n "$cxx" ] || { echo "fuzz: clang++-16 not found (Debian 12: apt-get install clang-16 libclang-rt-16-dev llvm-16)" >&2; exit 1; }
for s in llvm-symbolizer-16 llvm-symbolizer; do
  if command -v "$s" >/dev/null; then export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v "$s")}; break; fi
done

echo "fuzz: building into $build with $cxx"
cmake -S fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --parallel "${FUZZ_JOBS:-2}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p "$build/logs" "$build/artifacts"
work_root=$(mktemp -d)
trap 'rm -rf "$work_root"' EXIT
failed=()
summary=()
for entry in "${all_targets[@]}"; do
  t=${entry%%:*}
  max_len=${entry##*:}
  if [ -n "${FUZZ_TARGETS:-}" ] && ! [[ " $FUZZ_TARGETS " == *" $t "* ]]; then continue; fi
  work="$work_root/$t"
  mkdir -p "$work"
  cp -R "fuzz/corpus/$t/." "$work/"   # the seeds stay untouched; new inputs go to the copy
  log="$build/logs/$t.log"
  echo "fuzz: $t for ${seconds}s (max_len $max_len)"
  rc=0
  "$build/fuzz_$t" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$work" >"$log" 2>&1 || rc=$?
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$done_line")
  ft=$(sed -nE 's/.* ft: ([0-9]+) .*/\1/p' <<<"$done_line")
  corp=$(sed -nE 's/.* corp: ([^ ]+) .*/\1/p' <<<"$done_line")
  line=$(printf '%-13s execs %-10s exec/s %-7s cov %-6s ft %-6s corpus %s' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")
  if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant failed|^SUMMARY: ' "$log"; then
    failed+=("$t")
    line="$line  FAILED (exit $rc; log $log)"
    echo "---- $t: last lines of $log" >&2
    tail -40 "$log" >&2
  fi
  if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then mkdir -p "$FUZZ_KEEP_CORPUS/$t" && cp -R "$work/." "$FUZZ_KEEP_CORPUS/$t/"; fi
  summary+=("$line")
  echo "  $line"
done

echo
echo "fuzz: ${seconds}s per target"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build/artifacts/; reproduce: $build/fuzz_<target> <file>)" >&2
  exit 1
fi
echo "fuzz: no findings"
