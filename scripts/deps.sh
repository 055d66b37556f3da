#!/bin/sh
# deps.sh: what Oasis needs from Debian (and npm), checked and, as root, installed.
#
#   scripts/deps.sh check            libraries for the build; names the package to install
#   scripts/deps.sh install build    install what building needs
#   scripts/deps.sh install test     ... what `make test` needs (brokers, GDAL tools, browser)
#   scripts/deps.sh install demo     ... what `make demo` needs
#   scripts/deps.sh install cluster  ... what scripts/cluster.sh and `make test-cluster`
#                                    need (etcd, Patroni, PostgreSQL, haproxy, mosquitto)
#   scripts/deps.sh install demo-pg  ... and `make demo-pg` (PostgreSQL, PostGIS)
set -eu

# pkg-config name and the Debian package that provides it
LIBS="libmicrohttpd:libmicrohttpd-dev jansson:libjansson-dev sqlite3:libsqlite3-dev
gdal:libgdal-dev proj:libproj-dev libsodium:libsodium-dev libcurl:libcurl4-openssl-dev
libmosquitto:libmosquitto-dev libpq:libpq-dev zlib:zlib1g-dev cmocka:libcmocka-dev
cairo:libcairo2-dev xlsxwriter:libxlsxwriter-dev"

BUILD_DEBS="build-essential pkg-config clang"
# Camera video (docs/VIDEO.md): ffmpeg relays the streams; GStreamer's RTSP
# server (python3-gi) is the tests' and the demo's camera, x264enc (ugly)
# its encoder, the pango overlay (gstreamer1.0-x) writes time and plot code;
# util-linux's setpriv (essential, named for clarity) ties each relay to the server.
VIDEO_DEBS="ffmpeg python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base
gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-x util-linux"
TEST_DEBS="mosquitto mosquitto-clients python3 python3-gdal python3-influxdb
python3-prometheus-client influxdb
python3-paho-mqtt gdal-bin postgresql postgresql-15-postgis-3 nodejs npm chromium
fonts-noto-cjk python3-openpyxl poppler-utils $VIDEO_DEBS"
DEMO_DEBS="nodejs npm fonts-noto-cjk $VIDEO_DEBS"
# The cluster on one machine (scripts/cluster.sh, docs/CLUSTER.md).
CLUSTER_DEBS="etcd-server etcd-client patroni python3-psycopg2 postgresql-15
postgresql-15-postgis-3 haproxy mosquitto mosquitto-clients python3-paho-mqtt curl"
# make demo-pg: the demo on a PostgreSQL cluster of its own (scripts/demo-pg.sh)
DEMO_PG_DEBS="postgresql postgresql-15-postgis-3"

# Installed as a Debian package, or (node and npm) as a command from elsewhere.
have_deb() {
	case "$1" in
	nodejs) command -v node >/dev/null 2>&1 && return 0 ;;
	npm) command -v npm >/dev/null 2>&1 && return 0 ;;
	esac
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

lib_debs() {
	for pair in $LIBS; do printf '%s ' "${pair#*:}"; done
}

check() {
	missing=""
	command -v pkg-config >/dev/null 2>&1 || {
		echo "pkg-config is missing: apt-get install pkg-config" >&2
		exit 1
	}
	for pair in $LIBS; do
		pc=${pair%%:*}
		deb=${pair#*:}
		if ! pkg-config --exists "$pc"; then
			echo "missing library $pc: install the Debian package $deb" >&2
			missing="$missing $deb"
		fi
	done
	if [ -n "$missing" ]; then
		echo "run: apt-get install -y$missing" >&2
		exit 1
	fi
}

install() {
	want="$(lib_debs) $BUILD_DEBS"
	case "$1" in
	build) ;;
	test) want="$want $TEST_DEBS" ;;
	demo) want="$want $DEMO_DEBS" ;;
	cluster) want="$want $CLUSTER_DEBS" ;;
	demo-pg) want="$want $DEMO_DEBS $DEMO_PG_DEBS" ;;
	*) echo "deps.sh: unknown set '$1' (build, test, demo, cluster, demo-pg)" >&2; exit 2 ;;
	esac
	missing=""
	for deb in $want; do
		have_deb "$deb" || missing="$missing $deb"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "Oasis needs Debian packages that are not installed; run:" >&2
		echo "  sudo apt-get install -y$missing" >&2
		exit 1
	fi
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

case "${1:-check}" in
check) check ;;
install) install "${2:-build}" ;;
*) echo "usage: deps.sh check | install build|test|demo|cluster|demo-pg" >&2; exit 2 ;;
esac
