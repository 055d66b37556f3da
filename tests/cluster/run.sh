#!/bin/sh
# run.sh BUILD: the cluster suite (tests/cluster/suite.py) against
# BUILD/oasis, in a state folder of its own under TMPDIR, removed at the
# end; prints its time.  CLUSTER_CHECKS=4,9 runs only those checks.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
start=$(date +%s)
state=$(mktemp -d "${TMPDIR:-/tmp}/oasis-cluster-XXXXXX")
chmod 755 "$state"
# whatever ends the suite, the cluster's processes end with it
trap 'OASIS_CLUSTER_DIR=$state scripts/cluster.sh down >/dev/null 2>&1; rm -rf "$state"' EXIT
trap 'exit 143' INT TERM
status=0
OASIS_BIN=$PWD/$BUILD/oasis OASIS_CLUSTER_DIR=$state \
	/usr/bin/python3 tests/cluster/suite.py || status=$?
echo "suite cluster: $(($(date +%s) - start)) s"
exit $status
