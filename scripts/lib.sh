#!/usr/bin/env bash
# Shared helpers of the harness scripts. Sourced, never run.
#
# Configuration, all optional (README: "Configuration"):
#   PT_BASE          the base a command works on (scripts/kernels: base; the one today is
#                    7.3, the default); the commands' -B BASE sets it
#   PT_BUILD         the build directory (default build/ in the repo)
#   PT_JOBS          make -j (default: nproc)
#   PT_ACCEL         kvm or tcg: skip the accelerator probe (scripts/boot)
#   PT_SMP, PT_MEM   the guest's vCPUs (default 2) and memory (default 2G)
#   PT_TEST_TIMEOUT  seconds a test may run in the guest (default 600)
#   PT_BOOT_TIMEOUT  seconds a boot may take on the host (default 1800)
#   PT_KERNEL_ARGS   more kernel command line for every boot
#   PT_QEMU_ARGS     more QEMU arguments for every boot (words: no quoting)
#   PT_EXTRA_CONFIG  one more config fragment for every kernel build
#   PT_DEBIAN_MIRROR the Debian archive of the private apt source lists (default: the
#                    machine's own, from its apt sources)
#   PT_CRIU_REFRESH  1: scripts/criu-root fetches the suites' current criu packages
#   PT_STRESS_SECONDS  how long scripts/test stresses (default 60)
#   PT_PKGCHECK      scripts/packages-check's chroots (default
#                    /var/cache/posix-timers-harness/pkgcheck)
# For the harness's own checks (scripts/harness-checks): PT_KBUILD, PT_LOGS and PT_PATCHES,
# the kernel output, log and patch directories.
# shellcheck disable=SC2034  # variables are used by the scripts that source this file

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
S=$ROOT/scripts
BUILD=${PT_BUILD:-$ROOT/build}
KBUILD=${PT_KBUILD:-$BUILD/kbuild}	# O= directories, one per variant
LOGS=${PT_LOGS:-$BUILD/logs}
PATCHES_DIR=${PT_PATCHES:-$ROOT/patches}
KERNELS=$S/kernels		# the table of trees and kernel variants
JOBS=${PT_JOBS:-$(nproc)}
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
# clang-19, lld-19 and llvm-19: scripts/robot's clang build (7.3 needs clang 17.0.1 or
# later; bookworm's default clang is 14). With them, the source packages of the trees of
# scripts/kernels (deb:PACKAGE without a suite; the one base of today is downloaded from its
# suite by scripts/tree instead).
PACKAGES=(build-essential bc bison flex libelf-dev libssl-dev
	  cpio gzip xz-utils rsync git python3 python3-ply python3-git perl qemu-system-x86
	  busybox-static shellcheck gcc-multilib sparse coccinelle ocaml libpython3.11
	  ccache clang-19 lld-19 llvm-19 liburcu-dev)
mapfile -t -O ${#PACKAGES[@]} PACKAGES < <(awk '$1 == "tree" && $4 ~ /^deb:[^@]*$/ {
	sub(/^deb:/, "", $4); print $4 }' "$KERNELS")
BENCH_PACKAGES=(gnuplot-nox)	# scripts/bench's chart
CRIU_PACKAGES=(binutils dpkg)	# scripts/criu-root: readelf, dpkg-deb
EXPORT_PACKAGES=(b4)		# scripts/export
DOCS_PACKAGES=(python3-sphinx python3-yaml)	# scripts/htmldocs
ALL_PACKAGES=("${PACKAGES[@]}" "${BENCH_PACKAGES[@]}" "${CRIU_PACKAGES[@]}"
	      "${EXPORT_PACKAGES[@]}" "${DOCS_PACKAGES[@]}")

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# The comment block at the top of the calling script, from its second line to the first line
# that is not a comment: its help.
usage() {
	sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"
	exit "${1:-0}"
}
# The common options: a script's getopts loop hands its unknown options here.
#   -h  help: the script's header
#   -B  the base (PT_BASE), where the script's optstring has 'B:'
bad_option() {
	case $1 in
	h) usage 0 ;;
	B) set_base "$OPTARG" ;;
	*) usage 2 >&2 ;;
	esac
}

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

