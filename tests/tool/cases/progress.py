"""The tool's progress lines (issue 13 item 4): a run watched by a user shows it is alive.
--progress=N prints a line every N seconds with the time, the instructions, the live heap,
the peak so far and the snapshots taken; without the option none is printed when the log is
not a terminal, and lines come at the default interval when it is one (checked in a pty)."""

import os
import pty
import re
import select
import subprocess

from fixtures import build, memattr, run

PROGRAM = "c_long_run.c"

# ==PID== memattr: progress: 1.0 s, 12 Minstr; live heap 1,234 bytes in 12 blocks;
#         peak so far 2,345 bytes; 0 snapshots taken
NUMBER = r"(\d[\d,]*)"
LINE = re.compile(r"^==\d+== memattr: progress: (\d+)\.(\d) s, " + NUMBER + r" Minstr; "
                  r"live heap " + NUMBER + r" bytes in " + NUMBER + r" blocks; "
                  r"peak so far " + NUMBER + r" bytes; " + NUMBER + r" snapshots taken$")


def progress_lines(stderr):
    return [line for line in stderr.splitlines() if "memattr: progress" in line]


def figures(line):
    """(tenths of a second, Minstr, live bytes, live blocks, peak bytes, snapshots)."""
    m = LINE.match(line)
    seconds, tenths, *rest = m.groups()
    return (int(seconds) * 10 + int(tenths), *(int(x.replace(",", "")) for x in rest))


def case_progress_lines(env, results):
    traced = memattr(env, PROGRAM, args=["2.5"], options=["--progress=1"])
    results.equal("progress: exit status", traced.proc.returncode, 0)
    lines = progress_lines(traced.proc.stderr)
    if not results.check("progress: --progress=1 on a 2.5 s run prints lines", len(lines) >= 1,
                         traced.proc.stderr[-2000:]):
        return
    malformed = [line for line in lines if not LINE.match(line)]
    if not results.equal("progress: every line is well-formed", malformed, []):
        return
    values = [figures(line) for line in lines]
    results.check("progress: time and instructions never go back",
                  all(a[0] <= b[0] and a[1] <= b[1] for a, b in zip(values, values[1:])),
                  "\n".join(lines))
    results.check("progress: at least one second between lines",
                  all(b[0] - a[0] >= 10 for a, b in zip(values, values[1:])), "\n".join(lines))
    peak = traced.report["summary"]["peak"]["bytes"]
    results.check("progress: live heap <= peak so far <= the run's peak, blocks live",
                  all(v[2] <= v[4] <= peak and v[3] > 0 for v in values),
                  f"peak {peak}:\n" + "\n".join(lines))


def case_progress_off_by_default(env, results):
    traced = memattr(env, PROGRAM, args=["2.5"])
    results.equal("progress: exit status without --progress", traced.proc.returncode, 0)
    results.equal("progress: no line without --progress when the log is a pipe",
                  progress_lines(traced.proc.stderr), [])
    explicit_off = memattr(env, PROGRAM, args=["1.5"], options=["--progress=no"])
    results.equal("progress: no line with --progress=no", progress_lines(explicit_off.proc.stderr), [])
    bad = memattr(env, PROGRAM, args=["0"], options=["--progress=0"])
    results.check("progress: --progress=0 is refused with one message",
                  bad.proc.returncode != 0 and "--progress" in bad.proc.stderr,
                  bad.proc.stderr[-1000:])


def read_all(fd, proc):
    """Everything written to a pty's master until the child exits and the pty is drained."""
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:   # EIO: the slave side is closed
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    return out.decode(errors="replace")


def case_progress_on_a_terminal(env, results):
    """With the log on a terminal, lines come at the default interval (5 s) unasked."""
    exe = build(env, PROGRAM)
    master, slave = pty.openpty()
    vg_env = dict(os.environ, VALGRIND_LIB=env.overlay)
    proc = subprocess.Popen(["valgrind", "--tool=memattr",
                             f"--memattr-out-file={env.out('progress-tty.trace')}", exe, "6"],
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=vg_env,
                            cwd=env.work)
    os.close(slave)
    screen = read_all(master, proc)
    os.close(master)
    proc.wait()
    results.equal("progress on a terminal: exit status", proc.returncode, 0)
    lines = [line.rstrip("\r") for line in progress_lines(screen)]
    results.check("progress on a terminal: lines unasked, well-formed",
                  len(lines) >= 1 and all(LINE.match(line) for line in lines), screen[-2000:])
    quiet = run(["valgrind", "--tool=memattr", "-q",
                 f"--memattr-out-file={env.out('progress-q.trace')}", exe, "0"],
                env=vg_env)
    results.equal("progress: -q on a pipe prints nothing", quiet.stderr, "")


CASES = [case_progress_lines, case_progress_off_by_default, case_progress_on_a_terminal]
