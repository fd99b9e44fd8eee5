"""A minimal reader of memattr's raw trace (docs/trace-format.md), for the tool tests.

The tool tests mostly read traces through `memattr-graph json`; this reader lets a test
check the tool's own facts (snapshot blocks, pointers, roots) independently of the
post-processor's analysis. It trusts its input: memattr-graph is the strict reader.
"""

import os


def _unescape(value):
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            n = value[i + 1]
            if n == "x":
                out.append(chr(int(value[i + 2:i + 4], 16)))
                i += 4
                continue
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[n])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _fields(line):
    tag, *rest = line.rstrip("\n").split("\t")
    return tag, {k: _unescape(v) for k, v in (f.split("=", 1) for f in rest)}


class Snapshot:
    def __init__(self, fields):
        self.fields = fields
        self.name = fields["name"]
        self.kinds = fields["kinds"].split(",")
        self.blocks = []   # dicts: addr, site, size, hash, ptrs [(offset, to, to_offset)]
        self.roots = []    # dicts as in the trace, with 'to' an int

    def block(self, number):
        return self.blocks[number - 1]


class MemoryMap:
    """A memory-map record with its regions (dicts, integers converted), each with its
    region-use records under 'uses'."""

    def __init__(self, fields):
        self.fields = {k: (v if k == "name" else int(v)) for k, v in fields.items()}
        self.name = fields["name"]
        self.regions = []

    def region_with(self, **wanted):
        return [r for r in self.regions if all(r[k] == v for k, v in wanted.items())]


_REGION_TEXT = ("kind", "prot", "file", "growth")


def _region(fields):
    region = {k: (v if k in _REGION_TEXT else int(v, 0)) for k, v in fields.items()}
    region["growth"] = [int(x) for x in filter(None, fields["growth"].split(","))]
    region["uses"] = []
    return region


class RawTrace:
    """frames, stacks and sites by id; snapshots and memory maps in order."""

    def __init__(self, path):
        self.frames, self.stacks, self.sites = {}, {}, {}
        self.snapshots = []
        self.memory_maps = []
        self.records = {}
        with open(path) as f:
            for line in f:
                tag, fields = _fields(line)
                if tag == "frame":
                    self.frames[int(fields["id"])] = fields
                elif tag == "stack":
                    self.stacks[int(fields["id"])] = [int(x) for x in fields["frames"].split(",")]
                elif tag == "site":
                    self.sites[int(fields["id"])] = fields
                elif tag == "snapshot":
                    self.snapshots.append(Snapshot(fields))
                elif tag == "block":
                    self.snapshots[-1].blocks.append(_block(fields))
                elif tag == "root":
                    fields["to"] = int(fields["to"])
                    self.snapshots[-1].roots.append(fields)
                elif tag == "memory-map":
                    self.memory_maps.append(MemoryMap(fields))
                elif tag == "region":
                    self.memory_maps[-1].regions.append(_region(fields))
                elif tag == "region-use":
                    self.memory_maps[-1].regions[-1]["uses"].append(
                        {k: int(v) for k, v in fields.items()})
                else:
                    self.records.setdefault(tag, []).append(fields)

    def memory_map(self, name):
        found = [m for m in self.memory_maps if m.name == name]
        return found[0] if found else None

    def snapshot(self, kind):
        found = [s for s in self.snapshots if kind in s.kinds]
        return found[0] if found else None

    def stack_frames(self, stack_id):
        return [self.frames[f] for f in self.stacks[stack_id]]

    def site_at(self, site_id, source, line):
        """Does the site's stack have a frame at source:line?"""
        stack = int(self.sites[site_id]["stack"])
        return any(os.path.basename(f["file"]) == source and int(f["line"]) == line
                   for f in self.stack_frames(stack))


def _block(fields):
    ptrs = []
    for entry in filter(None, fields.get("ptrs", "").split(",")):
        offset, target = entry.split(":")
        to, _, to_offset = target.partition("+")
        ptrs.append((int(offset), int(to), int(to_offset or 0)))
    return {"addr": int(fields["addr"], 16), "site": int(fields["site"]),
            "size": int(fields["size"]), "hash": fields["hash"], "ptrs": ptrs}
