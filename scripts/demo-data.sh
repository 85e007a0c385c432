#!/usr/bin/env bash
# Loads a few weeks of a realistic product into a running shiplog — through its real
# endpoints (signed GitHub deliveries, Flux events, API calls), never by SQL — so that a
# newcomer opening the dashboard sees a living product. Called by scripts/run.sh once the
# server is ready; loading it again does no harm (deliveries are idempotent).
#   SHIPLOG_URL, SHIPLOG_ADMIN_TOKEN, SHIPLOG_GITHUB_WEBHOOK_SECRET, SHIPLOG_FLUX_WEBHOOK_SECRET
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SHIPLOG_URL:?}" "${SHIPLOG_ADMIN_TOKEN:?}"
if ! command -v node >/dev/null; then
	echo "demo-data: node is not installed (scripts/deps.sh --node); skipping the demo data" >&2
	exit 1
fi
log=${DEMO_DATA_LOG:-/dev/null}
started=$SECONDS
node tests/browser/seed.mjs "$SHIPLOG_URL" >"$log"
echo "demo-data: loaded a few weeks of weaveworks/weave-gitops-enterprise and friends in $((SECONDS - started)) s"
