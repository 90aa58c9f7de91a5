#!/usr/bin/env bash
# The seed's hands-on lab (parts 1-6) with jetkeeper's controller instead of NACK:
# a three-node kind cluster, NATS with JetStream (the official chart, the seed's values),
# jetkeeper's chart, the ORDERS stream and order-worker consumer as CRs, publish/consume
# through nats-box, one NATS pod killed (quorum holds), metrics, cleanup.
#
# Needs: kind, kubectl, helm and a container runtime (Docker or Podman), plus a jetkeeper image
# (docker build -t jetkeeper:lab . ; it is loaded into kind). The machine jetkeeper is developed
# on has none of these, so this script is kept correct by reading, not by running there.
set -euo pipefail

CLUSTER=${CLUSTER:-nats-js-lab}
NS=${NS:-nats}
IMAGE=${IMAGE:-jetkeeper:lab}
HERE=$(cd "$(dirname "$0")" && pwd)
EX="$HERE/examples"

usage() {
  cat <<USAGE
usage: deploy/lab.sh [part...]     parts: 1 2 3 4 5 6 (default: all, in order); -h for this help

  1  kind cluster with one control plane and three workers (examples/kind-nats.yaml)
  2  NATS (official chart, examples/nats-lab-values.yaml) and jetkeeper (deploy/helm/jetkeeper, namespaced)
  3  ORDERS stream + order-worker consumer (examples/orders-jetstream.yaml): status first, then the server
  4  publish two orders, consume them with acks; a subject outside the stream is not stored
  5  delete nats-0: publish and consume go on, the stream returns to full replica health
  6  monitor endpoints and reports, then clean up everything

Needs kind, kubectl, helm and a container runtime (Docker or Podman) with image $IMAGE built
from the repository's Dockerfile. This script cannot run on a machine without them (the
development machine has none: there it is kept correct by reading).
Environment: CLUSTER (default nats-js-lab), NS (default nats), IMAGE (default jetkeeper:lab).
USAGE
}

need() { for b in "$@"; do command -v "$b" >/dev/null || { echo "lab.sh: $b is not installed (see -h)" >&2; exit 1; }; done; }
box() { kubectl -n "$NS" exec deployment/nats-box -- "$@"; }

part1() {
  need kind kubectl
  kind create cluster --name "$CLUSTER" --config "$EX/kind-nats.yaml"
  kubectl cluster-info --context "kind-$CLUSTER"
  kubectl get nodes
}

part2() {
  need kind kubectl helm
  kubectl config use-context "kind-$CLUSTER"
  helm repo add nats https://nats-io.github.io/k8s/helm/charts/ >/dev/null 2>&1 || true
  helm repo update
  helm upgrade --install nats nats/nats --namespace "$NS" --create-namespace --values "$EX/nats-lab-values.yaml" --wait
  kind load docker-image "$IMAGE" --name "$CLUSTER"
  helm upgrade --install jetkeeper "$HERE/helm/jetkeeper" --namespace "$NS" \
    --set namespaced=true \
    --set nats.url="nats://nats.$NS.svc.cluster.local:4222" \
    --set image.repository="${IMAGE%:*}" --set image.tag="${IMAGE##*:}" --set image.pullPolicy=Never \
    --wait
  kubectl -n "$NS" rollout status statefulset/nats --timeout=300s
  kubectl -n "$NS" rollout status deployment/jetkeeper --timeout=180s
  kubectl -n "$NS" get pods -o wide
}

part3() {
  need kubectl
  kubectl apply -f "$EX/orders-jetstream.yaml"
  kubectl -n "$NS" wait stream/orders-stream --for=condition=Ready --timeout=120s
  kubectl -n "$NS" wait consumer/order-worker --for=condition=Ready --timeout=120s
  kubectl -n "$NS" get streams,consumers
  kubectl -n "$NS" describe stream orders-stream
  kubectl -n "$NS" describe consumer order-worker
  box nats stream info ORDERS
  box nats consumer info ORDERS order-worker
}

part4() {
  need kubectl
  box nats pub orders.created '{"order_id":"ord-1001","total":129.90}'
  box nats pub orders.created '{"order_id":"ord-1002","total":58.25}'
  box nats consumer next ORDERS order-worker --count=2 --ack
  box nats pub inventory.adjusted '{"sku":"sku-7","delta":-1}'
  box nats stream info ORDERS
}

part5() {
  need kubectl
  kubectl -n "$NS" delete pod nats-0 --wait=false
  box nats pub orders.created '{"order_id":"ord-1003","total":77.00}'
  box nats consumer next ORDERS order-worker --count=1 --ack
  box nats stream info ORDERS
  kubectl -n "$NS" wait pod/nats-0 --for=condition=Ready --timeout=300s
  box nats stream info ORDERS
  kubectl -n "$NS" get streams,consumers
}

part6() {
  need kind kubectl helm
  kubectl -n "$NS" port-forward statefulset/nats 8222:8222 >/dev/null 2>&1 &
  local pf=$!
  sleep 2
  curl -fsS http://127.0.0.1:8222/jsz | head -c 600 || true
  echo
  kill "$pf" 2>/dev/null || true
  box nats server report jetstream
  box nats stream report
  box nats consumer report ORDERS
  kubectl delete -f "$EX/orders-jetstream.yaml" --wait=true
  helm -n "$NS" uninstall jetkeeper
  helm -n "$NS" uninstall nats
  kubectl delete namespace "$NS"
  kind delete cluster --name "$CLUSTER"
}

case "${1:-}" in -h|--help) usage; exit 0 ;; esac
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(1 2 3 4 5 6)
for p in "${parts[@]}"; do
  case "$p" in
    1|2|3|4|5|6) echo "== lab part $p"; "part$p" ;;
    *) usage >&2; exit 1 ;;
  esac
done
