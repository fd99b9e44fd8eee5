// Culprits: where the memory at the peak is, in one ranking a reader can act on.
//
// The heap's figures are by site, the memory map's by mapping group, thread stacks and
// start-up data apart; the resident estimate adds them up (analysis/memory_map.h). A reader
// who asks "what is my memory" wants one list: the sites whose blocks are live at the peak
// and the mappings whose written pages are resident, and the code of each object that ran
// and the file pages of each that were read, largest first, next to the estimate.
// The summary (and the HTML report's first screen) lead with it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis.h"

namespace memattr {

struct Culprit {
    enum class Kind { site, mapping, thread_stacks, startup, outside, code, read };
    Kind kind = Kind::site;
    std::uint64_t bytes = 0;            // site: requested bytes live at the peak, less its
                                        // unwritten bytes; otherwise the written bytes the
                                        // estimate counts for it
    std::optional<std::size_t> site;    // kind site: an index into ReportModel::sites
    std::optional<std::size_t> group;   // kind mapping: an index into memory_map.groups
    std::string name;                   // how a person reads it: "parse (parse.c:12) [site
                                        // 3]", "arena at arena.c:42", "thread stacks"
    std::uint64_t unwritten = 0;        // site: its large blocks' bytes on pages never
                                        // written in the memory map (not resident)
};

// The resident estimate's parts summed by what they are.
struct ResidentParts {
    std::uint64_t heap = 0;           // malloc blocks, usable bytes (replace mode)
    std::uint64_t mappings = 0;       // mapping groups' written pages (in wrap mode, glibc's
                                      // heap among them)
    std::uint64_t thread_stacks = 0;
    std::uint64_t startup = 0;        // the start-up segments' written data
    std::uint64_t outside = 0;        // written pages in no region
    std::uint64_t code = 0;           // file pages of the code that ran (page tracking only)
    std::uint64_t read = 0;           // file pages read through read-only mappings (page
                                      // tracking, and the page table seen, only)
};

ResidentParts resident_parts(const MemoryMapReport& map);

// Every site with bytes live at the peak and every part of the resident estimate but the
// heap (which the sites are), most bytes first (ties: sites first, then their order). In wrap
// mode glibc's heap is a mapping group: its blocks are the sites, so it is left out too.
std::vector<Culprit> rank_culprits(const ReportModel& model);

std::string_view culprit_kind_word(Culprit::Kind kind);

// The site culprits summed by the object of their site frame (the executable or the library
// whose code allocated), most bytes first: on a heap spread over thousands of sites (a
// compiler's), which library's code holds it.
struct ObjectHeap {
    std::string object;       // the site frame's object; "" when it has none
    std::uint64_t bytes = 0;  // the culprits' bytes (live at the peak, less never written)
    std::size_t sites = 0;
};
std::vector<ObjectHeap> heap_by_object(const ReportModel& model,
                                       const std::vector<Culprit>& culprits);

}  // namespace memattr
