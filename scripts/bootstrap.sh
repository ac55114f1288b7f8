# Sourced by ./quickstart and ./run-tests: system packages (when root), the
# virtualenv in .venv, and Amphi installed into it. Safe to run again.
# Usage: bootstrap [test]

APT_PACKAGES=(ffmpeg)
VENV="${AMPHI_VENV:-.venv}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

missing_apt_packages() {
    local wanted=("${APT_PACKAGES[@]}" "$@") missing=()
    python3 -c "import ensurepip" 2>/dev/null || wanted+=(python3-venv)
    for package in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    echo "${missing[@]}"
}

install_system_packages() {
    local missing
    missing=$(missing_apt_packages "$@")
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
    install_system_packages
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating the virtualenv $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip
    fi
    local stamp="$VENV/.amphi-installed-$1" sources
    sources=$(cat setup.py examples/amphi_hello/setup.py | sha1sum | cut -c1-12)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$sources" ]; then
        say "installing Amphi and its Python packages into $VENV"
        if [ "$1" = test ]; then
            "$VENV/bin/pip" install -q --config-settings editable_mode=compat -e ".[test]" -e examples/amphi_hello
        else
            "$VENV/bin/pip" install -q --config-settings editable_mode=compat -e .
        fi
        echo "$sources" > "$stamp"
    fi
}
