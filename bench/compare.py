#!/usr/bin/env python3
"""Times commands interleaved: one run of each in turn, RUNS times, so
that a machine whose speed drifts over minutes (this one does, by more
than the differences worth measuring) slows them all alike. What
bench/run.sh cannot do, timing each scenario in one block; use this to
compare two binaries, or a binary with its baseline.

  bench/compare.py [--runs N] [--warmup N] [--cwd DIR] -c CMD -c CMD...

Each CMD is split like a shell word list (no globbing, no pipes: write
`bash -c '...'` for those); leading NAME=VALUE words set the
environment. Output goes to /dev/null; a command that exits non-zero
stops the comparison. Prints each command's median and quartiles in ms.

  bench/compare.py --cwd target/bench-fixture/s10000-b1000-r1000-v2/repo \\
      -c "/tmp/old-git-spec show 42" -c "target/release/git-spec show 42" \\
      -c "git status --porcelain -- specs"
"""
import argparse
import os
import shlex
import statistics
import sys
import time


def parse(text):
    words = shlex.split(text)
    env = dict(os.environ)
    while words and "=" in words[0] and not words[0].startswith(("/", ".")):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    if not words:
        sys.exit(f"compare.py: no command in {text!r}")
    return words, env


def run_once(words, env, devnull):
    start = time.perf_counter()
    pid = os.posix_spawnp(
        words[0],
        words,
        env,
        file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 1),
            (os.POSIX_SPAWN_DUP2, devnull, 2),
        ],
    )
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"compare.py: {shlex.join(words)} failed (exit {code})")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cwd", default=".")
    parser.add_argument("-c", dest="commands", action="append", required=True)
    args = parser.parse_args()
    commands = [parse(text) for text in args.commands]
    # Relative program paths are taken from where compare.py was started.
    here = os.getcwd()
    for words, _ in commands:
        if "/" in words[0] and not os.path.isabs(words[0]):
            words[0] = os.path.join(here, words[0])
    os.chdir(args.cwd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    for words, env in commands:
        for _ in range(args.warmup):
            run_once(words, env, devnull)
    times = [[] for _ in commands]
    for _ in range(args.runs):
        for index, (words, env) in enumerate(commands):
            times[index].append(run_once(words, env, devnull) * 1000)
    width = max(len(text) for text in args.commands)
    print(f"{'command':{width}}  median      p25      p75   ({args.runs} runs each, interleaved)")
    for text, samples in zip(args.commands, times):
        quartiles = statistics.quantiles(samples, n=4)
        print(
            f"{text:{width}}  {statistics.median(samples):6.2f}   {quartiles[0]:6.2f}   {quartiles[2]:6.2f}"
        )


if __name__ == "__main__":
    main()
