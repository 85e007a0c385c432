#!/usr/bin/env bash
# Install the Debian 12 packages shiplog needs to build, run and test — only those missing.
#
#   scripts/deps.sh            build + run + test dependencies
#   scripts/deps.sh --browser  also chromium, and Node.js + npm when `node` is missing
#   scripts/deps.sh --node     Node.js + npm when `node` is missing (tests/deploy)
#
# Runs `apt-get update` once, and only if something has to be installed.
# Needs root (or passwordless sudo) only when something is missing.
set -euo pipefail

PROG=deps.sh
log() { echo "$PROG: $*" >&2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }

BROWSER=0
NODE=0 # deploy validation: --node (implied by --browser)
for arg in "$@"; do
	case "$arg" in
	--browser) BROWSER=1 NODE=1 ;;
	--node) NODE=1 ;;
	-h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument: $arg (usage: $0 [--browser] [--node])" ;;
	esac
done

# Installed without recommends (none of them needs its recommends to work here).
PACKAGES=(
	build-essential cmake pkg-config git curl ca-certificates
	libmicrohttpd-dev libjansson-dev libpq-dev libcurl4-openssl-dev libyaml-dev libssl-dev
	libcmocka-dev
	postgresql-15 postgresql-client-15
	valgrind clang libclang-rt-14-dev
	docker-compose
	python3 procps sudo util-linux openssl
)

if [[ $BROWSER -eq 1 ]]; then
	PACKAGES+=(chromium fonts-liberation)
fi

is_installed() {
	[[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == installed ]]
}

SUDO=()
UPDATED=0
# apt_install PKG...: install the given packages; `apt-get update` at most once per run.
apt_install() {
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: $*"
	if [[ $(id -u) -ne 0 && ${#SUDO[@]} -eq 0 ]]; then
		command -v sudo >/dev/null 2>&1 || die "not root and no sudo; as root run: apt-get install $*"
		SUDO=(sudo -n)
	fi
	local env=(env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 NEEDRESTART_MODE=a)
	log "installing: $*"
	if [[ $UPDATED -eq 0 ]]; then
		"${SUDO[@]}" "${env[@]}" apt-get update -q
		UPDATED=1
	fi
	"${SUDO[@]}" "${env[@]}" apt-get install -y -q --no-install-recommends \
		-o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
	local p still=()
	for p in "$@"; do
		is_installed "$p" || still+=("$p")
	done
	[[ ${#still[@]} -eq 0 ]] || die "still missing after install: ${still[*]}"
	log "installed: $*"
}

missing=()
for p in "${PACKAGES[@]}"; do
	is_installed "$p" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
	apt_install "${missing[@]}"
else
	log "all ${#PACKAGES[@]} packages already installed"
fi

# Node.js for the browser tests and tests/deploy. Node may come from elsewhere (NodeSource, nvm, ...), and
# Debian's npm conflicts with NodeSource's nodejs (which bundles npm), so: nodejs only when
# `node` is missing, then npm only when `npm` is still missing afterwards.
if [[ $NODE -eq 1 ]]; then
	if ! command -v node >/dev/null 2>&1; then
		apt_install nodejs
	fi
	if ! command -v npm >/dev/null 2>&1; then
		if is_installed nodejs && dpkg-query -W -f='${Version}' nodejs | grep -q nodesource; then
			die "node from NodeSource is installed but npm is missing; reinstall nodejs from NodeSource"
		fi
		apt_install npm
	fi
	log "node $(node --version), npm $(npm --version)"
fi
