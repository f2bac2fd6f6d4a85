# Shared by deploy/quickstart and deploy/test: install what is missing, build.
# Sourced, not run. Works as root on Debian 12 (uses sudo when not root).

# What building and running the server needs.
BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config ca-certificates tzdata
  libboost1.81-dev nlohmann-json3-dev libsqlite3-dev libssl-dev libhowardhinnant-date-dev
  libqrencode-dev libpng-dev liburing-dev
)
# What the test suites need on top: GoogleTest, the sqlite3 shell (used by tests to poke at
# database files), a browser for the end-to-end tests, openssl (test certificates), zbar-tools
# (zbarimg, the real QR decoder that reads back the badges' QR codes), and clang 14 with its
# runtime libraries (libFuzzer, ASan, UBSan) for the fuzz targets (tests/fuzz).
TEST_PACKAGES=(
  libgtest-dev sqlite3 chromium openssl zbar-tools clang libclang-rt-14-dev
)

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages that are not installed yet; does nothing if all are.
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  log "Installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Node.js and npm, for the browser tests and for fetching the web UI's third-party browser
# code (ensure_web_vendor). A machine may already have them from another source (e.g.
# NodeSource); Debian's own packages are used otherwise.
ensure_node() {
  if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    return 0
  fi
  ensure_packages nodejs npm
}

# The web UI's third-party browser code, from the npm registry at the versions locked in
# tools/web-vendor/package-lock.json, copied into web/vendor/ (not committed). Today that is
# jsQR, the QR decoder the check-in desk's camera uses in browsers without BarcodeDetector.
ensure_web_vendor() {
  local lock=tools/web-vendor/package-lock.json target=web/vendor/jsqr/jsQR.js
  if [ -f "$target" ] && [ "$target" -nt "$lock" ]; then
    return 0
  fi
  ensure_node
  log "Fetching the web UI's third-party code (tools/web-vendor)"
  (cd tools/web-vendor && npm ci --no-audit --no-fund --omit=dev >/dev/null)
  mkdir -p web/vendor/jsqr
  cp tools/web-vendor/node_modules/jsqr/dist/jsQR.js "$target.tmp"
  cp tools/web-vendor/node_modules/jsqr/LICENSE web/vendor/jsqr/LICENSE
  mv "$target.tmp" "$target"
}

# build DIR BUILD_TYPE [extra cmake args...]: configure (a no-op when nothing changed),
# then build incrementally.
build() {
  local dir="$1" type="$2"
  shift 2
  local launcher=()
  if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  log "Configuring $dir ($type)"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${launcher[@]}" "$@" >/dev/null
  log "Building $dir"
  cmake --build "$dir" -j "$(nproc)"
}