# --- The table of kernels (scripts/kernels) ---

# The fields after NAME of the line 'KIND NAME ...'; fails when there is none.
table_row() {
	awk -v k="$1" -v n="$2" '$1 == k && $2 == n {
		$1 = $2 = ""; sub(/^ +/, ""); print; found = 1 } END { exit !found }' "$KERNELS" ||
		die "no $1 '$2' in $KERNELS"
}
# Field N (1: the first after NAME) of 'KIND NAME ...'.
table_field() {
	local row
	row=$(table_row "$1" "$2") || exit 1
	awk -v i="$3" '{ print $i }' <<<"$row"
}

tree_dir() {
	local dir
	dir=$(table_field tree "$1" 1) || exit 1
	echo "$BUILD/$dir"
}
tree_source() { table_field tree "$1" 2; }
tree_option() { table_field tree "$1" 3; }
kernel_tree() { table_field kernel "$1" 1; }
kernel_src() {
	local tree
	tree=$(kernel_tree "$1") || exit 1
	tree_dir "$tree"
}
kernel_baseline() { table_field kernel "$1" 3; }
# The config fragments NAME,NAME,... (scripts/config/NAME.config), as paths, in order.
fragment_paths() {
	local f
	for f in ${1//,/ }; do
		echo "$S/config/$f.config"
	done
}
# The config fragments of VARIANT, as paths, in order.
kernel_fragments() {
	local frags
	frags=$(table_field kernel "$1" 2) || exit 1
	fragment_paths "$frags"
}
# Compiler output is cached by ccache, outside the checkout (ccache's own directory), with
# paths taken relative to the checkout: a fresh clone at another path hits the cache. gcc is
# ccache's gcc through PATH, so kbuild's command lines, and with them what a warm O=
# directory rebuilds, stay the same with or without it. (clang goes through CC="ccache ...".)
use_ccache() {
	[ -x /usr/lib/ccache/gcc ] || return 0
	export PATH=/usr/lib/ccache:$PATH CCACHE_BASEDIR=$ROOT CCACHE_NOHASHDIR=1
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-25G}
}
# config_tiny SRC OUT MAKE FRAGMENT...: configure the O= directory OUT of the tree SRC from
# tinyconfig with the fragments merged in order. MAKE is a command (a function) that runs
# make on SRC with O=OUT and the ARCH, and whatever else the caller's builds take.
config_tiny() {
	local src=$1 out=$2 make_cmd=$3
	shift 3
	"$make_cmd" tinyconfig &&
		"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$@" &&
		"$make_cmd" olddefconfig
}
# The options config fragments FILE... ask for, one 'CONFIG_NAME VALUE' a line ('n' for
# '# CONFIG_NAME is not set').
fragment_options() {
	sed -nE -e 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1 \2/p' \
		-e 's/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1 n/p' "$@"
}
# The base tree whose repo TREE is, or hangs off as a worktree (series:, commits:).
tree_repo() {
	local src
	src=$(tree_source "$1") || exit 1
	case $src in
	deb:*)     echo "$1" ;;
	series:* | commits:*) src=${src#*:}; tree_repo "${src%%:*}" ;;
	*)         die "tree $1: unknown source $src" ;;
	esac
}

# --- The base ---

