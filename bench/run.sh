#!/usr/bin/env bash
# git-spec benchmark.
#
#   bench/run.sh [--rebuild] [--no-build] [--tool hyperfine|python] [SCENARIO...]
#
# Scenarios (default: all, in this order):
#   new-first   `git spec new "Benchmark spec"` with .git/git-spec/ deleted
#               before every run (cold tool cache, warm OS page cache)
#   new-warm    the same with the tool's cache in place
#   list-json   `git spec list --format json` (all SPECS specs of main)
#   mcp-list    the round trip of the MCP tool call spec_list (the same list)
#               to one running `git spec mcp` (bench/mcp_roundtrip.py)
#   check-wt    `git spec check --working-tree-only`
#   check       `git spec check` (id collisions against every branch; warm cache)
#   check-first the same with .git/git-spec/check-cache deleted before every run
#   check-memory  peak memory (most resident memory, bench/peak_rss.py) of
#               `git spec check`, warm and with .git/git-spec deleted, beside
#               `git spec --version` (the program alone)
#   hook-nospec the pre-commit hook on a commit that touches no spec
#   show        `git spec show 42` (one spec: front matter, changelog, relations)
#   status      `git spec status 42` (read only: the status and the next ones)
#   log         `git spec log 42` (the spec's status history from git)
#   list-all    `git spec list --all-branches --format json` (main and every branch)
#   check-history  `git spec check --history` over a separate fixture of
#               HISTORY_COMMITS status steps (history_stream.py), beside the
#               baseline `git log -p -- specs` in the same run; and
#               check-history-pr, the range HEAD~100..HEAD a pull request checks
#   board       `git spec board` (all SPECS specs of main, with their status
#               timelines) into spec-board/, over the board of the run before
#               (a page that did not change is left as it is)
#   board-first the same into a new folder each run (BOARD_RUNS runs; the
#               folders are deleted after the scenario, not between runs)
#
# Baselines, timed in the same run right before the first scenario that is
# compared with them (the summary prints each scenario's ratio to its own):
#   git-for-each-ref  `git for-each-ref` (new-first, new-warm, list-all)
#   grep-status       `grep -h '^status:' specs/*.md` (list-json, check-wt, check);
#                     past 20,000 specs `grep -rh --include=*.md '^status:' specs`
#                     (a command line cannot hold the names)
#   cat-one           `cat specs/0042-*.md` (show, status, log)
#   git-status        `git status --porcelain -- specs` (before show: the
#                     cost of one lstat of every spec, which git's index
#                     needs as an exact lookup by id does)
#
# Environment:
#   SPECS=10000 BRANCHES=1000 REMOTES=1000   fixture size (see make-repo.sh)
#   HISTORY_SPECS=1000 HISTORY_COMMITS=3000  size of the check-history fixture
#   GIT_SPEC_BIN=path      binary to time (default: cargo build --release,
#                          then target/release/git-spec)
#   COLD_RUNS=5 WARM_RUNS=30 BOARD_RUNS=10   timed runs per scenario
#                          (COLD: new-first, check-first; BOARD: board,
#                          board-first;
#                          WARM: the others)
#   MEMORY_RUNS=5                            runs of each check-memory row
#   BENCH_TOOL=hyperfine|python              default: hyperfine if installed
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CRATE_DIR=$(dirname "$BENCH_DIR")
export SPECS=${SPECS:-10000} BRANCHES=${BRANCHES:-1000} REMOTES=${REMOTES:-1000}
COLD_RUNS=${COLD_RUNS:-5}
WARM_RUNS=${WARM_RUNS:-30}
BOARD_RUNS=${BOARD_RUNS:-10}

rebuild=0 build=1 scenarios=()
TOOL=${BENCH_TOOL:-}
while [[ $# -gt 0 ]]; do
    case $1 in
        --rebuild) rebuild=1 ;;
        --no-build) build=0 ;;
        --tool) TOOL=$2; shift ;;
        --tool=*) TOOL=${1#--tool=} ;;
        -h|--help) sed -n '2,53p' "${BASH_SOURCE[0]}"; exit 0 ;;
        -*) echo "run.sh: unknown option: $1" >&2; exit 2 ;;
        *) scenarios+=("$1") ;;
    esac
    shift
