#!/usr/bin/env python3
"""Fallback timing loop for bench/run.sh when hyperfine is not installed.

  timeit.py --runs N [--warmup W] [--prepare SHELLCMD] [--verify SHELLCMD]
            --export-json FILE [--name NAME] -- CMD [ARGS...]

For every run (warmup runs included): run --prepare (untimed, through bash),
time CMD with time.perf_counter around subprocess.run, fail if CMD exits
non-zero, then run --verify (untimed) and fail if it exits non-zero.
Writes a hyperfine-shaped JSON file ({"results": [{"command", "times", ...}]},
times in seconds) and prints median/min/max in ms.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time


def sh(cmd, what):
    if not cmd:
        return
    r = subprocess.run(["bash", "-c", cmd])
    if r.returncode != 0:
        sys.exit(f"timeit: {what} command failed (exit {r.returncode}): {cmd}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--prepare", default="")
    p.add_argument("--verify", default="")
    p.add_argument("--export-json", required=True)
    p.add_argument("--name", default=None)
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        sys.exit("timeit: no command")

    times = []
    for i in range(a.warmup + a.runs):
        sh(a.prepare, "prepare")
        t0 = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if r.returncode != 0:
            sys.stderr.write(r.stderr.decode(errors="replace"))
            sys.exit(f"timeit: command failed (exit {r.returncode}): {' '.join(cmd)}")
        sh(a.verify, "verify")
        if i >= a.warmup:
            times.append(dt)

    res = {
        "command": a.name or " ".join(cmd),
        "times": times,
        "mean": statistics.mean(times),
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "exit_codes": [0] * len(times),
    }
    with open(a.export_json, "w") as f:
        json.dump({"results": [res]}, f, indent=2)
    print(f"  {res['command']}: median {res['median']*1e3:.1f} ms, "
          f"min {res['min']*1e3:.1f} ms, max {res['max']*1e3:.1f} ms "
          f"({len(times)} runs)")


if __name__ == "__main__":
    main()