# The bases (scripts/kernels: base) the series is tested on; the first is the default. The
# suffix of each ends the names of its trees, variants and build directories (none for the
# one base of today).
declare -A BASE_SUFFIX=()
BASES=()
read_bases() {
	local b suffix
	while read -r b suffix; do
		[ -z "${BASE_SUFFIX[$b]+set}" ] || die "$KERNELS: base $b twice"
		[ "$suffix" != - ] || suffix=
		BASES+=("$b")
		BASE_SUFFIX[$b]=$suffix
	done < <(awk '$1 == "base" { print $2, $3 }' "$KERNELS")
	[ ${#BASES[@]} -gt 0 ] || die "$KERNELS: no base"
}
read_bases
# NAME's tree, variant or build directory on the current base.
on_base() { echo "$1${BASE_SUFFIX[$BASE]}"; }
# The base VARIANT (or tree) belongs to: the one whose suffix ends its name, else the one
# without a suffix (scripts/py/tables.py checks that there is exactly one).
variant_base() {
	local b
	for b in "${BASES[@]}"; do
		[ -z "${BASE_SUFFIX[$b]}" ] || [[ $1 != *"${BASE_SUFFIX[$b]}" ]] || { echo "$b"; return 0; }
	done
	for b in "${BASES[@]}"; do
		[ -n "${BASE_SUFFIX[$b]}" ] || { echo "$b"; return 0; }
	done
}
# Work on base BASE: the trees most commands talk about, the base and the series applied to
# it, and what hangs off them. Exported: the commands a command runs take the same base.
set_base() {
	local src
	[[ " ${BASES[*]} " == *" $1 "* ]] || die "unknown base '$1' (bases: ${BASES[*]})"
	BASE=$1
	export PT_BASE=$1
	BASE_SRC=$(tree_dir "$(on_base base)")
	SERIES_SRC=$(tree_dir "$(on_base series)")
	src=$(tree_source "$(on_base series)")
	PATCHES_DIR=${PT_PATCHES:-$ROOT/${src##*:}}
	TESTS_OUT=$BUILD/$(on_base tests)	# selftest binaries, the initramfs, tests.list
	DEV_SRC=$BUILD/$(on_base dev)		# worktree for developers: one commit per patch
}

# Make TREE ready: unpack it, or apply the series to its base; once a job.
declare -A PREPARED=()
prepare_tree() {
	local src
	[ -z "${PREPARED[$1]:-}" ] || return 0
	PREPARED[$1]=1
	src=$(tree_source "$1")
	case $src in
	deb:*)    stage "tree-$1" "$S/tree" "$1" ;;
	series:*) src=${src#series:}; prepare_tree "${src%%:*}"; stage "apply-$1" "$S/apply" "$1" ;;
	commits:*) prepare_tree "${src#commits:}" ;;
	esac
}

# What every job that boots kernels starts with: the packages, the trees of the variants,
# the kernels VARIANT... and the initramfs, each a stage.
prepare_kernels() {
	local v t b trees=() bases
	stage packages ensure_packages
	for v in "$@"; do
		t=$(kernel_tree "$v") || exit 1
		[[ " ${trees[*]} " == *" $t "* ]] || trees+=("$t")
	done
	# The initramfs of each base is built from its series tree.
	read -ra bases <<<"$(for v in "$@"; do variant_base "$v"; done | sort -u | xargs)"
	for b in "${bases[@]}"; do
		t=$(BASE=$b on_base series)
		[[ " ${trees[*]} " == *" $t "* ]] || trees+=("$t")
	done
	for t in "${trees[@]}"; do
		prepare_tree "$t"
	done
	for v in "$@"; do
		stage "build-$v" "$S/build" "$v"
	done
	for b in "${bases[@]}"; do
		log "base $b: $(tree_version "$(BASE=$b on_base base)")"
		PT_BASE=$b stage "initramfs-$b" "$S/initramfs"
	done
}

# --- Accelerator, boots and records ---

# The accelerator of this job: PT_ACCEL, or a probe boot of VARIANT (scripts/boot -p).
# Exported, so that every boot of the job uses it.
job_accel() {
	PT_ACCEL=${PT_ACCEL:-$("$S/boot" -p "$1")}
	export PT_ACCEL
}

# A record of the job that made the logs: record_start JOB [KEY=VALUE...] writes
# $LOGS/record-JOB.txt; record_end JOB RESULT adds the result and keeps a copy under
# $BUILD/records/. scripts/verdict prints it with the verdict. The series and the base are
# the current base's, unless a KEY=VALUE gives them.
record_start() {
	local job=$1 f=$LOGS/record-$1.txt dirty='' kv series base
	local -a rest=()
	shift
	series="series=$(series_hash)"
	base="base=$(base_version)"
	for kv in "$@"; do
		case $kv in
		series=*) series=$kv ;;
		base=*) base=$kv ;;
		*) rest+=("$kv") ;;
		esac
	done
	[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ] ||
		dirty=" (with uncommitted changes)"
	{
		echo "job=$job"
		echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "harness=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty"
		printf '%s\n' "$series" "$base" "${rest[@]}"
	} >"$f"
}
record_end() {
	local f=$LOGS/record-$1.txt
	echo "result=$2" >>"$f"
	echo "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$f"
	mkdir -p "$BUILD/records"
	cp "$f" "$BUILD/records/$(date -u +%Y%m%dT%H%M%SZ)-$1.txt"
}

