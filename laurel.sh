#!/usr/bin/env bash
# Laurel in one script, for newcomers and for CI (Debian 12, as root or with sudo).
#   ./laurel.sh run     install what is needed, build (Release), create data/laurel.db, load the
#                       2025 WIC calls and start http://127.0.0.1:8080 in demo mode
#   ./laurel.sh test    install what is needed, build, run the whole test suite (ctest)
#   ./laurel.sh build   install the build dependencies and build only
# Environment: LAUREL_LISTEN (default 127.0.0.1:8080), LAUREL_DB (default sqlite:data/laurel.db).
set -euo pipefail
cd "$(dirname "$0")"

BUILD_PACKAGES=(build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libboost1.81-dev libboost-url1.81-dev libsqlite3-dev nlohmann-json3-dev libkainjow-mustache-dev
  libcli11-dev libtomlplusplus-dev libspdlog-dev libhowardhinnant-date-dev libsodium-dev libicu-dev
  iso-codes tzdata libgtest-dev libjemalloc-dev libmagic-dev libssl-dev libpq-dev liboath-dev libqrencode-dev
  libcurl4-openssl-dev libxlsxwriter-dev libzip-dev libpugixml-dev libxapian-dev liblemon-dev libglpk-dev ffmpeg libvips-tools)
TEST_PACKAGES=(chromium fonts-noto-cjk sqlite3 curl wrk nginx-light postgresql-15 postgresql-client-15 time
  clang-16 libclang-rt-16-dev llvm-16 python3-aiosmtpd openssl unzip)  # fuzz/run.sh: libFuzzer, sanitizers, llvm-symbolizer

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "laurel: installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

build() {
  install_packages "${BUILD_PACKAGES[@]}"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then install_packages nodejs npm; fi
  # Browser libraries (tus-js-client) are compiled into the binary from node_modules.
  if [ ! -f node_modules/tus-js-client/dist/tus.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build --parallel "$(nproc)"
}

case "${1:-}" in
  build)
    build
    ;;
  run)
    build
    mkdir -p data
    db=${LAUREL_DB:-sqlite:data/laurel.db}
    listen=${LAUREL_LISTEN:-127.0.0.1:8080}
    ./build/laurel --database "$db" migrate
    ./build/laurel --database "$db" load-calls calls/wic-2025.toml
    if [ ! -s data/admin-password.txt ]; then
      password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 20)
      if echo "$password" | ./build/laurel --database "$db" user add --role admin --email admin@laurel.local --password-stdin; then
        (umask 077; echo "$password" > data/admin-password.txt)
      fi
    fi
    echo
    echo "  Laurel is starting on http://$listen  (demo mode: the 2025 WIC calls are shown open)"
    echo "  Organiser login: admin@laurel.local, password in data/admin-password.txt"
    echo "  Applicants register at http://$listen/register.  Stop with Ctrl-C."
    echo "  Mail: no SMTP relay configured, so every message (address checks, password resets, receipts,"
    echo "  reminders) is saved as an .eml file in data/mail/ (docs/mail.md: --smtp URL to send it)."
    echo
    exec ./build/laurel --database "$db" serve --listen "$listen" --demo
    ;;
  test)
    install_packages "${TEST_PACKAGES[@]}"
    build
    # Two at a time: the browser suites and unit tests run beside the fuzzers or an HTTP suite;
    # benchmarks run alone, and the HTTP suites never beside each other or the fuzzers
    # (RUN_SERIAL and RESOURCE_LOCK in CMakeLists.txt).
    ctest --test-dir build --output-on-failure --timeout 900 --parallel 2
    ;;
  *)
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
