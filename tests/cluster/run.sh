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
status=0
OASIS_BIN=$PWD/$BUILD/oasis OASIS_CLUSTER_DIR=$state \
	python3 tests/cluster/suite.py || status=$?
echo "suite cluster: $(($(date +%s) - start)) s"
exit $status
