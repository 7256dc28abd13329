#!/usr/bin/env bash
# Build (or reuse) the git-spec benchmark fixture.
#
#   bench/make-repo.sh [--rebuild]
#
# Env: SPECS (10000) BRANCHES (1000) REMOTES (1000) BENCH_FIXTURE_ROOT
#      (default: <crate>/target/bench-fixture).
# Prints the path of the fixture's working tree on stdout (last line).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CRATE_DIR=$(dirname "$BENCH_DIR")
SPECS=${SPECS:-10000}
BRANCHES=${BRANCHES:-1000}
REMOTES=${REMOTES:-1000}
FIXTURE_ROOT=${BENCH_FIXTURE_ROOT:-$CRATE_DIR/target/bench-fixture}
# Bump when fast_import_stream.py changes what it writes, so that a fixture
# cached by an older version is not reused. v2: statuses recorded in the
# changelog (the fixture passes `git spec check`), realistic bodies.
FIXTURE_VERSION=v2
FIXTURE_DIR=$FIXTURE_ROOT/s$SPECS-b$BRANCHES-r$REMOTES-$FIXTURE_VERSION
REPO=$FIXTURE_DIR/repo
ORIGIN=$FIXTURE_DIR/origin.git
STAMP=$FIXTURE_DIR/.complete

rebuild=0
for arg in "$@"; do
    case $arg in
        --rebuild) rebuild=1 ;;
        -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "make-repo.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

# Isolate git from the machine's configuration (also done by run.sh).
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CEILING_DIRECTORIES
if [[ -z ${BENCH_HOME:-} ]]; then
    BENCH_HOME=$(mktemp -d "${TMPDIR:-/tmp}/git-spec-bench-home.XXXXXX")
    trap 'rm -rf "$BENCH_HOME"' EXIT
fi
export HOME=$BENCH_HOME

log() { echo "make-repo: $*" >&2; }

if [[ $rebuild -eq 0 && -f $STAMP ]]; then
    log "reusing $FIXTURE_DIR (built: $(cat "$STAMP"))"
    echo "$REPO"
    exit 0
fi

log "building $FIXTURE_DIR (SPECS=$SPECS BRANCHES=$BRANCHES REMOTES=$REMOTES)"
start=$(date +%s.%N)
rm -rf "$FIXTURE_DIR"
mkdir -p "$FIXTURE_DIR"

git init -q --bare -b main "$ORIGIN"
git init -q -b main "$REPO"
git -C "$REPO" config user.name "Bench User"
git -C "$REPO" config user.email "bench@example.invalid"
git -C "$REPO" config remote.origin.url "$ORIGIN"
git -C "$REPO" config remote.origin.fetch '+refs/heads/*:refs/remotes/origin/*'
git -C "$REPO" config branch.main.remote origin
git -C "$REPO" config branch.main.merge refs/heads/main
# No background maintenance while timing.
git -C "$REPO" config gc.auto 0
git -C "$REPO" config maintenance.auto false

python3 "$BENCH_DIR/fast_import_stream.py" "$SPECS" "$BRANCHES" "$REMOTES" \
    | git -C "$REPO" fast-import --done --quiet
git -C "$REPO" symbolic-ref refs/remotes/origin/HEAD refs/remotes/origin/main
# A clone's realistic state: everything packed.
git -C "$REPO" repack -adq
git -C "$REPO" pack-refs --all
git -C "$REPO" prune-packed
# Check out main into the working tree (HEAD already points at refs/heads/main).
git -C "$REPO" reset -q --hard main
# Flush the new pack and working tree (~100 MB) now, so that their writeback
# does not overlap the first timed runs.
sync

end=$(date +%s.%N)
secs=$(python3 -c "print(f'{$end - $start:.1f}')")
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) in ${secs}s" > "$STAMP"
log "built in ${secs}s"
echo "$REPO"
