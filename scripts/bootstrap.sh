# Sourced by ./quickstart and ./run-tests: system packages (when root), the
# virtualenv in .venv, and Amphi installed into it. Safe to run again.
# Usage: bootstrap run|test

VENV="${AMPHI_VENV:-.venv}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# "command:package" pairs: the Debian package to install when the command (or /absolute/file) is missing.
RUN_NEEDS=(ffmpeg:ffmpeg ffprobe:ffmpeg)
TEST_NEEDS=(chromium:chromium npm:npm /usr/sbin/slapd:slapd ldapsearch:ldap-utils espeak-ng:espeak-ng
    /usr/sbin/nginx:nginx-light /usr/lib/nginx/modules/ngx_rtmp_module.so:libnginx-mod-rtmp
    /usr/lib/nginx/modules/ngx_nchan_module.so:libnginx-mod-nchan
    Xvfb:xvfb pulseaudio:pulseaudio systemd-analyze:systemd redis-server:redis-server)
# python-ldap has no wheels: it compiles against these. A pair may name a file instead of a command.
BUILD_NEEDS=(gcc:gcc /usr/include/ldap.h:libldap2-dev /usr/include/sasl/sasl.h:libsasl2-dev)

missing_apt_packages() {
    local missing=() pair
    python3 -c "import ensurepip" 2>/dev/null || missing+=(python3-venv)
    # Python's headers, for the packages that compile (python-ldap).
    python3 -c "import os, sysconfig; assert os.path.exists(sysconfig.get_paths()['include'] + '/Python.h')" \
        2>/dev/null || missing+=(python3-dev)
    for pair in "$@"; do
        case "${pair%%:*}" in
            /*) [ -e "${pair%%:*}" ] || missing+=("${pair#*:}") ;;
            *) command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}") ;;
        esac
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
    # RUNLEVEL=1: invoke-rc.d starts no service on install (nginx would listen on every interface's port 80);
    # the tests start their own nginx on 127.0.0.1.
    export RUNLEVEL=1
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

bootstrap() {
    command -v python3 >/dev/null || { echo "python3 is required (apt-get install python3)" >&2; exit 1; }
    if [ "$1" = test ]; then
        install_system_packages "${RUN_NEEDS[@]}" "${BUILD_NEEDS[@]}" "${TEST_NEEDS[@]}"
    else
        install_system_packages "${RUN_NEEDS[@]}" "${BUILD_NEEDS[@]}"
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating the virtualenv $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip
    fi
    local stamp="$VENV/.amphi-installed-$1" sources
    # The separately installable plugins (plugin_*/ with a setup.py) are installed in tests too.
    local plugins=()
    for folder in plugin_*/; do if [ -f "$folder/setup.py" ]; then plugins+=(-e "${folder%/}"); fi; done
    sources=$(cat setup.py examples/amphi_hello/setup.py plugin_*/setup.py package.json 2>/dev/null | sha1sum | cut -c1-12)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$sources" ]; then
        say "installing Amphi and its Python packages into $VENV"
        if [ "$1" = test ]; then
            "$VENV/bin/pip" install -q --config-settings editable_mode=compat -e ".[test]" -e examples/amphi_hello \
                "${plugins[@]}"
        else
            "$VENV/bin/pip" install -q --config-settings editable_mode=compat -e .
        fi
        echo "$sources" > "$stamp"
    fi
    if [ "$1" = test ] && [ ! -x .venv-pyca/bin/pyca ]; then
        # A real Opencast capture agent for plugin_recorder's tests, apart: it pins its own flask and sqlalchemy.
        say "installing pyCA (Opencast capture agent) into .venv-pyca"
        python3 -m venv .venv-pyca
        .venv-pyca/bin/pip install -q pyca
    fi
    if [ "$1" = test ] && [ ! -x .venv-ralph/bin/python -o ! -f .venv-ralph/.ralph-5.1.0 ]; then
        # A real LRS (Ralph) for the xapi plugin's tests, apart: it pins fastapi and pydantic 2 releases of its own.
        say "installing Ralph (xAPI Learning Record Store) into .venv-ralph"
        python3 -m venv .venv-ralph
        .venv-ralph/bin/pip install -q "ralph-malph[lrs,cli]==5.1.0" requests && touch .venv-ralph/.ralph-5.1.0
    fi
    if [ "$1" = test ] && [ ! -f node_modules/.package-lock.json -o package.json -nt node_modules/.package-lock.json ]; then
        say "installing the browser-side test packages (npm)"
        npm install --no-audit --no-fund --silent
    fi
}