done
[[ ${#scenarios[@]} -gt 0 ]] || scenarios=(new-first new-warm list-json mcp-list check-wt check check-first check-memory hook-nospec show status log list-all check-history board board-first)
if [[ -z $TOOL ]]; then
    if command -v hyperfine >/dev/null; then TOOL=hyperfine; else TOOL=python; fi
fi
case $TOOL in hyperfine|python) ;; *) echo "run.sh: --tool must be hyperfine or python" >&2; exit 2 ;; esac

log() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }

# --- 1. binary (built with the real HOME, so cargo and rustup find their files)
if [[ -n ${GIT_SPEC_BIN:-} ]]; then
    BIN=$(command -v "$GIT_SPEC_BIN" || true)
    [[ -n $BIN ]] || die "GIT_SPEC_BIN=$GIT_SPEC_BIN not found"
    BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
else
    if [[ $build -eq 1 ]]; then
        log "cargo build --release"
        (cd "$CRATE_DIR" && cargo build --release --quiet)
    fi
    BIN=${CARGO_TARGET_DIR:-$CRATE_DIR/target}/release/git-spec
fi
[[ -x $BIN ]] || die "binary not found or not executable: $BIN"

# --- 2. isolation from the machine's git configuration
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CEILING_DIRECTORIES \
      GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT
BENCH_HOME=$(mktemp -d "${TMPDIR:-/tmp}/git-spec-bench-home.XXXXXX")
STATE=$(mktemp -d "${TMPDIR:-/tmp}/git-spec-bench-state.XXXXXX")
export HOME=$BENCH_HOME BENCH_HOME

# --- 3. fixture
if [[ $rebuild -eq 1 ]]; then
    REPO=$("$BENCH_DIR/make-repo.sh" --rebuild | tail -n 1)
else
    REPO=$("$BENCH_DIR/make-repo.sh" | tail -n 1)
fi
ORIGIN=$(dirname "$REPO")/origin.git
CACHE_DIR=$REPO/.git/git-spec
NEXT_ID=$((SPECS + BRANCHES + REMOTES + 1))
ID=$(printf '%04d' "$NEXT_ID")
NEW_TITLE="Benchmark spec"
NEW_BRANCH=spec/$ID-benchmark-spec
NEW_FILE=specs/$ID-benchmark-spec.md
# The one spec that show, status and log ask for (and cat-one reads).
ONE=$(( SPECS >= 42 ? 42 : 1 ))
ONE_FILE=$(cd "$REPO" && printf '%s\n' specs/"$(printf '%04d' "$ONE")"-*.md | head -n 1)
[[ -f $REPO/$ONE_FILE ]] || die "no spec $ONE in the fixture ($ONE_FILE)"
RESULTS=${CARGO_TARGET_DIR:-$CRATE_DIR/target}/bench-results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$RESULTS"

# Untimed helper scripts, shared by hyperfine and the python fallback.
# reset.sh: back to the fixture's state (HEAD on main, no new branch/file,
# nothing pushed to origin); with argument "cold", also drop the tool's cache,
# with "check-cold" only the cache of `git spec check`. It writes only what
# differs (an unconditional `git reset` rewrites the 1 MB index every time)
# and syncs, so that no writeback of its own overlaps the timed command.
cat > "$STATE/reset.sh" <<EOS
set -euo pipefail
cd $(printf %q "$REPO")
[[ \$(git symbolic-ref -q HEAD) == refs/heads/main ]] || git symbolic-ref HEAD refs/heads/main
git diff-index --quiet --cached HEAD -- || git reset -q
rm -f specs/$ID-*.md
if git rev-parse -q --verify refs/heads/$NEW_BRANCH >/dev/null; then
    git update-ref -d refs/heads/$NEW_BRANCH
