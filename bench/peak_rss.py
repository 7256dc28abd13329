#!/usr/bin/env python3
"""The peak memory of a command: its resident set size at most, as GNU
time reports it (`/usr/bin/time -f %M`, Debian's package `time`), over N
runs. Not wait4's ru_maxrss from here: a child forked from Python starts
with Python's pages, and the kernel keeps that peak across the exec, so
every command would seem to need 14 MiB.

  peak_rss.py --runs N [--prepare CMD] --name NAME --out FILE -- CMD...

Each run starts from PREPARE (a shell command, not measured). The command
must exit 0. FILE gets one line per run: NAME and the peak in KiB.
"""
import argparse
import os
import subprocess
import sys
import tempfile

TIME = "/usr/bin/time"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--prepare", default="")
    parser.add_argument("--name", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")
    if not os.access(TIME, os.X_OK):
        sys.exit("peak_rss.py: needs GNU time at /usr/bin/time (apt-get install time)")
    peaks = []
    for _ in range(args.runs):
        if args.prepare:
            subprocess.run(args.prepare, shell=True, check=True)
        with tempfile.NamedTemporaryFile("r") as report:
            done = subprocess.run(
                [TIME, "-o", report.name, "-f", "%M", "--", *command],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if done.returncode != 0:
                sys.exit(f"peak_rss.py: {' '.join(command)} exited {done.returncode}")
            peaks.append(int(report.read().split()[-1]))  # KiB
    with open(args.out, "a") as out:
        for peak in peaks:
            out.write(f"{args.name} {peak}\n")
    print(f"  {args.name}: peak {max(peaks) / 1024:.1f} MiB over {len(peaks)} runs", file=sys.stderr)


if __name__ == "__main__":
    main()
