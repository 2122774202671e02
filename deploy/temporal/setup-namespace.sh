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

tries=0
until "$cli" operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 120 ]; then echo "Temporal at $TEMPORAL_ADDRESS is not healthy" >&2; exit 1; fi
  echo "waiting for Temporal at $TEMPORAL_ADDRESS"
  sleep 1
done

if ! "$cli" operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  "$cli" operator namespace create --namespace "$namespace" --retention "$retention"
fi
# A new namespace reaches every service of the cluster within seconds (namespace cache refresh).
tries=0
until "$cli" operator namespace describe --namespace "$namespace" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then echo "namespace $namespace did not appear" >&2; exit 1; fi
  sleep 1
done

# Creating an attribute that exists with the same type is a no-op.
"$cli" operator search-attribute create --namespace "$namespace" --name VoucherId --type Keyword
"$cli" operator search-attribute create --namespace "$namespace" --name PartnerId --type Keyword
"$cli" operator search-attribute create --namespace "$namespace" --name Offering --type Keyword
"$cli" operator search-attribute create --namespace "$namespace" --name EngagementType --type Keyword
"$cli" operator search-attribute create --namespace "$namespace" --name EngagementStatus --type Keyword
"$cli" operator search-attribute create --namespace "$namespace" --name CustomerCountry --type Keyword
"$cli" operator search-attribute create --namespace "$namespace" --name CustomerAgreement --type Keyword
"$cli" operator search-attribute create --namespace "$namespace" --name EngagementDays --type Int
"$cli" operator search-attribute create --namespace "$namespace" --name VoucherExpiresAt --type Datetime
"$cli" operator search-attribute list --namespace "$namespace"
echo "namespace $namespace ready"
