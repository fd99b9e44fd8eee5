"""Copy lineage: clones that could be moves (memcpy, copy loops, rep movs; C++ copies by
value; Rust clone()), relocation churn, never-read bytes, the lineage graph, and what
changes with access tracking off."""

import os
import shutil

from fixtures import (at_line, expect_report, line_of, memattr, run, rustc_missing,
                      sites_with_frame, without_time)


def site_by_id(report, site_id):
    return next(site for site in report["sites"] if site["id"] == site_id)


def movable_rows(report, source, line):
    """'Copies that could be moves' rows whose copy site is source:line."""
    return [row for row in report["copies"]["movable_clones"]
            if at_line(row["location"], source, line)]


def rows_in_source(report, source):
    return [row for row in report["copies"]["movable_clones"]
            if os.path.basename(row["location"]["file"]) == source]


def check_movable(results, name, report, source, copy_line, original_line, peak_bytes):
    """One copy site's clones that could be moves: bytes at the peak, and the
    original's allocation site."""
    rows = movable_rows(report, source, copy_line)
    results.equal(f"{name}: bytes at the peak of originals beside their clones",
                  sum(row["peak_source_bytes"] for row in rows), peak_bytes)
    originals = {site_by_id(report, row["source_site"])["location"]["line"] for row in rows}
    results.equal(f"{name}: the originals' allocation site", originals, {original_line})


def check_clone_memcpy_findings(env, results, r, src):
    """The movable clones and relocations of c_clone_memcpy.c, line by line."""
    line = lambda m: line_of(env, src, m)
    check_movable(results, "c_clone_memcpy: memcpy clone", r, src, line("CLONE"),
                  line("ORIGINAL"), 300000)
    check_movable(results, "c_clone_memcpy: inline copy loop clone", r, src,
                  line("LOOP_CLONE"), line("LOOP_ORIGINAL"), 40000)
    check_movable(results, "c_clone_memcpy: rep movsq clone", r, src, line("REP_CLONE"),
                  line("REP_ORIGINAL"), 16384)
    results.equal("c_clone_memcpy: no other copy flagged (source read after, relocations)",
                  r["copies"]["totals"]["movable_clones"]["peak_source_bytes"], 356384)
    for marker in ("READ_AFTER", "MOVE_BY_COPY", "REALLOC"):
        results.equal(f"c_clone_memcpy: @{marker} is not a clone that could be a move",
                      movable_rows(r, src, line(marker)), [])
    relocations = r["copies"]["relocations"]
    results.check("c_clone_memcpy: realloc that moved is relocation churn at its line",
                  any(at_line(row["location"], src, line("REALLOC")) and row["kind"] == "realloc"
                      and row["bytes"] == 1000 for row in relocations), f"{relocations}")
    results.check("c_clone_memcpy: memcpy then free is relocation churn at its line",
                  any(at_line(row["location"], src, line("MOVE_BY_COPY"))
                      and row["bytes"] == 4000 for row in relocations), f"{relocations}")


def case_c_clone_memcpy(env, results):
    src = "c_clone_memcpy.c"
    traced = memattr(env, src)
    r = expect_report(results, "c_clone_memcpy", traced)
    if not r:
        return
    check_clone_memcpy_findings(env, results, r, src)
    line = lambda m: line_of(env, src, m)
    never = sites_with_frame(r, src, line("NEVER_READ"))
    results.equal("c_clone_memcpy: the table written and never read",
                  [site["access"]["written_never_read"]["bytes"] for site in never], [64000])
    results.equal("c_clone_memcpy: the clone read back is not never-read",
                  [site["access"]["never_read"]["bytes"]
                   for site in sites_with_frame(r, src, line("CLONE_ALLOC"))], [0])
    text = traced.text
    results.check("c_clone_memcpy: the text report names the copy line",
                  f"{src}:{line('CLONE')}" in text.split("Copies that could be moves")[-1],
                  text[-3000:])