fi
git -C $(printf %q "$ORIGIN") for-each-ref --format='delete %(refname)' > $(printf %q "$STATE/origin-refs")
if [[ -s $(printf %q "$STATE/origin-refs") ]]; then
    git -C $(printf %q "$ORIGIN") update-ref --stdin < $(printf %q "$STATE/origin-refs")
fi
case \${1:-} in
    cold) rm -rf .git/git-spec ;;
    check-cold) rm -f .git/git-spec/check-cache ;;
esac
sync
EOS
# verify-new.sh: the run did what `git spec new` must do.
cat > "$STATE/verify-new.sh" <<EOS
set -euo pipefail
cd $(printf %q "$REPO")
fail() { echo "bench: verify failed: \$*" >&2; exit 1; }
[[ -f $NEW_FILE ]] || fail "$NEW_FILE was not created"
head=\$(git symbolic-ref -q HEAD) || fail "HEAD is detached"
[[ \$head == refs/heads/$NEW_BRANCH ]] || fail "HEAD is \$head, expected refs/heads/$NEW_BRANCH"
[[ \$(git rev-parse -q --verify refs/heads/$NEW_BRANCH) == \$(git rev-parse refs/heads/main) ]] \
    || fail "$NEW_BRANCH does not point at main"
grep -Eq '^spec-id:.*[^0-9]0*$NEXT_ID"?\s*$' $NEW_FILE || fail "$NEW_FILE has no spec-id $NEXT_ID"
EOS
: > "$STATE/verify-none.sh"
# verify-check-cache.sh: `git spec check` (re)wrote its cache of branch trees.
cat > "$STATE/verify-check-cache.sh" <<EOS
set -euo pipefail
[[ -s $(printf %q "$CACHE_DIR/check-cache") ]] \
    || { echo "bench: verify failed: no $CACHE_DIR/check-cache after git spec check" >&2; exit 1; }
EOS

# verify-board.sh [DIR]: the board (default spec-board, else the newest
# folder matching DIR) holds a card and a page for every spec.
cat > "$STATE/verify-board.sh" <<EOS
set -euo pipefail
cd $(printf %q "$REPO")
fail() { echo "bench: verify failed: \$*" >&2; exit 1; }
dir=\$(ls -1dt \${1:-spec-board} 2>/dev/null | head -n 1)
[[ -n \$dir && -f \$dir/index.html ]] || fail "no \${1:-spec-board}/index.html"
cards=\$(grep -o '<li class="card ' "\$dir/index.html" | wc -l)
[[ \$cards -eq $SPECS ]] || fail "\$cards cards on the board, expected $SPECS"
pages=\$(find "\$dir" -name 'SPEC-*.html' | wc -l)
[[ \$pages -eq $SPECS ]] || fail "\$pages spec pages, expected $SPECS"
EOS
echo "bash $(printf %q "$STATE/verify-board.sh") 'board-first-*'" > "$STATE/verify-board-first.sh"
# board-first.sh: `git spec board` into a folder no run used before.
cat > "$STATE/board-first.sh" <<EOS
exec $(printf %q "$BIN") board --out "board-first-\$(date +%s%N)"
EOS

cleanup() {
    local rc=$?
    if [[ -d $REPO ]]; then
        bash "$STATE/reset.sh" cold >/dev/null 2>&1 || true
        rm -rf "$REPO"/spec-board "$REPO"/board-first-*
    fi
    rm -rf "$BENCH_HOME" "$STATE"
    exit $rc
}
trap cleanup EXIT

