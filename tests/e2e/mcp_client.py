"""Drives `git spec mcp` with the official MCP Python SDK, for tests/cli/mcp.rs.

    mcp_client.py GIT_SPEC_BINARY REPO STDOUT_LOG < steps.json

Starts `GIT_SPEC_BINARY mcp --repo REPO` through the SDK's stdio client (as
an agent would; its client name is "e2e-agent" unless the steps say
otherwise), with the server's stdout copied to STDOUT_LOG on its way to
the client so the test can check that it carries nothing but protocol.
Runs the steps in order and prints one JSON array: for each step, what
the server answered. Steps (JSON objects, by "op"):

  {"op": "info"}                          the initialize result
  {"op": "tools"}                         tools/list
  {"op": "resources"}                     resources/list
  {"op": "templates"}                     resources/templates/list
  {"op": "read", "uri": U}                resources/read
  {"op": "call", "tool": T, "args": {}}   tools/call
  {"op": "race_new", "args": {}, "cli": [ARGS...]}
      tools/call spec_new and `GIT_SPEC_BINARY ARGS...` started together
  {"op": "write", "path": P, "content": C}  changes a file of REPO between
  {"op": "remove", "path": P}               two calls (the answer is null)

A request the server answers with a JSON-RPC error gives {"error": message}.
The environment is passed on whole (the SDK would otherwise keep only a
few variables), so the server runs in the test's sandbox.
"""

import json
import os
import shlex
import sys

import anyio
from mcp import ClientSession, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import Implementation


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def tool_result(result):
    """A tools/call result as the wire has it (isError, structuredContent,
    content), reduced to what the tests read."""
    wire = dump(result)
    return {
        "isError": bool(wire.get("isError")),
        "structured": wire.get("structuredContent"),
        "text": [block["text"] for block in wire.get("content", []) if block.get("type") == "text"],
    }


async def step(session, binary, spec):
    op = spec["op"]
    try:
        if op == "info":
            return dump(session.initialize_result)
        if op == "tools":
            return dump(await session.list_tools())
        if op == "resources":
            return dump(await session.list_resources())
        if op == "templates":
            return dump(await session.list_resource_templates())
        if op == "read":
            return dump(await session.read_resource(spec["uri"]))
        if op == "call":
            return tool_result(await session.call_tool(spec["tool"], spec.get("args", {})))
        if op == "race_new":
            return await race_new(session, binary, spec)
        if op == "write":
            with open(os.path.join(sys.argv[2], spec["path"]), "w") as file:
                file.write(spec["content"])
            return None
        if op == "remove":
            os.remove(os.path.join(sys.argv[2], spec["path"]))
            return None
    except MCPError as error:
        return {"error": error.message}
    raise SystemExit(f"unknown step {op!r}")


async def race_new(session, binary, spec):
    """spec_new through the server and `git spec new` on the command line,
    started at the same moment."""
    answers = {}
    start = anyio.Event()

    async def agent():
        await start.wait()
        answers["tool"] = tool_result(await session.call_tool("spec_new", spec["args"]))

    async def person():
        await start.wait()
        done = await anyio.run_process([binary, *spec["cli"]], check=False)
        answers["cli"] = {
            "code": done.returncode,
            "stdout": done.stdout.decode(),
            "stderr": done.stderr.decode(),
        }

    async with anyio.create_task_group() as group:
        group.start_soon(agent)
        group.start_soon(person)
        await anyio.sleep(0.05)
        start.set()
    return answers


async def main():
    binary, repo, stdout_log = sys.argv[1:4]
    steps = json.load(sys.stdin)
    client_name = "e2e-agent"
    if steps and steps[0].get("op") == "client":
        client_name = steps.pop(0)["name"]
    # The server's stdout goes through tee into the log, then to the SDK.
    command = f"{shlex.quote(binary)} mcp --repo {shlex.quote(repo)} | tee {shlex.quote(stdout_log)}"
    server = StdioServerParameters(command="sh", args=["-c", command], env=dict(os.environ))
    answers = []
    # A server that stops answering fails the test instead of hanging it.
    with anyio.fail_after(120):
        await session_steps(server, client_name, binary, steps, answers)
    print(json.dumps(answers))


async def session_steps(server, client_name, binary, steps, answers):
    async with stdio_client(server) as (read, write):
        async with ClientSession(
            read, write, client_info=Implementation(name=client_name, version="1.0")
        ) as session:
            await session.initialize()
            for spec in steps:
                answers.append(await step(session, binary, spec))


anyio.run(main)