def lineage_between(env, r, src, from_marker, to_marker):
    """The lineage rows (every class) from the sites allocated at one marker's line to
    those at another's."""
    line = lambda m: line_of(env, src, m)
    sources = {site["id"] for site in sites_with_frame(r, src, line(from_marker))}
    destinations = {site["id"] for site in sites_with_frame(r, src, line(to_marker))}
    return [row for row in r["copies"]["lineage"]
            if row["from"] in sources and row["to"] in destinations]


def pair_figures(rows):
    keys = ("pairs", "bytes", "source_bytes", "destination_bytes", "peak_source_bytes")
    return {key: sum(row[key] for row in rows) for key in keys}


def case_c_copy_fanout(env, results):
    """Pairs whose one end went first are kept in the chain of the other end, in a
    smaller shape: edited in the middle of a long source chain, carried by a realloc
    that moves the source, and in a destination's chain of MA_MAX_SOURCES sources freed
    out of order. Every pair's figures are still what the program did."""
    src = "c_copy_fanout.c"
    r = expect_report(results, "c_copy_fanout", memattr(env, src))
    if not r:
        return
    fanout, piece, moved = 64, 256, 64 * 1024
    # The peak is the realloc's new block beside the 42 copies not freed before it;
    # each source size is the one the source had when it went (moved: 64 KiB).
    results.equal("c_copy_fanout: the peak", r["summary"]["peak"]["bytes"],
                  moved + 42 * piece)
    results.equal("c_copy_fanout: one source into 64 blocks",
                  pair_figures(lineage_between(env, r, src, "FANOUT_SOURCE", "FANOUT_DEST")),
                  {"pairs": fanout, "bytes": fanout * piece, "source_bytes": fanout * moved,
                   "destination_bytes": fanout * piece, "peak_source_bytes": 42 * moved})
    results.equal("c_copy_fanout: four sources into one block",
                  pair_figures(lineage_between(env, r, src, "FANIN_SOURCE", "FANIN_DEST")),
                  {"pairs": 4, "bytes": 4 * piece, "source_bytes": 4 * piece,
                   "destination_bytes": 4 * 4 * piece, "peak_source_bytes": 0})
    line = lambda m: line_of(env, src, m)
    results.equal("c_copy_fanout: the source's move is one relocation",
                  [(row["kind"], row["pairs"], row["bytes"]) for row in r["copies"]["relocations"]
                   if at_line(row["location"], src, line("FANOUT_MOVE"))],
                  [("realloc", 1, piece)])


def record_lengths():
    """cxx_clone_vs_move.cpp's records: "record-<i>:" then 24 + i % 50 letters."""
    return [len(f"record-{i}:") + 24 + i % 50 for i in range(200)]


def case_cxx_clone_vs_move(env, results):
    src = "cxx_clone_vs_move.cpp"
    line = lambda m: line_of(env, src, m)
    r = expect_report(results, "cxx_clone_vs_move copy", memattr(env, src, args=["copy"]))
    if r:
        # The whole deep copy: the vector's buffer (200 strings of 32 bytes) and each
        # string's heap buffer, in one finding named after the buffer's site.
        check_movable(results, "cxx_clone_vs_move copy: vector<string> passed by value",
                      r, src, line("COPY"), line("RESERVE"),
                      200 * 32 + sum(n + 1 for n in record_lengths()))
        results.equal("cxx_clone_vs_move copy: one pair per record and one for the buffer",
                      sum(row["pairs"] for row in movable_rows(r, src, line("COPY"))), 201)
    r = expect_report(results, "cxx_clone_vs_move move", memattr(env, src, args=["move"]))
    if r:
        results.equal("cxx_clone_vs_move move: std::move gives no finding",
                      r["copies"]["movable_clones"], [])


def rust_segment_bytes():
    """rust_clone_vs_move.rs's segment_size over 4 threads of 40 segments."""
    return sum(1000 + 16 * ((t * 31 + i * 7) % 64) for t in range(4) for i in range(40))


