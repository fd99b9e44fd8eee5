"""memattr-graph reads a real trace compressed by the gzip and zstd programs, recognised by
its content whatever the file is called, and from standard input ("-"), compressed or not,
with the same figures; a compressed trace cut short is refused with one line."""

import json
import shutil
import subprocess

from fixtures import memattr, run

PROGRAM = "cxx_owner_tree.cpp"   # a trace with snapshots: blocks, pointers and roots


def json_without_file(proc):
    """The JSON report without the trace's name, which differs by design."""
    report = json.loads(proc.stdout)
    report["trace"].pop("file", None)
    return report


def compressed(env, tool, trace, name):
    """`trace` compressed by `tool` (gzip or zstd) into a file called `name`."""
    path = env.out(name)
    with open(trace, "rb") as src, open(path, "wb") as dst:
        subprocess.run([tool, "-c"], stdin=src, stdout=dst, check=True)
    return path


def case_compressed_and_stdin_traces(env, results):
    missing = [tool for tool in ("gzip", "zstd") if shutil.which(tool) is None]
    if not results.check("trace input: gzip and zstd are installed", not missing,
                         f"missing {missing} (scripts/install-deps.sh)"):
        return
    trace = memattr(env, PROGRAM).trace
    plain = run([env.graph, "json", trace])
    if not results.equal("trace input: the plain trace reads", plain.returncode, 0):
        return
    expected = json_without_file(plain)
    # Names that say nothing, or the wrong thing, about the compression.
    inputs = {"gzip": compressed(env, "gzip", trace, "owner-tree.trace"),
              "zstd": compressed(env, "zstd", trace, "owner-tree.gz")}
    for tool, path in inputs.items():
        proc = run([env.graph, "json", path])
        results.check(f"trace input: a {tool}-compressed trace gives the same report",
                      proc.returncode == 0 and json_without_file(proc) == expected,
                      proc.stderr[-300:])
    for what, path in [("plain", trace), *inputs.items()]:
        with open(path, "rb") as stdin:
            proc = subprocess.run([env.graph, "json", "-"], stdin=stdin, capture_output=True,
                                  text=True)
        results.check(f"trace input: '-' reads a {what} trace from standard input",
                      proc.returncode == 0 and json_without_file(proc) == expected,
                      proc.stderr[-300:])
    with open(inputs["zstd"], "rb") as f:
        data = f.read()
    cut = env.out("owner-tree-cut.zst")
    with open(cut, "wb") as f:
        f.write(data[:len(data) // 2])
    proc = run([env.graph, "report", cut])
    results.check("trace input: a truncated zstd trace is one line on stderr, exit 1",
                  proc.returncode == 1 and proc.stdout == "" and proc.stderr.count("\n") == 1
                  and "the zstd-compressed input is truncated" in proc.stderr,
                  f"exit {proc.returncode}: {proc.stderr[-300:]}")


CASES = [case_compressed_and_stdin_traces]
