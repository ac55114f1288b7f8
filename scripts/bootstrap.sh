# Sourced by ./quickstart and ./run-tests: system packages (when root), the
# virtualenv in .venv, and Amphi installed into it. Safe to run again.
# Usage: bootstrap run|test

VENV="${AMPHI_VENV:-.venv}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# "command:package" pairs: the Debian package to install when the command is missing.
RUN_NEEDS=(ffmpeg:ffmpeg ffprobe:ffmpeg)
TEST_NEEDS=(chromium:chromium npm:npm)

missing_apt_packages() {
    local missing=() pair
    python3 -c "import ensurepip" 2>/dev/null || missing+=(python3-venv)
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' '
}

install_system_packages() {
    local missing
    missing=$(missing_apt_packages "$@")
    missing="${missing% }"
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        say "missing Debian packages: $missing (run as root, or: sudo apt-get install $missing)"
        return 0
    fi
    say "installing Debian packages: $missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

bootstrap() {
    command -v python3 >/dev/null || { echo "python3 is required (apt-get install python3)" >&2; exit 1; }
    if [ "$1" = test ]; then
        install_system_packages "${RUN_NEEDS[@]}" "${TEST_NEEDS[@]}"
    else
        install_system_packages "${RUN_NEEDS[@]}"
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating the virtualenv $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip
    fi
    local stamp="$VENV/.amphi-installed-$1" sources
    sources=$(cat setup.py examples/amphi_hello/setup.py package.json | sha1sum | cut -c1-12)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$sources" ]; then
        say "installing Amphi and its Python packages into $VENV"
        if [ "$1" = test ]; then
            "$VENV/bin/pip" install -q --config-settings editable_mode=compat -e ".[test]" -e examples/amphi_hello
        else
            "$VENV/bin/pip" install -q --config-settings editable_mode=compat -e .
        fi
        echo "$sources" > "$stamp"
    fi
    if [ "$1" = test ] && [ ! -f node_modules/.package-lock.json -o package.json -nt node_modules/.package-lock.json ]; then
        say "installing the browser-side test packages (npm)"
        npm install --no-audit --no-fund --silent
    fi
}