def check_rust_clones(env, results, r, src):
    """rust_clone_vs_move.rs run with "clone": one finding per segment, and nothing else.
    The copies are made in Segment's Clone implementation (@CLONE), which every clone of a
    Segment runs: they are at the line that asked for a clone (@ADD_CLONE)."""
    line = lambda m: line_of(env, src, m)
    rows = movable_rows(r, src, line("ADD_CLONE"))
    results.equal("rust_clone_vs_move clone: bytes at the peak of originals beside "
                  "their clones (4 threads)",
                  sum(row["peak_source_bytes"] for row in rows), rust_segment_bytes())
    results.equal("rust_clone_vs_move clone: one pair per segment",
                  sum(row["pairs"] for row in rows), 160)
    results.equal("rust_clone_vs_move clone: nothing else in the program flagged",
                  sum(row["pairs"] for row in rows_in_source(r, src)), 160)
    originals = {site_by_id(r, row["source_site"])["location"]["line"] for row in rows}
    results.check("rust_clone_vs_move clone: originals allocated in make_segments",
                  originals and originals <= {line("ORIGINAL")}, f"{originals}")
    results.check("rust_clone_vs_move clone: Vec growth is relocation churn",
                  any(row["kind"] == "realloc" for row in r["copies"]["relocations"]))


def case_rust_clone_vs_move(env, results):
    if rustc_missing(results, "rust_clone_vs_move"):
        return
    src = "rust_clone_vs_move.rs"
    r = expect_report(results, "rust_clone_vs_move clone", memattr(env, src, args=["clone"]))
    if r:
        check_rust_clones(env, results, r, src)
    r = expect_report(results, "rust_clone_vs_move move", memattr(env, src, args=["move"]))
    if r:
        # (The Rust runtime's own start-up copies are reported at `main`, outside
        # the program's source; they are not the program's.)
        results.equal("rust_clone_vs_move move: into_iter() gives no finding",
                      rows_in_source(r, src), [])


def check_copy_lines(env, results, name, traced, src, generated_marker, expected_pairs):
    """Copies made by code generated for a type (a #[derive(Clone)], an implicit copy
    constructor), called from two lines: each line is its own copy location with its own
    pairs (each element's and the container's filled element by element), the generated code's line is none, and each row's JSON stack is whole (the copy
    function and the generated code under the location)."""
    r = expect_report(results, name, traced)
    if not r:
        return
    line = lambda m: line_of(env, src, m)
    rows = rows_in_source(r, src)
    results.equal(f"{name}: copy locations and their clones",
                  {row["location"]["line"]: row["pairs"] for row in rows},
                  {line(marker): pairs for marker, pairs in expected_pairs.items()})
    for row in rows:
        stack = row.get("stack", [])
        at = row.get("location_in_stack", 0)
        where = f"{name}: the stack of the copy at line {row['location']['line']}"
        results.check(f"{where} has its location at location_in_stack",
                      at < len(stack) and stack[at] == row["location"], f"{row}")
        results.check(f"{where} starts with the copy function",
                      stack and "vgpreload_memattr" in stack[0]["obj"], f"{stack[:1]}")
        generated = [frame for frame in stack[:at]
                     if os.path.basename(frame["file"]) == src
                     and frame["line"] in generated_marker(line)]
        results.check(f"{where} keeps the generated code under the location", generated,
                      f"{[(f['fn'], f['file'], f['line']) for f in stack]}")
    text = traced.text.split("Copies that could be moves")[-1].split("Relocation churn")[0]
    for marker in expected_pairs:
        results.check(f"{name}: the text report names the line of @{marker}",
                      f"{src}:{line(marker)})" in text, text)


def case_rust_derive_clone(env, results):
    if rustc_missing(results, "rust_derive_clone"):
        return
    src = "rust_derive_clone.rs"
    # The derive's code has the derive's line, or its field's (rustc -O1 inlines it).
    check_copy_lines(env, results, "rust_derive_clone", memattr(env, src), src,
                     lambda line: {line("DERIVE"), line("DERIVE") + 1, line("DERIVE") + 2},
                     {"FIRST": 4, "SECOND": 6})


def case_cxx_copy_constructed(env, results):
    src = "cxx_copy_constructed.cpp"
    check_copy_lines(env, results, "cxx_copy_constructed", memattr(env, src), src,
                     lambda line: {line("ROSTER")}, {"FIRST": 4, "SECOND": 6})


