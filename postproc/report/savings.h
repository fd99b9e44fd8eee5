// Savings: what need not be there, one list across the analyses, ranked by the bytes each
// fix would save. (The reports call them findings; history/run_figures.h's Finding is the
// nightly job's figure of one such row, read back from the JSON report.)
//
// Each analysis has its own section further down the report (copies, duplicates, never read,
// leaks, growth, the memory map), with its own units and its own order. A reader who opens
// the report wants the answer first: which lines, fixed, give back the most memory. This file
// turns the rows of those analyses into one kind of row (a Saving: a saving in bytes, the
// line to look at, one line of evidence) and ranks them, for the text report's "What need
// not be there" section, the JSON report's `findings` and the HTML report's first screen.
//
// The keys of findings are also the keys the sections print beside their own rows (and that
// `memattr-graph diff` matches runs by), so they are made here, once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.h"

namespace memattr {

// What a finding is about; reports print the words of kSavingKindNames (savings.cpp).
enum class SavingKind {
    movable_clone,  // originals kept beside their clones, never used again: a move would do
    duplicate,      // live blocks with equal contents, between a set of sites
    never_read,     // blocks live at the peak that the program wrote and never read
    unreachable,    // blocks live at the peak that no root reaches: leaked already
    leak,           // definitely lost at exit (with what is indirectly lost through it)
    growth,         // a site's live bytes that grow by about the same every iteration
    unused_mapping, // an arena's pages written yet holding no live block at the peak
    never_written,  // memory reserved and never written: a site's large blocks (their pages
                    // never written), a mapping the program made (accessible, never written)
};

// "copy that could be a move", as the text report prints it; saving_kind_word: the JSON
// report's identifier, "movable_clone".
std::string_view saving_kind_name(SavingKind kind);
std::string_view saving_kind_word(SavingKind kind);

// When a finding's bytes would be saved.
enum class SavingMoment {
    peak,  // at the peak: the fix lowers the peak (or the snapshot taken near it) by `bytes`
    exit,  // at exit (leaks, growth over the iterations): the fix stops the loss
};

struct Saving {
    SavingKind kind = SavingKind::never_read;
    SavingMoment moment = SavingMoment::peak;
    std::uint64_t bytes = 0;        // what fixing it would save, at `moment`
    bool estimate = false;          // `bytes` is a proportional estimate (never read: the
                                    // site's share of never-read bytes applied to its peak)
    std::string key;                // its stable key (stable_key.h), as its section prints it
    std::optional<Frame> location;  // the line to look at
    std::vector<std::size_t> sites; // the sites it is about (indexes into ReportModel::sites)
    std::string evidence;           // one line saying what was seen, naming the sites
};

// Every finding of `model` with a saving of at least one byte, most bytes first (ties: the
// kind's order above, then the key). Parts of the model that were not analysed add none.
std::vector<Saving> rank_savings(const ReportModel& model);

// The stable keys of the rows the findings come from (the sections print them too).
std::string movable_clone_key(const ReportModel& model, const MovableCloneRow& row);
std::string duplicate_set_key(const ReportModel& model, const BlocksBySite& sites);
std::string leak_key(const ReportModel& model, LeakKind kind, std::size_t site);
std::string growth_key(const ReportModel& model, std::string_view phase, std::size_t site);

// "definitely lost" -> "definitely_lost": a leak category as a JSON key and in leak keys.
std::string leak_kind_key(LeakKind kind);

}  // namespace memattr
