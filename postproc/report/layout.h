// Layout helpers the text sections share (report/sections/*.cpp): titles, key/value rows,
// numbered entries, site rankings and the few phrases more than one section words the same
// way. A helper only one section uses lives in that section's file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/analysis.h"
#include "report/names.h"
#include "report/section.h"

namespace memattr {

// The width of the label column of key/value rows (write_row).
inline constexpr std::size_t kLabelWidth = 16;

// ---------------------------------------------------------------- words and figures

// "1 block", "3 blocks".
std::string blocks(std::uint64_t count);

// A time in the trace's unit, e.g. "1.20 M instructions".
std::string time_of(const ReportModel& model, std::uint64_t time);

// A mean as a whole count. Means of 64-bit figures can round to 2^64, which does not convert
// back to an integer; those saturate.
std::uint64_t rounded(double value);

// A change of live bytes in `size`'s words with a sign: "+352 B", "-1.00 KiB", "0 B" with
// human_bytes.
std::string signed_size(std::int64_t change, std::string (*size)(std::uint64_t));

// A change with bytes_with_exact, signed on both figures: "+352 bytes", "-1.00 KiB (-1,024
// bytes)", "0 bytes".
std::string signed_bytes(std::int64_t change);

// "site 3: parse (parse.c:12)".
std::string describe_site(const ReportModel& model, std::size_t row);

// "parse (parse.c:12) [site 3]": a site named inside a sentence.
std::string site_name(const ReportModel& model, std::size_t row);

// Removes the trailing spaces a line gets from empty columns.
std::string trim_right(std::string line);

// ---------------------------------------------------------------- lines

// A section's title, underlined, after a blank line.
void write_title(std::ostream& out, std::string_view title);

// A key/value row; an empty label continues the previous row.
void write_row(std::ostream& out, std::string_view label, std::string_view text);

// A numbered entry: the first line after its rank, the others indented under it.
void write_entry(std::ostream& out, std::size_t rank, const std::vector<std::string>& lines);

// How many of `count` rows the text shows with --top.
std::size_t shown_rows(const ReportModel& model, std::size_t count);

// Says that --top left rows out, when it did.
void write_top_note(std::ostream& out, std::size_t shown, std::size_t candidates,
                    std::string_view rows);

// A site's folded stack, one frame a line, and how many callers --frames left out.
void write_stack(const SiteRow& row, std::ostream& out);

// ---------------------------------------------------------------- site rankings

// What a ranking says about one site: its headline lines, before the location and stack.
using SiteDescription = std::function<std::vector<std::string>(const SiteRow&)>;

// A section ranking sites: its title, `when_empty` if no site takes part, else the entries,
// each with the site's location and stack. `explanation`, when given, says in one line what
// the section means.
void write_ranking(const ReportModel& model, std::ostream& out, std::string_view title,
                   const Ranking& ranking, std::string_view when_empty,
                   const SiteDescription& describe, std::string_view explanation = {});

// ---------------------------------------------------------------- snapshot sections

// Which snapshot the snapshot sections describe: text titles and JSON say "peak" and "exit".
inline constexpr EnumName<SnapshotChoice> kSnapshotChoiceNames[] = {
    {SnapshotChoice::peak, "peak"},
    {SnapshotChoice::exit, "exit"},
    {SnapshotChoice::requested, "requested"},
};

// The moment the snapshot sections (owners, duplicates, unreachable) describe, for their
// titles: "peak", "exit", or the requested snapshot's name.
std::string snapshot_moment(const OwnershipReport& ownership);

// Writes a snapshot section's title; false (after saying why) when there is no snapshot.
bool write_snapshot_title(const ReportModel& model, std::ostream& out, std::string_view title);

// One sentence saying why there is no snapshot (ReportModel::ownership.missing is set): the
// snapshot sections print it, and the profile commands give it as their error.
std::string no_snapshot_reason(const ReportModel& model);

// Likewise, why there is no leak check (ReportModel::leaks.missing is set).
std::string no_leak_check_reason(const ReportModel& model);

// ---------------------------------------------------------------- JSON fields

// "0x4a2f10".
std::string hex_address(std::uint64_t address);

// {"blocks": ..., "bytes": ...}.
Json blocks_and_bytes(std::uint64_t blocks, std::uint64_t bytes);

// A frame: function, file, directory, line, object, address, whether inlined.
Json frame_json(const Frame& frame);

// A site's or a copy's location: frame_json, so that json_report keeps it once in its frame
// table with the stacks' frames.
Json location_json(const Frame& frame);

// A stack as an array of frame_json.
Json stack_json(const std::vector<Frame>& frames);
Json stack_json(const FrameList& frames);

// The id the JSON names site row `row` by.
std::uint64_t site_id(const ReportModel& model, std::size_t row);

// A heap snapshot's description (the ownership and leak sections both show theirs).
Json snapshot_json(const SnapshotSummary& snapshot);

}  // namespace memattr
