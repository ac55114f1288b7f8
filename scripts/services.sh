# Services the tests talk to. PostgreSQL and Redis are normally started by the
# machine; start them when they are down and we are allowed to.

pg_url() { echo "${AMPHI_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"; }

postgresql_answers() {
    "$VENV/bin/python" - "$(pg_url)" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1].replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
PY
}

ensure_postgresql() {
    postgresql_answers && return 0
    if [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null; then
        say "starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
        for _ in $(seq 20); do postgresql_answers && return 0; sleep 0.5; done
    fi
    echo "PostgreSQL does not answer at $(pg_url): start it or set AMPHI_TEST_POSTGRES_URL" >&2
    exit 1
}
