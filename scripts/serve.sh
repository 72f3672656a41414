#!/usr/bin/env bash
# Development server plus the viewflow timer dispatcher, which fires the
# workflows' deadlines and reminders once a minute, seals the audit chain once a
# day and recomputes the credit classes once a month. Both stop together.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python

dispatch_timers() {
    local child=""
    trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM
    while true; do
        "$python" manage.py workflow_timers & child=$!
        wait "$child" || true
        "$python" manage.py audit_seal --daily & child=$!
        wait "$child" || true
        "$python" manage.py credit_recompute --monthly & child=$!
        wait "$child" || true
        sleep 60 & child=$!
        wait "$child" || true
    done
}

dispatch_timers &
dispatcher=$!
stop_dispatcher() {
    kill "$dispatcher" 2>/dev/null || true
    wait "$dispatcher" 2>/dev/null || true
}
trap stop_dispatcher EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$python" manage.py runserver 127.0.0.1:8000