# --- 4. timing harness
# measure NAME RUNS WARMUP PREPARE_ARGS VERIFY_SCRIPT -- CMD...
#   PREPARE_ARGS: argument for reset.sh ("", "cold" or "check-cold"). Every run, warmups
#   included, starts from reset.sh; VERIFY_SCRIPT must succeed after every run.
measure() {
    local name=$1 runs=$2 warmup=$3 prep_arg=$4 verify=$5
    shift 6
    local json=$RESULTS/$name.json
    log "scenario $name: $runs runs ($warmup warmup) with $TOOL"
    bash "$STATE/reset.sh" "$prep_arg"
    (
        cd "${MEASURE_DIR:-$REPO}"
        if [[ $TOOL == hyperfine ]]; then
            # hyperfine has no per-run hook after the command (before 1.18), so
            # the prepare step verifies the previous run before resetting; the
            # last run is verified below.
            local marker=$STATE/$name.ran
            rm -f "$marker"
            cat > "$STATE/$name.prepare.sh" <<EOS
set -euo pipefail
if [[ -e $marker ]]; then bash $STATE/$verify 2>$STATE/$name.verify.log; fi
bash $STATE/reset.sh $prep_arg
touch $marker
EOS
            # A command longer than one argument may be (the grep of
            # 10,000 files) is given to a shell as typed, with its glob;
            # hyperfine subtracts the shell's own start-up.
            local shell=(-N) command
            command=$(printf '%q ' "$@")
            if [[ -n ${MEASURE_SHELL_COMMAND:-} ]]; then
                shell=(--shell=bash)
                command=$MEASURE_SHELL_COMMAND
            fi
            if ! hyperfine "${shell[@]}" --runs "$runs" --warmup "$warmup" \
                    --prepare "bash $STATE/$name.prepare.sh" \
                    --export-json "$json" --command-name "$name" \
                    -- "$command"; then
                cat "$STATE/$name.verify.log" >&2 2>/dev/null || true
                die "scenario $name failed"
            fi
            bash "$STATE/$verify"
        else
            python3 "$BENCH_DIR/timeit.py" --runs "$runs" --warmup "$warmup" \
                --prepare "bash $STATE/reset.sh $prep_arg" --verify "bash $STATE/$verify" \
                --export-json "$json" --name "$name" -- "$@"
        fi
    )
}

# Scenarios: one function each; the target (ms) goes into $RESULTS/targets.
# target NAME MS [BASELINE MAX_RATIO]: MAX_RATIO (or -) is the issue's
# target for NAME's median over BASELINE's, both from this run.
target() { echo "$1 $2 ${3:--} ${4:--}" >> "$RESULTS/targets"; }

