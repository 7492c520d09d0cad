#!/usr/bin/env bash
# Shared helpers for the harness scripts. Sourced, never run.
# shellcheck disable=SC2034  # variables are used by the scripts that source this file

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
BASE_SRC=$BUILD/linux		# git repo, checked out at tag 'base'
APPLY_SRC=${APPLY_SRC:-$BUILD/apply}	# worktree: base + git am patches/*
DEV_SRC=$BUILD/dev		# worktree for developers: one commit per patch
KBUILD=${KBUILD:-$BUILD/kbuild}	# O= directories, one per variant
TESTS_OUT=$BUILD/tests		# selftest binaries and initramfs
LOGS=${LOGS:-$BUILD/logs}
PATCHES_DIR=${PATCHES_DIR:-$ROOT/patches}
SRC_TARBALL=/usr/src/linux-source-6.12.tar.xz
SRC_PACKAGE=linux-source-6.12
# The peer for the benchmarks: upstream's design (scripts/peer-tree).
PEER_SRC=$BUILD/peer
PEER_PACKAGE=linux-source-7.3
PEER_SUITE=trixie-backports
JOBS=${JOBS:-$(nproc)}
# Fixed identity and dates make the base commit reproducible across machines.
GIT_ID=(-c user.name="posix-timers harness" -c user.email="harness@localhost")
# The author and signer the committed series carries: an obvious placeholder, never a made-up
# person. scripts/export puts the identity of whoever exports it in its place (see there).
PLACEHOLDER_ID="Your Name <your.name@example.invalid>"
# The Debian packages of the commands, installed with --no-install-recommends:
# scripts/packages-check proves on a minimal system that these lists are all they need.
# PACKAGES: scripts/run, test, lint, stress. coccinelle depends on neither of the two that
# the kernel's semantic patches need: an OCaml compiler (ocaml) for their OCaml rules, and
# the Python runtime library that spatch loads for their Python rules (libpython3.11).
# (bookworm's ocaml-nox is a transitional package for ocaml.)
PACKAGES=(linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev
	  cpio gzip xz-utils rsync git python3 python3-ply python3-git perl qemu-system-x86
	  busybox-static shellcheck gcc-multilib sparse coccinelle ocaml libpython3.11)
BENCH_PACKAGES=(gnuplot-nox)	# scripts/bench's chart
CRIU_PACKAGES=(binutils dpkg)	# scripts/criu-root: readelf, dpkg-deb
ALL_PACKAGES=("${PACKAGES[@]}" "${BENCH_PACKAGES[@]}" "${CRIU_PACKAGES[@]}")

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Run a stage and report how long it took: stage NAME CMD...
stage() {
	local name=$1 t0=$SECONDS rc=0
	shift
	log "stage $name: start"
	"$@" || rc=$?
	if [ $rc -eq 0 ]; then
		log "stage $name: done in $((SECONDS - t0)) s"
	else
		log "stage $name: FAILED (exit $rc) after $((SECONDS - t0)) s"
	fi
	return $rc
}

# Install the Debian packages the harness needs, or those named; a no-op when all are there.
ensure_packages() {
	local missing=() p
	[ $# -gt 0 ] || set -- "${PACKAGES[@]}"
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}); run as root to install them"
	log "installing: ${missing[*]}"
	apt-get update -qq >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# The URI of the Debian archive where the private apt source lists (other suites: sid,
# trixie-backports) and debootstrap fetch: DEBIAN_MIRROR, or else the machine's archive for
# its own release, from its apt sources (no host is written into the harness).
debian_mirror() {
	local codename f
	[ -z "${DEBIAN_MIRROR:-}" ] || { echo "$DEBIAN_MIRROR"; return 0; }
	codename=$(os_codename)
	for f in Release Codename; do
		# shellcheck disable=SC2016  # apt's field, not a command substitution
		apt-get indextargets --format '$(REPO_URI)' "$f: $codename" "Created-By: Packages" |
			head -n 1 | grep . && return 0
	done
	die "no apt source for $codename: set DEBIAN_MIRROR"
}
# The machine's Debian release: bookworm, ...
os_codename() {
	sed -n 's/^VERSION_CODENAME=//p' /etc/os-release | grep . ||
		die "no VERSION_CODENAME in /etc/os-release"
}

# The 6.12.y release and Debian package version of the base tree, as its commit records them.
base_version() {
	git -C "$BASE_SRC" log -1 --format=%s base
}

# A git worktree of the base repo at DIR, detached at REF; one whose repo is gone is made anew.
ensure_worktree() {
	local dir=$1 ref=$2
	git -C "$dir" rev-parse --git-dir >/dev/null 2>&1 && return 0
	rm -rf "$dir"
	git -C "$BASE_SRC" worktree prune
	git -C "$BASE_SRC" worktree add -q --detach "$dir" "$ref"
}

# Top-level directories of the repo that hold copies of the files the series creates.
COPY_DIRS=(kernel include tools Documentation)

# Files the commits base..HEAD of TREE create under COPY_DIRS.
series_new_files() {
	git -C "$1" diff --name-only --diff-filter=A base HEAD -- "${COPY_DIRS[@]}"
}

# Names in variable VAR (TEST_GEN_PROGS, TEST_GEN_FILES, ...) of TREE's timers selftests Makefile.
timers_make_var() {
	make -s -C "$1/tools/testing/selftests/timers" -f Makefile -f - print-var \
		<<<$'print-var:\n\t@printf "%s\\n" $(notdir $('"$2"'))'
}

# The timers selftests (TEST_GEN_PROGS) TREE's series creates, by name. Each also runs as
# NAME_32, built with -m32, and as NAME_t64, built with -m32 and 64-bit time_t.
series_tests() {
	comm -12 <(series_new_files "$1" |
		   sed -n 's|^tools/testing/selftests/timers/\([^/]*\)\.c$|\1|p' | sort) \
		 <(timers_make_var "$1" TEST_GEN_PROGS | sort)
}

# What every job that boots kernels starts with: the packages, the base tree, the applied
# series, the kernels VARIANT... and the initramfs, each a stage.
prepare_kernels() {
	local v
	stage packages ensure_packages
	stage base-tree "$ROOT/scripts/base-tree"
	log "base: $(base_version)"
	[[ " $* " != *" bench-peer "* ]] || stage peer-tree "$ROOT/scripts/peer-tree"
	stage apply "$ROOT/scripts/apply"
	for v in "$@"; do
		stage "build-$v" "$ROOT/scripts/build" "$v"
	done
	stage initramfs "$ROOT/scripts/initramfs"
}

# The existing timers selftests that create POSIX timers or go through the clocks of
# kernel/time/posix-*.c: what scripts/run runs on base and debug by default, besides the
# series' own tests.
POSIX_TIMER_TESTS=(posix_timers nanosleep set-timer-lat)

# Patches of the series in order, without the cover letter.
series_patches() {
	find "$PATCHES_DIR" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-*' | sort
}
mkdir -p "$LOGS"
