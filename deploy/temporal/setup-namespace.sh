#!/bin/sh
# Registers the product's namespace and the nine search attributes operators filter on; safe to run again.
# Run by docker-compose.yml (service temporal-setup, in the temporalio/admin-tools image) and by
# test/production/cluster.test.ts, both with the `temporal` CLI. The attributes are
# workflows/search-attributes.ts (SEARCH_ATTRIBUTE_TYPES); test/compose.test.ts checks they agree.
#   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE   read by the CLI itself
#   NAMESPACE_RETENTION   how long closed engagements stay visible (default 30 days)
set -eu
: "${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS (host:port of the frontend)}"
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${NAMESPACE_RETENTION:-720h}"
cli="${TEMPORAL_CLI:-temporal}"

# Runs a command until it succeeds, once a second, at most $1 times (the cluster is still starting,
# or a new namespace has not reached every service yet: their namespace caches refresh within seconds).
retry() {
  limit="$1"
  shift
  tries=0
  until "$@" >/dev/null 2>"$tmp/last-error"; do
    tries=$((tries + 1))
    if [ "$tries" -ge "$limit" ]; then
      echo "gave up after $tries tries: $*" >&2
      cat "$tmp/last-error" >&2
      return 1
    fi
    sleep 1
  done
}
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "waiting for Temporal at $TEMPORAL_ADDRESS"
retry 180 "$cli" operator cluster health

if ! "$cli" operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  "$cli" operator namespace create --namespace "$namespace" --retention "$retention"
fi

# Creating an attribute that exists with the same type is a no-op.
retry 60 "$cli" operator search-attribute create --namespace "$namespace" --name VoucherId --type Keyword
retry 60 "$cli" operator search-attribute create --namespace "$namespace" --name PartnerId --type Keyword
retry 60 "$cli" operator search-attribute create --namespace "$namespace" --name Offering --type Keyword
retry 60 "$cli" operator search-attribute create --namespace "$namespace" --name EngagementType --type Keyword
retry 60 "$cli" operator search-attribute create --namespace "$namespace" --name EngagementStatus --type Keyword
retry 60 "$cli" operator search-attribute create --namespace "$namespace" --name CustomerCountry --type Keyword
retry 60 "$cli" operator search-attribute create --namespace "$namespace" --name CustomerAgreement --type Keyword
retry 60 "$cli" operator search-attribute create --namespace "$namespace" --name EngagementDays --type Int
retry 60 "$cli" operator search-attribute create --namespace "$namespace" --name VoucherExpiresAt --type Datetime
"$cli" operator search-attribute list --namespace "$namespace"
echo "namespace $namespace ready"