# baseline NAME: times the baseline NAME once per run, before the first
# scenario compared with it, so that both come from the same minutes of a
# noisy machine. The commands are what a script would run for the same
# answer: git's own ref listing, a grep of every spec's status line, a cat
# of the one spec asked for (the glob is expanded here, not in a shell).
SPEC_FILES=()
baseline() {
    local name=$1
    [[ -e $STATE/baseline-$name ]] && return 0
    touch "$STATE/baseline-$name"
    target "$name" -
    case $name in
        git-for-each-ref)
            measure "$name" "$WARM_RUNS" 3 "" verify-none.sh -- git for-each-ref ;;
        grep-status)
            # Listed from the fixture's own state (a scenario before may
            # have left its new spec).
            bash "$STATE/reset.sh"
            [[ ${#SPEC_FILES[@]} -gt 0 ]] || mapfile -t SPEC_FILES < <(cd "$REPO" && printf '%s\n' specs/*.md)
            if [[ ${#SPEC_FILES[@]} -le 20000 ]]; then
                MEASURE_SHELL_COMMAND="grep -h '^status:' specs/*.md" \
                    measure "$name" "$WARM_RUNS" 3 "" verify-none.sh -- grep -h '^status:' "${SPEC_FILES[@]}"
            else
                # 100,000 names are more than one command line holds (the
                # shell's glob fails too): the same files, found by grep.
                log "grep-status: $((${#SPEC_FILES[@]})) files, so grep -r --include='*.md' instead of the glob"
                measure "$name" "$WARM_RUNS" 3 "" verify-none.sh -- grep -rh --include=*.md '^status:' specs
            fi ;;
        cat-one)
            measure "$name" "$WARM_RUNS" 3 "" verify-none.sh -- cat "$ONE_FILE" ;;
        git-status)
            # Whether any spec changed since the index was written: one
            # lstat of every file, as an exact answer by id needs.
            bash "$STATE/reset.sh"
            measure "$name" "$WARM_RUNS" 3 "" verify-none.sh -- git status --porcelain -- specs ;;
        *) die "unknown baseline: $name" ;;
    esac
}

scenario_new_first() {
    baseline git-for-each-ref
    target new-first 100 git-for-each-ref
    measure new-first "$COLD_RUNS" 1 cold verify-new.sh -- "$BIN" new "$NEW_TITLE"
}

scenario_new_warm() {
    baseline git-for-each-ref
    target new-warm 30 git-for-each-ref 1.2
    measure new-warm "$WARM_RUNS" 3 "" verify-new.sh -- "$BIN" new "$NEW_TITLE"
    [[ -d $CACHE_DIR ]] || log "note: no cache at $CACHE_DIR after new-warm"
}

# Read-only scenarios: before timing, one untimed run from the same state
# must exit 0 and print what the fixture implies (sanity_run); every timed
# run must exit 0 (hyperfine and timeit.py abort otherwise).
#
# sanity_run NAME PREPARE_ARG CHECK -- CMD...: run CMD in the fixture after
# reset.sh PREPARE_ARG, fail unless it exits 0; CHECK is python code that
# sees `out` and `err` (the output, str) and `specs` (SPECS), and raises
# (assert) if the output is wrong.
sanity_run() {
    local name=$1 prep_arg=$2 check=$3 rc=0
    shift 4
    bash "$STATE/reset.sh" "$prep_arg"
    (cd "${MEASURE_DIR:-$REPO}" && "$@") > "$STATE/$name.out" 2> "$STATE/$name.err" || rc=$?
    if [[ $rc -ne 0 ]]; then
        head -n 20 "$STATE/$name.out" "$STATE/$name.err" >&2
        die "scenario $name: '$*' exited $rc"
    fi
    python3 - "$STATE/$name.out" "$STATE/$name.err" "$SPECS" "$check" <<'EOF' || die "scenario $name: unexpected output of '$*'"
import sys
out = open(sys.argv[1]).read()
err = open(sys.argv[2]).read()
specs = int(sys.argv[3])
exec(sys.argv[4])
EOF
    log "scenario $name: sanity check passed"
}

# Every spec of main, once, in id order, none from another branch.
LIST_JSON_CHECK='
import json
items = json.loads(out)
assert isinstance(items, list), "not a JSON array"
assert len(items) == specs, f"{len(items)} specs listed, expected {specs}"
assert [i["number"] for i in items] == list(range(1, specs + 1)), "numbers are not 1..SPECS"
assert all(i["branch"] is None for i in items), "a spec from another branch"
assert all(i["status"] and i["created"] <= i["updated"] for i in items), "bad status or dates"
'
# No finding on stdout; the summary on stderr counts every spec.
CHECK_CLEAN='
assert out == "", "findings:\n" + out[:2000]
assert str(specs) in err, "summary does not count the specs: " + err
'

scenario_list_json() {
    baseline grep-status
    target list-json 100 grep-status 0.6
    sanity_run list-json "" "$LIST_JSON_CHECK" -- "$BIN" list --format json
    measure list-json "$WARM_RUNS" 3 "" verify-none.sh -- "$BIN" list --format json
}

# The same list through the MCP server: one `git spec mcp` serves every
# call, so what is timed is a tools/call round trip (request written to
# response read), not a process start. The answer must list every spec.
scenario_mcp_list() {
    target mcp-list -
    bash "$STATE/reset.sh"
    log "scenario mcp-list: $WARM_RUNS calls (3 warmup) over one session"
    (cd "$REPO" && python3 "$BENCH_DIR/mcp_roundtrip.py" --runs "$WARM_RUNS" --warmup 3 \
        --export-json "$RESULTS/mcp-list.json" --name mcp-list --specs "$SPECS" -- "$BIN") \
        || die "scenario mcp-list failed"
}

# The pre-commit hook when the commit touches no spec: it must not scan the
# 10,000 specs (the diff of HEAD against the index is limited to specs/ and
# compares ids only).
scenario_hook_nospec() {
    target hook-nospec 100
    sanity_run hook-nospec "" "assert out == '' and err == '', (out, err)" -- "$BIN" hook run pre-commit
    measure hook-nospec "$WARM_RUNS" 3 "" verify-none.sh -- "$BIN" hook run pre-commit
}

scenario_check_wt() {
    baseline grep-status
    target check-wt 200 grep-status
    sanity_run check-wt "" "$CHECK_CLEAN" -- "$BIN" check --working-tree-only
    measure check-wt "$WARM_RUNS" 3 "" verify-none.sh -- "$BIN" check --working-tree-only
}

# check_collision_detected: a branch that adds another spec numbered 1 must
# make `git spec check` fail with an id-collision, so the check scenarios
# time a check that really reads the branches. The branch is deleted after.
check_collision_detected() {
    local ref=refs/heads/bench-collision tmp_index=$STATE/collision.index rc=0
    bash "$STATE/reset.sh"
    (
        cd "$REPO"
        blob=$(printf -- '---\nspec-id: SPEC-0001\ntitle: Collision\nstatus: draft\npriority: low\nowner: Bench\ncreated: 2025-01-01\nupdated: 2025-01-01\ntags: []\n---\n' \
            | git hash-object -w --stdin)
        GIT_INDEX_FILE=$tmp_index git read-tree main
        GIT_INDEX_FILE=$tmp_index git update-index --add --cacheinfo "100644,$blob,specs/0001-collision.md"
        tree=$(GIT_INDEX_FILE=$tmp_index git write-tree)
        commit=$(git commit-tree -p main -m "bench: collision" "$tree")
        git update-ref "$ref" "$commit"
    )
    (cd "$REPO" && "$BIN" check) > "$STATE/collision.out" 2>&1 || rc=$?
    git -C "$REPO" update-ref -d "$ref"
    rm -f "$tmp_index"
    if [[ $rc -ne 1 ]] || ! grep -q 'id-collision' "$STATE/collision.out"; then
        head -n 20 "$STATE/collision.out" >&2
        die "git spec check (exit $rc) missed an id collision planted on $ref"
    fi
    log "git spec check finds an id collision planted on a branch"
}

scenario_check() {
    baseline grep-status
    target check - grep-status 1.0
    check_collision_detected
    sanity_run check "" "$CHECK_CLEAN" -- "$BIN" check
    measure check "$WARM_RUNS" 3 "" verify-check-cache.sh -- "$BIN" check
}

scenario_check_first() {
    target check-first -
    sanity_run check-first check-cold "$CHECK_CLEAN" -- "$BIN" check
    measure check-first "$COLD_RUNS" 1 check-cold verify-check-cache.sh -- "$BIN" check
}

# Peak memory (resident set size, the most over the runs) of `git spec
# check` with its caches in place and with none (.git/git-spec deleted),
# and of `git spec --version` (the floor: the program itself). Printed
# in their own table below the timings.
scenario_check_memory() {
    local runs=${MEMORY_RUNS:-5}
    log "scenario check-memory: $runs runs each"
    bash "$STATE/reset.sh"
    (cd "$REPO" && "$BIN" check >/dev/null 2>&1) || die "git spec check failed"
    local out=$RESULTS/memory
    (cd "$REPO" && python3 "$BENCH_DIR/peak_rss.py" --runs "$runs" --name version \
        --out "$out" -- "$BIN" --version) || die "scenario check-memory failed"
    (cd "$REPO" && python3 "$BENCH_DIR/peak_rss.py" --runs "$runs" --name check-warm \
        --prepare "bash $STATE/reset.sh" --out "$out" -- "$BIN" check) || die "scenario check-memory failed"
    (cd "$REPO" && python3 "$BENCH_DIR/peak_rss.py" --runs "$runs" --name check-first \
        --prepare "bash $STATE/reset.sh cold" --out "$out" -- "$BIN" check) || die "scenario check-memory failed"
}

# One spec found by its number, as a person types it. Each must print that
# spec, so the timed run really found it.
scenario_show() {
    baseline cat-one
    baseline git-status
    target show 15 cat-one
    sanity_run show "" "assert 'ID:       SPEC-$(printf '%04d' "$ONE")' in out, out[:500]" -- "$BIN" show "$ONE"
    measure show "$WARM_RUNS" 3 "" verify-none.sh -- "$BIN" show "$ONE"
}

scenario_status() {
    baseline cat-one
    target status 15 cat-one
    sanity_run status "" "assert 'SPEC-$(printf '%04d' "$ONE")' in out + err, (out, err)" -- "$BIN" status "$ONE"
    measure status "$WARM_RUNS" 3 "" verify-none.sh -- "$BIN" status "$ONE"
}

scenario_log() {
    baseline cat-one
    target log 15 cat-one
    sanity_run log "" "assert out.strip(), 'no history'" -- "$BIN" log "$ONE"
    measure log "$WARM_RUNS" 3 "" verify-none.sh -- "$BIN" log "$ONE"
}

# Every spec of main and of every branch: main's once each, plus the one
# each side branch and remote-tracking ref adds.
LIST_ALL_CHECK='
import json, os
items = json.loads(out)
extra = int(os.environ["BRANCHES"]) + int(os.environ["REMOTES"])
on_main = [i for i in items if i["branch"] is None]
assert len(on_main) == specs, f"{len(on_main)} specs of the working tree, expected {specs}"
assert len(items) - len(on_main) == extra, f"{len(items) - len(on_main)} from branches, expected {extra}"
'
scenario_list_all() {
    baseline git-for-each-ref
    target list-all 200 git-for-each-ref
    sanity_run list-all "" "$LIST_ALL_CHECK" -- "$BIN" list --all-branches --format json
    measure list-all "$WARM_RUNS" 3 "" verify-none.sh -- "$BIN" list --all-branches --format json
}

# The history fixture: one repository, built once and cached like the main
# one (bump the -v suffix when history_stream.py changes what it writes).
HISTORY_SPECS=${HISTORY_SPECS:-1000} HISTORY_COMMITS=${HISTORY_COMMITS:-3000}
history_repo() {
    local dir=${BENCH_FIXTURE_ROOT:-$CRATE_DIR/target/bench-fixture}/history-s$HISTORY_SPECS-c$HISTORY_COMMITS-v1
    if [[ ! -f $dir/.complete ]]; then
        log "building the history fixture $dir"
        rm -rf "$dir" && mkdir -p "$dir"
        git init -q -b main "$dir/repo"
        python3 "$BENCH_DIR/history_stream.py" "$HISTORY_SPECS" "$HISTORY_COMMITS" \
            | git -C "$dir/repo" fast-import --quiet
        git -C "$dir/repo" reset -q --hard main
        git -C "$dir/repo" repack -adq
        sync
        date -u +%FT%TZ > "$dir/.complete"
    fi
    echo "$dir/repo"
}

# Every commit checked, nothing found.
HISTORY_CLEAN='
import os
commits = int(os.environ["HISTORY_COMMITS"]) + 1
assert out == "", "findings:\n" + out[:2000]
assert f"{commits} commits OK" in err, "summary does not count the commits: " + err
'

scenario_check_history() {
    local repo
    repo=$(history_repo)
    export HISTORY_COMMITS
    target check-history 1000 git-log-p
    MEASURE_DIR=$repo sanity_run check-history "" "$HISTORY_CLEAN" -- "$BIN" check --history
    MEASURE_DIR=$repo measure check-history "$WARM_RUNS" 3 "" verify-none.sh -- "$BIN" check --history
    target git-log-p -
    MEASURE_DIR=$repo measure git-log-p "$WARM_RUNS" 3 "" verify-none.sh -- git log -p -- specs
    target check-history-pr 100
    MEASURE_DIR=$repo sanity_run check-history-pr "" "assert out == '' and '100 commits OK' in err, err" \
        -- "$BIN" check --history HEAD~100..HEAD
    MEASURE_DIR=$repo measure check-history-pr "$WARM_RUNS" 3 "" verify-none.sh -- "$BIN" check --history HEAD~100..HEAD
}

# The board of main's specs: every spec, its page with the status timeline
# (one history walk for all of them), written into spec-board/.
scenario_board() {
    target board 2000
    sanity_run board "" "assert f'{specs} specs' in out, out" -- "$BIN" board
    bash "$STATE/verify-board.sh"
    measure board "$BOARD_RUNS" 1 "" verify-board.sh -- "$BIN" board
}

# A board written from nothing, as in a fresh CI checkout. Deleting 10,000
# files just before creating 10,000 slows ext4's inode allocation for a
# while (it skips recently freed inodes), so the folders are kept until the
# scenario ends.
scenario_board_first() {
    target board-first 2000
    measure board-first "$BOARD_RUNS" 1 "" verify-board-first.sh -- bash "$STATE/board-first.sh"
    rm -rf "$REPO"/board-first-*
}

# --- 5. run
(cd "$REPO" && "$BIN" new --help >/dev/null 2>&1) \
    || die "'$BIN new --help' fails: is 'git spec new' implemented?"
log "binary: $BIN"
log "fixture: $REPO (next id $NEXT_ID)"
for s in "${scenarios[@]}"; do
    fn=scenario_${s//-/_}
    declare -F "$fn" >/dev/null || die "unknown scenario: $s"
    "$fn"
done

# --- 6. summary
python3 - "$RESULTS" "$TOOL" "$SPECS" "$BRANCHES" "$REMOTES" <<'EOF' | tee "$RESULTS/summary.txt"
import json, os, statistics, sys
res_dir, tool, specs, branches, remotes = sys.argv[1:6]
targets = {}
targets_file = os.path.join(res_dir, "targets")
for line in open(targets_file) if os.path.exists(targets_file) else []:
    name, ms, base, ratio = line.split()
    targets[name] = (ms, base, ratio)
def times_of(name):
    return [x * 1e3 for x in json.load(open(os.path.join(res_dir, name + ".json")))["results"][0]["times"]]
medians = {name: statistics.median(times_of(name)) for name in targets}
print(f"\ngit-spec benchmark: {specs} specs, {branches} branches, {remotes} remote refs ({tool})")
print(f"{'scenario':<16} {'runs':>4} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'target ms':>10}  "
      f"{'baseline':<16} {'ratio':>6} {'target':>7}  result")
for name, (t, base, max_ratio) in targets.items():
    times = times_of(name)
    med = medians[name]
    verdicts = []
    if t != "-":
        verdicts.append("PASS" if med < float(t) else "FAIL")
    ratio = "-"
    if base != "-":
        r = med / medians[base]
        ratio = f"{r:.2f}x"
        if max_ratio != "-":
            verdicts.append("PASS" if r <= float(max_ratio) else "FAIL")
    verdict = "/".join(verdicts) or "-"
    tgt = "-" if t == "-" else "< " + t
    rtgt = "-" if max_ratio == "-" else "<= " + max_ratio
    print(f"{name:<16} {len(times):>4} {med:>10.1f} {min(times):>8.1f} {max(times):>8.1f} {tgt:>10}  "
          f"{base:<16} {ratio:>6} {rtgt:>7}  {verdict}")
    if name in ("new-first", "check-first"):
        print(f"{'':<16} each run: " + ", ".join(f"{x:.1f}" for x in times))
memory_file = os.path.join(res_dir, "memory")
if os.path.exists(memory_file):
    peaks = {}
    for line in open(memory_file):
        name, kib = line.split()
        peaks.setdefault(name, []).append(int(kib))
    print(f"\n{'peak memory':<16} {'runs':>4} {'max MiB':>10} {'target':>10}  result")
    for name, values in peaks.items():
        mib = max(values) / 1024
        limit = 20 if name.startswith("check") else None
        verdict = "-" if limit is None else ("PASS" if mib < limit else "FAIL")
        tgt = "-" if limit is None else f"< {limit}"
        print(f"{name:<16} {len(values):>4} {mib:>10.1f} {tgt:>10}  {verdict}")
print(f"\nresults: {res_dir}")
EOF
