# Sourced by the scripts that run jlpm: use the registry, CA file and proxies the npm client is
# configured with (yarn reads none of npm's settings, so on a machine where `npm install` works
# behind a proxy or with a private CA, every fetch of jlpm's would fail; no host names in our
# files), no telemetry, no progress bars, and no browser download by playwright (the tests use
# Debian's chromium). A YARN_* variable the user set wins.
if command -v npm >/dev/null 2>&1; then
  while IFS='=' read -r key value; do
    case "$value" in "" | undefined | null) continue ;; esac
    case "$key" in
      registry) [ -n "${YARN_NPM_REGISTRY_SERVER:-}" ] || export YARN_NPM_REGISTRY_SERVER="${value%/}" ;;
      cafile) [ -n "${YARN_CA_FILE_PATH:-}" ] || [ ! -r "$value" ] || export YARN_CA_FILE_PATH="$value" ;;
      https-proxy) [ -n "${YARN_HTTPS_PROXY:-}" ] || export YARN_HTTPS_PROXY="$value" ;;
      proxy) [ -n "${YARN_HTTP_PROXY:-}" ] || export YARN_HTTP_PROXY="$value" ;;
    esac
  done < <(npm config get registry cafile https-proxy proxy 2>/dev/null || true)
fi
export YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_PROGRESS_BARS=0 YARN_ENABLE_INLINE_BUILDS=0
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
