#!/usr/bin/env bash
# The main job (`npm run demo`): a real 3-server JetStream cluster on 127.0.0.1, the seed's order
# pipeline validated, planned, applied and shown. Leaves the cluster running; `npx jetkeeper down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
jk() { node bin/jetkeeper.js "$@"; }
step() { printf '\n\033[1m$ jetkeeper %s\033[0m\n' "$*"; }

node scripts/install-nats.mjs
step up --servers 3 --detach
if ! out=$(jk up --servers 3 --detach 2>&1); then
  if grep -q JK4005 <<<"$out"; then echo "(a local cluster is already running: using it)"; else echo "$out" >&2; exit 1; fi
else
  echo "$out"
fi
M=examples/order-pipeline/order-pipeline.yaml
step validate -f $M;          jk validate -f $M
step plan -f $M;              jk plan -f $M
step apply -f $M;             jk apply -f $M
step get streams;             jk get streams
step get consumers;           jk get consumers
step status -f $M;            jk status -f $M
printf '\nThe cluster keeps running. Try: npx jetkeeper plan -f %s   |   npx jetkeeper export   |   npx jetkeeper down --purge\n' "$M"
