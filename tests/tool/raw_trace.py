"""A minimal reader of memattr's raw trace (docs/trace-format.md), for the tool tests.

The tool tests mostly read traces through `memattr-graph json`; this reader lets a test
check the tool's own facts (snapshot blocks, pointers, roots) independently of the
post-processor's analysis. It trusts its input: memattr-graph is the strict reader.

Tags, keys and words are not typed here: they are read at import from the format's one
source, format/memattr_trace_schema.h (TAG["SITE"] is "site", KEY["SITE_STACK"] is "stack",
WORD["ROOT_KIND_STACK"] is "stack", VERSION the current version, KEYS_OF each record's keys),
so this reader follows the schema, and refuses a trace of another version than the one this
tree writes or a record whose keys are not the schema's, in its order: the tool tests so
check the tool's writer against the schema.
"""

import os
import re

SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "format",
                           "memattr_trace_schema.h")


def _load_schema(path=SCHEMA_PATH):
    """The header's object-like macros, resolved (a value is a string literal, a number, or
    a concatenation of string literals and other macros, as the phase's moment keys are),
    and its key lists (MA_TRACE_KEYS_NAME, MA_TRACE_ROOT_KEYS_KIND) as lists of key names."""
    with open(path) as f:
        text = f.read().replace("\\\n", " ")
    definitions = dict(re.findall(
        r"^#define (MA_\w+) ((?:\"[^\"]*\"|MA_\w+|\d+)(?: (?:\"[^\"]*\"|MA_\w+))*)\s*$", text, re.M))
    lists = {name: ["%s_%s" % entry for entry in re.findall(r"K\((\w+), (\w+)\)", body)]
             for name, body in re.findall(r"^#define (MA_TRACE_\w*KEYS_\w+)\(K\)(.*)$", text, re.M)}

    def value(name):
        text = definitions[name]
        if text.isdigit():
            return int(text)
        return "".join(tok[1:-1] if tok.startswith('"') else value(tok)
                       for tok in re.findall(r'"[^"]*"|MA_\w+', text))

    def prefixed(prefix):
        return {n[len(prefix):]: value(n) for n in definitions if n.startswith(prefix)}

    return prefixed("MA_TAG_"), prefixed("MA_KEY_"), prefixed("MA_WORD_"), \
        value("MA_TRACE_VERSION"), lists


TAG, KEY, WORD, VERSION, _LISTS = _load_schema()

# Each record's keys in the order the tool writes them, by tag; a root's by its kind (the
# keys every root has, then its kind's).
KEYS_OF = {TAG[name]: [KEY[k] for k in _LISTS["MA_TRACE_KEYS_" + name]] for name in TAG}
_ROOT_KIND_KEYS = {kind: [KEY[k] for k in keys] for kind, keys in
                   ((n[len("MA_TRACE_ROOT_KEYS_"):], keys) for n, keys in _LISTS.items()
                    if n.startswith("MA_TRACE_ROOT_KEYS_"))}
_ROOT_COMMON = [k for k in KEYS_OF[TAG["ROOT"]]
                if not any(k in keys for keys in _ROOT_KIND_KEYS.values())]
ROOT_KEYS_OF = {WORD["ROOT_KIND_" + kind]: _ROOT_COMMON + keys
                for kind, keys in _ROOT_KIND_KEYS.items()}


def _check_keys(path, tag, fields):
    """The tool writes each record's keys as the schema lists them, in that order (keys may
    be absent, as `ptrs` is for a block without pointers)."""
    expected = (ROOT_KEYS_OF.get(fields.get(KEY["ROOT_KIND"])) if tag == TAG["ROOT"]
                else KEYS_OF.get(tag))
    if expected is None:
        raise ValueError("%s: record '%s' is not in the schema" % (path, tag))
    rest = iter(expected)
    if not all(key in rest for key in fields):
        raise ValueError("%s: the keys of a '%s' record, %s, are not in the schema's order %s"
                         % (path, tag, list(fields), expected))


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
        self.name = fields[KEY["SNAPSHOT_NAME"]]
        self.kinds = fields[KEY["SNAPSHOT_KINDS"]].split(",")
        self.blocks = []   # dicts: addr, site, size, hash, ptrs [(offset, to, to_offset)]
        self.roots = []    # dicts as in the trace, with 'to' an int

    def block(self, number):
        return self.blocks[number - 1]


class MemoryMap:
    """A memory-map record with its regions (dicts, integers converted), each with its
    region-use records under 'uses' and its region-change records under 'history'."""

    def __init__(self, fields):
        name = KEY["MEMORY_MAP_NAME"]
        self.fields = {k: (v if k == name else int(v)) for k, v in fields.items()}
        self.name = fields[name]
        self.regions = []

    def region_with(self, **wanted):
        return [r for r in self.regions if all(r[k] == v for k, v in wanted.items())]


_REGION_TEXT = (KEY["REGION_KIND"], KEY["REGION_PROT"], KEY["REGION_FILE"], KEY["REGION_GROWTH"])


