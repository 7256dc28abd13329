"""Times the round trip of one MCP tool call to `git spec mcp`, for run.sh.

    mcp_roundtrip.py --runs N --warmup W --export-json FILE --name NAME
                     --specs SPECS -- GIT_SPEC_BINARY

Starts `GIT_SPEC_BINARY mcp` in the current directory once, initializes
the session, then times W + N calls of `spec_list` (no arguments): from
writing the request to having read the whole response line. The first W
are not kept. Every answer must be a successful result listing SPECS
specs (checked after the clock stops). Speaks newline-delimited JSON-RPC
itself, with the standard library only, so that what is timed is the
server and the pipe, not a client library's parsing of megabytes of
JSON; the real client, the MCP Python SDK, is what tests/cli/mcp.rs
drives. Writes the times as hyperfine does (results[0].times, seconds).
"""

import argparse
import json
import subprocess
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--export-json", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--specs", type=int, required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()

    # Buffered pipes: an unbuffered readline() would read the megabytes of
    # an answer one byte at a time.
    server = subprocess.Popen([*args.command, "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    ids = iter(range(1, 1 << 30))

    def request(method, params):
        message = {"jsonrpc": "2.0", "id": next(ids), "method": method, "params": params}
        server.stdin.write(json.dumps(message).encode() + b"\n")
        server.stdin.flush()
        return server.stdout.readline()

    hello = json.loads(
        request(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "1"},
            },
        )
    )
    if "result" not in hello:
        sys.exit(f"mcp_roundtrip: initialize failed: {hello}")
    server.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    server.stdin.flush()

    times = []
    call = {"name": "spec_list", "arguments": {}}
    for run in range(args.warmup + args.runs):
        start = time.perf_counter()
        line = request("tools/call", call)
        elapsed = time.perf_counter() - start
        answer = json.loads(line)
        result = answer.get("result") or sys.exit(f"mcp_roundtrip: no result: {line[:500]!r}")
        if result.get("isError"):
            sys.exit(f"mcp_roundtrip: spec_list failed: {result['content']}")
        listed = len(result["structuredContent"]["specs"])
        if listed != args.specs:
            sys.exit(f"mcp_roundtrip: spec_list listed {listed} specs, expected {args.specs}")
        if run >= args.warmup:
            times.append(elapsed)
    server.stdin.close()
    if server.wait(timeout=30) != 0:
        sys.exit(f"mcp_roundtrip: the server exited {server.returncode}")
    with open(args.export_json, "w") as out:
        json.dump({"results": [{"command": args.name, "times": times}]}, out)
    median = sorted(times)[len(times) // 2]
    print(f"{args.name}: median {median * 1e3:.1f} ms over {len(times)} calls", file=sys.stderr)


main()