def check_deep_copy(env, results, name, r, src, buffer_bytes, element_bytes):
    """One deep copy of a container of records at @COPY: a single finding there whose
    originals at the peak are the source buffer and every record's blocks, with the
    original buffer's site as its source."""
    line = lambda m: line_of(env, src, m)
    rows = movable_rows(r, src, line("COPY"))
    results.equal(f"{name}: one finding for the whole deep copy", len(rows), 1)
    results.equal(f"{name}: bytes at the peak of the originals beside their copy "
                  f"(buffer {buffer_bytes:,} + records' blocks {element_bytes:,})",
                  sum(row["peak_source_bytes"] for row in rows), buffer_bytes + element_bytes)
    results.equal(f"{name}: one pair per record's block and one for the buffer",
                  sum(row["pairs"] for row in rows), 2001)
    originals = {site_by_id(r, row["source_site"])["location"]["line"] for row in rows}
    results.equal(f"{name}: the finding's originals are the buffer's site", originals,
                  {line("ORIGINAL_BUFFER")})
    savings = [row for row in r["findings"] if row["kind"] == "movable_clone"
               and row["location"] and at_line(row["location"], src, line("COPY"))]
    results.equal(f"{name}: the savings ranking counts the whole deep copy",
                  [row["bytes"] for row in savings], [buffer_bytes + element_bytes])


def deep_copy_case(env, results, src, buffer_bytes, element_bytes):
    """A program copying a container of 1,000 records at @COPY (check_deep_copy)."""
    name = os.path.splitext(src)[0]
    r = expect_report(results, name, memattr(env, src))
    if r:
        check_deep_copy(env, results, name, r, src, buffer_bytes, element_bytes)


def case_cxx_vector_of_records(env, results):
    # Records of 72 bytes; a name of 41 bytes and 8 ints each.
    deep_copy_case(env, results, "cxx_vector_of_records.cpp", 1000 * 72, 1000 * (41 + 32))


def case_rust_vec_of_records_clone(env, results):
    if not rustc_missing(results, "rust_vec_of_records_clone"):
        # Records of 56 bytes; a name of 40 bytes and 8 u32 each.
        deep_copy_case(env, results, "rust_vec_of_records_clone.rs", 1000 * 56,
                       1000 * (40 + 32))


def case_lineage_graph(env, results):
    trace = memattr(env, "c_clone_memcpy.c").trace
    dot_file = env.out("lineage.dot")
    proc = run([env.graph, "lineage", trace, "-o", dot_file])
    if not results.check("lineage: memattr-graph lineage writes a DOT file",
                         proc.returncode == 0 and os.path.exists(dot_file), proc.stderr):
        return
    with open(dot_file) as f:
        dot = f.read()
    results.check("lineage: the clone that could be a move is highlighted", "red" in dot, dot[:2000])
    if shutil.which("dot"):
        proc = run(["dot", "-Tsvg", dot_file, "-o", env.out("lineage.svg")])
        results.check("lineage: Graphviz renders it", proc.returncode == 0, proc.stderr)


def case_access_off(env, results):
    src = "c_clone_memcpy.c"
    off = memattr(env, src, options=["--track-access=no"])
    r = expect_report(results, "access off", off)
    if not r:
        return
    results.equal("access off: the trace says access tracking was off",
                  r["trace"]["access"], False)
    results.equal("access off: no copy findings", r["copies"]["movable_clones"], [])
    results.check("access off: the report says why there is no copy analysis",
                  "--track-access=no" in off.text, off.text[-2000:])
    on = memattr(env, src).report
    # (Instruction times differ: the copy functions run differently.)
    results.equal("access off: same peak as with access tracking",
                  without_time(r["summary"]["peak"]), without_time(on["summary"]["peak"]))


CASES = [case_c_clone_memcpy, case_c_copy_fanout, case_cxx_clone_vs_move, case_rust_clone_vs_move,
         case_rust_derive_clone, case_cxx_copy_constructed, case_cxx_vector_of_records,
         case_rust_vec_of_records_clone, case_lineage_graph, case_access_off]
