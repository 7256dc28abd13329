#!/usr/bin/env bash
# Stand-in for `git-spec new` to test the benchmark harness itself:
#   GIT_SPEC_BIN=bench/dummy-git-spec.sh bench/run.sh
# Finds the next id by scanning every branch's specs/ with git plumbing
# (slow), caches it in .git/git-spec/next-id, then creates the branch at HEAD,
# moves HEAD to it and writes the file. Not a reference implementation.
set -euo pipefail
[[ ${1:-} == new ]] || { echo "dummy-git-spec: only 'new' is supported" >&2; exit 2; }
[[ ${2:-} == --help ]] && { echo "usage: dummy-git-spec.sh new TITLE"; exit 0; }
title=$2
gitdir=$(git rev-parse --absolute-git-dir)
cache=$gitdir/git-spec/next-id
if [[ -f $cache ]]; then
    id=$(cat "$cache")
else
    max=$(git log --all --format= --name-only --diff-filter=A -- specs/ \
        | sed -n 's|^specs/0*\([0-9][0-9]*\)-.*|\1|p' | sort -n | tail -n 1)
    id=$((max + 1))
    mkdir -p "$gitdir/git-spec"
    echo "$id" > "$cache"
fi
slug=$(echo "$title" | tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//')
pid=$(printf '%04d' "$id")
branch=spec/$pid-$slug
git update-ref "refs/heads/$branch" HEAD ""
git symbolic-ref HEAD "refs/heads/$branch"
mkdir -p specs
printf -- '---\nspec-id: SPEC-%s\ntitle: %s\nstatus: draft\n---\n\n# %s\n\n## Changelog\n\n- %s: Initial draft created\n' \
    "$pid" "$title" "$title" "$(date +%F)" > "specs/$pid-$slug.md"
echo "Created SPEC-$pid on $branch: specs/$pid-$slug.md"
