#!/usr/bin/env bash
# How git-spec's times grow with the number of specs and of refs.
#
#   bench/scaling.sh [--no-build]
#
# Runs bench/run.sh on five fixtures (each built once by make-repo.sh and
# cached under target/bench-fixture):
#   specs: 1,000 / 10,000 / 100,000 specs, with 1,000 refs (500 branches,
#          500 remote-tracking refs)
#   refs:  100 / 1,000 / 10,000 refs, with 10,000 specs
# and prints one table: the median of each command at each size, and the
# growth from the middle size to the largest (linear: 10x; the issue's
# bound: at most 12x).
#
# Environment: WARM_RUNS (5) and COLD_RUNS (3) runs per scenario, and
# SCENARIOS (default below); everything else as for bench/run.sh.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export WARM_RUNS=${WARM_RUNS:-5} COLD_RUNS=${COLD_RUNS:-3}
SCENARIOS=${SCENARIOS:-new-first new-warm list-json check check-first show status log list-all}
build=(--no-build)
case ${1:-} in
    --no-build) ;;
    "") build=() ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "scaling.sh: unknown argument: $1" >&2; exit 2 ;;
esac

# SPECS BRANCHES REMOTES, in table order.
SIZES=("1000 500 500" "10000 500 500" "100000 500 500" "10000 50 50" "10000 5000 5000")
declare -A RESULTS_OF=()
for size in "${SIZES[@]}"; do
    read -r specs branches remotes <<<"$size"
    [[ -n ${RESULTS_OF[$size]:-} ]] && continue
    echo "scaling: $specs specs, $((branches + remotes)) refs" >&2
    # shellcheck disable=SC2086
    out=$(SPECS=$specs BRANCHES=$branches REMOTES=$remotes \
        bash "$BENCH_DIR/run.sh" "${build[@]}" $SCENARIOS)
    build=(--no-build)
    RESULTS_OF[$size]=$(sed -n 's/^results: //p' <<<"$out" | tail -n 1)
    [[ -d ${RESULTS_OF[$size]} ]] || { echo "scaling: no results for $size" >&2; exit 1; }
done

args=()
for size in "${SIZES[@]}"; do args+=("$size" "${RESULTS_OF[$size]}"); done
python3 - "$SCENARIOS" "${args[@]}" <<'EOF'
import json, os, statistics, sys
# The baselines each run times beside the scenarios, for comparison.
scenarios = sys.argv[1].split() + ["git-for-each-ref", "grep-status", "cat-one"]
pairs = sys.argv[2:]
runs = {}
for i in range(0, len(pairs), 2):
    runs[tuple(int(x) for x in pairs[i].split())] = pairs[i + 1]
def median(size, name):
    path = os.path.join(runs[size], name + ".json")
    if not os.path.exists(path):
        return None
    times = json.load(open(path))["results"][0]["times"]
    return statistics.median(times) * 1e3
def cell(value):
    return "-" if value is None else (f"{value:.0f}" if value >= 100 else f"{value:.1f}")
def growth(small, large):
    return "-" if small is None or large is None else f"{large / small:.1f}x"
spec_sizes = [(1000, 500, 500), (10000, 500, 500), (100000, 500, 500)]
ref_sizes = [(10000, 50, 50), (10000, 500, 500), (10000, 5000, 5000)]
print("\nmedian ms; specs with 1,000 refs, refs with 10,000 specs")
print("| command | 1k specs | 10k specs | 100k specs | 100k / 10k | 100 refs | 1k refs | 10k refs | 10k / 1k |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for name in scenarios:
    s = [median(size, name) for size in spec_sizes]
    r = [median(size, name) for size in ref_sizes]
    print(f"| {name} | " + " | ".join(cell(x) for x in s) + f" | {growth(s[1], s[2])} | "
          + " | ".join(cell(x) for x in r) + f" | {growth(r[1], r[2])} |")
EOF