def _region(fields):
    region = {k: (v if k in _REGION_TEXT else int(v, 0)) for k, v in fields.items()}
    growth = KEY["REGION_GROWTH"]
    region[growth] = [int(x) for x in filter(None, fields[growth].split(","))]
    region["uses"] = []
    region["history"] = []
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
                _check_keys(path, tag, fields)
                if tag == TAG["HEADER"]:
                    _check_version(path, fields)
                elif tag == TAG["FRAME"]:
                    self.frames[int(fields[KEY["FRAME_ID"]])] = fields
                elif tag == TAG["STACK"]:
                    self.stacks[int(fields[KEY["STACK_ID"]])] = [
                        int(x) for x in fields[KEY["STACK_FRAMES"]].split(",")]
                elif tag == TAG["SITE"]:
                    self.sites[int(fields[KEY["SITE_ID"]])] = fields
                elif tag == TAG["SNAPSHOT"]:
                    self.snapshots.append(Snapshot(fields))
                elif tag == TAG["BLOCKS"]:
                    snapshot = self.snapshots[-1]
                    snapshot.blocks.extend(_compact_blocks(fields, len(snapshot.blocks) + 1))
                elif tag == TAG["ROOT"]:
                    fields[KEY["ROOT_TO"]] = int(fields[KEY["ROOT_TO"]])
                    self.snapshots[-1].roots.append(fields)
                elif tag == TAG["MEMORY_MAP"]:
                    self.memory_maps.append(MemoryMap(fields))
                elif tag == TAG["REGION"]:
                    self.memory_maps[-1].regions.append(_region(fields))
                elif tag == TAG["REGION_USE"]:
                    self.memory_maps[-1].regions[-1]["uses"].append(
                        {k: int(v) for k, v in fields.items()})
                elif tag == TAG["REGION_CHANGE"]:
                    text = (KEY["REGION_CHANGE_KIND"], KEY["REGION_CHANGE_PROT"])
                    self.memory_maps[-1].regions[-1]["history"].append(
                        {k: (v if k in text else int(v)) for k, v in fields.items()})
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
        stack = int(self.sites[site_id][KEY["SITE_STACK"]])
        return any(os.path.basename(f[KEY["FRAME_FILE"]]) == source
                   and int(f[KEY["FRAME_LINE"]]) == line
                   for f in self.stack_frames(stack))


def _check_version(path, fields):
    if fields.get(KEY["HEADER_VERSION"]) != str(VERSION):
        raise ValueError("%s: trace version %s, but the schema's is %d"
                         % (path, fields.get(KEY["HEADER_VERSION"]), VERSION))


_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_DIGIT_VALUE = {c: i for i, c in enumerate(_DIGITS)}
_HASH_CHARS = 11
_ADDRESS_UNIT = 16    # MA_COMPACT_ADDRESS_UNIT
_RECENT_SITES = 8     # MA_COMPACT_RECENT_SITES


class _Digits:
    """A `blocks` record's data (format/memattr_trace_compact.h): varints of 5-bit groups,
    least significant first, bit 5 of a digit meaning "more"; hashes as 11 6-bit digits."""

    def __init__(self, text):
        self.text, self.at = text, 0

    def number(self):
        value, shift = 0, 0
        while True:
            digit = _DIGIT_VALUE[self.text[self.at]]
            self.at += 1
            value |= (digit & 31) << shift
            shift += 5
            if not digit & 32:
                return value

    def hash(self):
        value = 0
        for c in self.text[self.at:self.at + _HASH_CHARS]:
            value = value << 6 | _DIGIT_VALUE[c]
        self.at += _HASH_CHARS
        return "%016x" % value


def _compact_blocks(fields, first):
    """The blocks of a `blocks` record, as dicts: addr, site, size, hash (16 hex digits, as
    the format wrote it up to version 4), ptrs [(offset, to, to_offset)]."""
    if int(fields[KEY["BLOCKS_FIRST"]]) != first:
        raise ValueError("blocks record out of order: first=%s, expected %d"
                         % (fields[KEY["BLOCKS_FIRST"]], first))
    data = _Digits(fields[KEY["BLOCKS_DATA"]])
    blocks, address, recent = [], 0, []
    for number in range(first, first + int(fields[KEY["BLOCKS_N"]])):
        code = data.number()
        address += code // 2 * _ADDRESS_UNIT if code % 2 == 0 else code // 2
        code = data.number()
        site = recent[code] if code < _RECENT_SITES else code - (_RECENT_SITES - 1)
        recent = ([site] + [s for s in recent if s != site])[:_RECENT_SITES]
        block = {"addr": address, "site": site, "size": data.number(), "hash": data.hash(),
                 "ptrs": []}
        offset = None
        for _ in range(data.number()):
            gap = data.number()
            offset = gap if offset is None else offset + 8 * (gap + 1)
            code = data.number()
            folded = code >> 1
            to = number - (folded + 1) // 2 if folded % 2 else number + folded // 2
            block["ptrs"].append((offset, to, data.number() if code & 1 else 0))
        blocks.append(block)
    if data.at != len(data.text):
        raise ValueError("blocks record: %d characters after its blocks"
                         % (len(data.text) - data.at))
    return blocks
