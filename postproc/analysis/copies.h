// Copies: the trace's copy groups classified (docs/memattr-graph.md, "Copies") and gathered
// into the rows of the report's copy sections and the edges of the lineage graph.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/site_folding.h"
#include "analysis/site_rows.h"
#include "trace/trace.h"

namespace memattr {

// What a group of copy pairs is to the reports (docs/memattr-graph.md, "Copies").
enum class CopyClass {
    relocation,     // realloc, or a copy whose source was freed promptly (src-fate=prompt):
                    // vector growth, move-by-copy. Costs time, not memory
    movable_clone,  // a clone whose source was never used after it yet stayed allocated:
                    // a move would have saved the source
    clone,          // a clone whose source was used after it: a legitimate copy
    partial,        // a copy of less than the threshold's share of its destination
};

// The class of `copy` with a clone threshold of `clone_threshold` percent.
CopyClass classify_copy(const CopyGroup& copy, unsigned clone_threshold);

// Figures summed over copy groups; each is the sum of the `copy` key it names.
struct CopyFigures {
    std::uint64_t pairs = 0;              // n: (source, destination) block pairs
    std::uint64_t bytes = 0;              // bytes: copied
    std::uint64_t source_bytes = 0;       // src-bytes: the sources' sizes
    std::uint64_t destination_bytes = 0;  // dst-bytes: the destinations' sizes
    std::uint64_t peak_source_bytes = 0;  // peak-src-bytes: sources beside their copies at the
                                          // peak
    std::uint64_t overlap = 0;            // overlap: bytes x time sources spent beside copies

    // Adds `copy`'s figures (saturating: a sum too big for 64 bits stays at the maximum).
    void add(const CopyGroup& copy);
    // Adds `other`'s figures, likewise.
    void add(const CopyFigures& other);
};

// Copy rows are grouped by *copy location*: the site frame of the copy stack folded by
// SiteFolder::fold_copy (the first frame of the program's own code, past the tool's memcpy
// replacement, library code and code generated for a type), compared by function, file,
// directory, line and object, so that several copy instructions of one source line are one
// location.

// A copy's stack whole, with the frames the folding skipped: the JSON report gives it so
// that the copy function and the generated clone under a location stay in sight.
struct CopyStack {
    std::vector<Frame> frames;          // innermost first: the frames folded away (the copy
                                        // function, library code, code generated for a
                                        // type), then the location and its callers, at most
                                        // --frames of them from the location on
    std::size_t location_position = 0;  // frames[location_position] is the location
    std::size_t omitted_frames = 0;     // callers beyond --frames, not in `frames`
    std::uint64_t bytes = 0;            // what its copy group copied: a row keeps the stack of
                                        // its group that copied most, the first on a tie
};

// "Copies that could be moves": clone pairs whose source was never used afterwards, grouped
// by copy location and by the sources' site. A deep copy is one row: the containers copied
// element by element (deep_copies.h) join the row of their elements' copies, and the row is
// then named after the original containers' site.
struct MovableCloneRow {
    Frame location;                  // where the copies were made
    std::size_t source_site = 0;     // the originals' site (the containers' for a deep copy):
                                     // an index into ReportModel::sites
    std::vector<std::size_t> destination_sites;  // the clones' sites, indexes into
                                                 // ReportModel::sites, by ascending site id
    CopyFigures figures;             // summed over the row's copy groups
    CopyStack stack;                 // the stack of the row's largest copy group
};

// "Relocation churn": relocations grouped by where they were made and how.
struct RelocationRow {
    Frame location;         // where the copies (or the realloc calls) were made
    CopyKind kind = CopyKind::copy;  // copy: the program copied and freed promptly; realloc
    CopyFigures figures;    // summed over the row's copy groups
    CopyStack stack;        // the stack of the row's largest copy group
};

// Copy totals per class, over every copy group of the trace.
struct CopyTotals {
    CopyFigures movable_clones;  // CopyClass::movable_clone
    CopyFigures relocations;     // CopyClass::relocation
    CopyFigures clones;          // CopyClass::clone: legitimate copies, not flagged
    CopyFigures partial;         // CopyClass::partial: not flagged
};

// One edge of the lineage graph: copies of one class from one site's blocks into another's.
struct LineageEdge {
    std::size_t from = 0;  // the sources' site: an index into ReportModel::sites
    std::size_t to = 0;    // the destinations' site, likewise (may equal `from`)
    CopyClass kind = CopyClass::partial;
    CopyFigures figures;   // summed over the edge's copy groups
    std::vector<Frame> locations;  // the distinct copy locations, in trace order
};

// Copies by where they were made, with the callers: what a profile of bytes copied
// (`memattr-graph folded --metric copies`) draws. One row per distinct copy stack of the
// trace, whatever the class of its copies.
struct CopyStackRow {
    FrameList stack;      // folded like SiteRow::stack: the copy location first, then its
                          // callers, at most --frames of them
    CopyFigures figures;       // summed over the copy groups made from this stack
};

// Copy lineage, classified. Empty without access tracking (RunInfo::access).
struct CopyAnalysis {
    std::vector<MovableCloneRow> movable_clones;  // every row, by peak_source_bytes, then
                                                  // overlap, then bytes (all descending)
    std::vector<RelocationRow> relocations;       // every row, by bytes descending
    CopyTotals totals;
    std::vector<LineageEdge> lineage;             // every edge, by bytes, then pairs
                                                  // (descending), then site ids
    std::vector<CopyStackRow> by_stack;           // every copy stack, in trace order of
                                                  // first use
};

// The copy analysis of `trace`, its sites named by their index in `sites` (`row_of_site[i]`
// is the row of Trace::sites[i]) and its copy stacks folded by `folder`.
CopyAnalysis analyse_copies(const Trace& trace, const std::vector<SiteRow>& sites,
                            const std::vector<std::size_t>& row_of_site, const SiteFolder& folder,
                            unsigned clone_threshold);

}  // namespace memattr
