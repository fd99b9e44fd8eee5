#!/usr/bin/env python3
"""Bytes per live block of a trace's snapshots, as written (version 5: `blocks` records)
and as version 4's `block` records would have written the same blocks, for the compact
format's figures (docs/trace-format.md, "Size"; issue 13).

    bench/trace-bytes.py TRACE

For each snapshot: its live blocks and pointers, the bytes of its `blocks` records, of its
`root` records, and what one `block` record per block (version 4) would take, each per
live block. Decodes with tests/tool/raw_trace.py (which reads the current version only).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "tool"))
from raw_trace import KEY, TAG, RawTrace  # noqa: E402


def version_4_bytes(blocks, site_ids):
    """The bytes of the `block` records of version 4 for these blocks (as ma_trace.c wrote
    them: i, addr, site, size, hash, then ptrs when there are pointers)."""
    total = 0
    for number, b in enumerate(blocks, 1):
        line = "%s\t%s=%d\t%s=0x%x\t%s=%d\t%s=%d\t%s=%s" % (
            TAG["BLOCK"], KEY["BLOCK_I"], number, KEY["BLOCK_ADDR"], b["addr"],
            KEY["BLOCK_SITE"], b["site"], KEY["BLOCK_SIZE"], b["size"], KEY["BLOCK_HASH"],
            b["hash"])
        if b["ptrs"]:
            line += "\t%s=%s" % (KEY["BLOCK_PTRS"], ",".join(
                "%d:%d" % (off, to) + ("+%d" % toff if toff else "")
                for off, to, toff in b["ptrs"]))
        total += len(line) + 1
    return total


def record_bytes(path):
    """Bytes of the `blocks` and `root` records of each snapshot, in trace order."""
    sizes, current = [], None
    with open(path, "rb") as f:
        for line in f:
            tag = line.split(b"\t", 1)[0].decode()
            if tag == TAG["SNAPSHOT"]:
                current = {"blocks": 0, "roots": 0}
                sizes.append(current)
            elif tag == TAG["BLOCKS"]:
                current["blocks"] += len(line)
            elif tag == TAG["ROOT"]:
                current["roots"] += len(line)
    return sizes


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench/trace-bytes.py TRACE")
    path = sys.argv[1]
    raw = RawTrace(path)
    print("trace %s: %d bytes" % (path, os.path.getsize(path)))
    print("%-12s %10s %10s %14s %14s %14s" % ("snapshot", "blocks", "pointers", "blocks B/blk",
                                             "roots B/blk", "v4 block B/blk"))
    for snapshot, sizes in zip(raw.snapshots, record_bytes(path)):
        n = max(len(snapshot.blocks), 1)
        pointers = sum(len(b["ptrs"]) for b in snapshot.blocks)
        print("%-12s %10d %10d %14.1f %14.1f %14.1f" % (
            ",".join(snapshot.kinds), len(snapshot.blocks), pointers, sizes["blocks"] / n,
            sizes["roots"] / n, version_4_bytes(snapshot.blocks, raw.sites) / n))


if __name__ == "__main__":
    main()
