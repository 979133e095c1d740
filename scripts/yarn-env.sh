# Sourced by the scripts that run jlpm: use the registry the npm client is
# configured with (no host names in our files), no telemetry, no progress bars,
# and no browser download by playwright (the tests use Debian's chromium).
if [ -z "${YARN_NPM_REGISTRY_SERVER:-}" ] && command -v npm >/dev/null 2>&1; then
  registry="$(npm config get registry 2>/dev/null || true)"
  if [ -n "$registry" ] && [ "$registry" != "undefined" ]; then
    export YARN_NPM_REGISTRY_SERVER="${registry%/}"
  fi
fi
export YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_PROGRESS_BARS=0 YARN_ENABLE_INLINE_BUILDS=0
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