# --- Packages ---

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
# trixie-backports) and debootstrap fetch: PT_DEBIAN_MIRROR, or else the machine's archive
# for its own release, from its apt sources (no host is written into the harness).
debian_mirror() {
	local codename f
	[ -z "${PT_DEBIAN_MIRROR:-}" ] || { echo "$PT_DEBIAN_MIRROR"; return 0; }
	codename=$(os_codename)
	for f in Release Codename; do
		# shellcheck disable=SC2016  # apt's field, not a command substitution
		apt-get indextargets --format '$(REPO_URI)' "$f: $codename" "Created-By: Packages" |
			head -n 1 | grep . && return 0
	done
	die "no apt source for $codename: set PT_DEBIAN_MIRROR"
}
# The machine's Debian release: bookworm, ...
os_codename() {
	sed -n 's/^VERSION_CODENAME=//p' /etc/os-release | grep . ||
		die "no VERSION_CODENAME in /etc/os-release"
}

# --- Trees and the series ---

# The release and Debian package version of a deb: TREE, as its base commit records them.
tree_version() {
	git -C "$(tree_dir "$1")" log -1 --format=%s base
}
# The version of the current base, or 'unknown' before its tree is unpacked.
base_version() { tree_version "$(on_base base)" 2>/dev/null || echo unknown; }

# A git worktree of TREE's repo at DIR, detached at REF; one whose repo is gone is made anew.
ensure_worktree() {
	local repo dir=$2 ref=$3
	repo=$(tree_dir "$(tree_repo "$1")")
	git -C "$dir" rev-parse --git-dir >/dev/null 2>&1 && return 0
	rm -rf "$dir"
	git -C "$repo" worktree prune
	git -C "$repo" worktree add -q --detach "$dir" "$ref"
}

# Top-level directories of the repo that hold copies of the files the series creates.
COPY_DIRS=(kernel include tools Documentation)

# Files the commits base..HEAD of TREE (a directory) create under COPY_DIRS.
series_new_files() {
	git -C "$1" diff --name-only --diff-filter=A base HEAD -- "${COPY_DIRS[@]}"
}

# Names in variable VAR (TEST_GEN_PROGS, TEST_GEN_FILES, ...) of DIR's timers selftests
# Makefile.
timers_make_var() {
	make -s -C "$1/tools/testing/selftests/timers" -f Makefile -f - print-var \
		<<<$'print-var:\n\t@printf "%s\\n" $(notdir $('"$2"'))'
}

# The timers selftests (TEST_GEN_PROGS) the series in DIR creates, by name.
series_tests() {
	comm -12 <(series_new_files "$1" |
		   sed -n 's|^tools/testing/selftests/timers/\([^/]*\)\.c$|\1|p' | sort) \
		 <(timers_make_var "$1" TEST_GEN_PROGS | sort)
}

# Patches of the series in order, without the cover letter.
series_patches() {
	find "$PATCHES_DIR" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-*' | sort
}
# A short hash of the patches' content, and their count: which series a log comes from.
series_hash() {
	local patches
	mapfile -t patches < <(series_patches)
	echo "$(cat /dev/null "${patches[@]}" | sha256sum | cut -c1-12) (${#patches[@]} patches)"
}

# plan_tests ARRAY JOB VARIANT [OPTION...]: the tests to boot for JOB on VARIANT into ARRAY,
# one an element, 'NAME [ARGS...]', as scripts/verdict plan chooses them from the test list
# (more options go to it). Exits when it fails.
plan_tests() {
	local -n tests_=$1
	local out
	out=$("$S/verdict" plan --job "$2" --variant "$3" "${@:4}") || exit 1
	tests_=()
	[ -z "$out" ] || mapfile -t tests_ <<<"$out"
}
set_base "${PT_BASE:-${BASES[0]}}"
mkdir -p "$LOGS"
