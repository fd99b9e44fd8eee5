// Frames that report rows name by reference: one shared copy of the trace's frame table,
// and rows that hold indexes into it.
//
// A compiler's trace has 75,000 sites and 12,000 frames: each site row holding its own
// copies of its frames (a Frame is four strings) took 180 MB for a 40 MB trace, where the
// indexes take 2 MB. The table is shared (not borrowed from the Trace) because a
// ReportModel outlives the Trace it was made from (read_model drops the trace once analysed).
// Both types read like the Frame or the std::vector<Frame> they replace, so the reporters
// format them unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include "trace/trace.h"

namespace memattr {

// The frame table rows refer to: Trace::frames, copied once per analysis.
using SharedFrames = std::shared_ptr<const std::vector<Frame>>;

// One frame of a shared table, or none (default constructed: told_apart_by when no caller
// tells the site apart). Converts to `const Frame&` so it passes wherever a Frame is read.
class FrameRef {
public:
    FrameRef() = default;
    FrameRef(SharedFrames table, std::size_t index)
        : table_(std::move(table)), index_(static_cast<std::uint32_t>(index)) {}

    bool has_value() const { return table_ != nullptr; }
    explicit operator bool() const { return has_value(); }
    const Frame& operator*() const { return (*table_)[index_]; }
    const Frame* operator->() const { return &(*table_)[index_]; }
    operator const Frame&() const { return **this; }  // NOLINT: reads as the Frame it names

private:
    SharedFrames table_;
    std::uint32_t index_ = 0;  // into *table_ (32 bits, as Stack::frames)
};

// A list of frames of a shared table (a folded stack), read like a const std::vector<Frame>.
class FrameList {
public:
    // Iterates the frames themselves (not the indexes), random access.
    class const_iterator {
    public:
        using iterator_category = std::random_access_iterator_tag;
        using value_type = Frame;
        using difference_type = std::ptrdiff_t;
        using pointer = const Frame*;
        using reference = const Frame&;

        const_iterator() = default;
        const_iterator(const std::vector<Frame>* table, const std::uint32_t* at)
            : table_(table), at_(at) {}
        reference operator*() const { return (*table_)[*at_]; }
        pointer operator->() const { return &**this; }
        reference operator[](difference_type n) const { return (*table_)[at_[n]]; }
        const_iterator& operator++() { ++at_; return *this; }
        const_iterator operator++(int) { const_iterator was = *this; ++at_; return was; }
        const_iterator& operator--() { --at_; return *this; }
        const_iterator operator--(int) { const_iterator was = *this; --at_; return was; }
        const_iterator& operator+=(difference_type n) { at_ += n; return *this; }
        const_iterator& operator-=(difference_type n) { at_ -= n; return *this; }
        friend const_iterator operator+(const_iterator it, difference_type n) { return it += n; }
        friend const_iterator operator+(difference_type n, const_iterator it) { return it += n; }
        friend const_iterator operator-(const_iterator it, difference_type n) { return it -= n; }
        friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
            return a.at_ - b.at_;
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) {
            return a.at_ == b.at_;
        }
        friend auto operator<=>(const const_iterator& a, const const_iterator& b) {
            return a.at_ <=> b.at_;
        }

    private:
        const std::vector<Frame>* table_ = nullptr;
        const std::uint32_t* at_ = nullptr;
    };
    using value_type = Frame;
    using size_type = std::size_t;
    using const_reverse_iterator = std::reverse_iterator<const_iterator>;

    FrameList() = default;
    // The frames at `indexes` of `table`.
    FrameList(SharedFrames table, std::vector<std::uint32_t> indexes)
        : table_(std::move(table)), indexes_(std::move(indexes)) {}
    // `frames` themselves, in a table of their own (a list made outside an analysis).
    explicit FrameList(std::vector<Frame> frames)
        : table_(std::make_shared<const std::vector<Frame>>(std::move(frames))),
          indexes_(table_->size()) {
        for (std::size_t i = 0; i < indexes_.size(); ++i)
            indexes_[i] = static_cast<std::uint32_t>(i);
    }

    std::size_t size() const { return indexes_.size(); }
    bool empty() const { return indexes_.empty(); }
    const Frame& operator[](std::size_t i) const { return (*table_)[indexes_[i]]; }
    const Frame& front() const { return (*this)[0]; }
    const Frame& back() const { return (*this)[size() - 1]; }
    const_iterator begin() const { return {table_.get(), indexes_.data()}; }
    const_iterator end() const { return {table_.get(), indexes_.data() + indexes_.size()}; }
    const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
    const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

private:
    SharedFrames table_;
    std::vector<std::uint32_t> indexes_;  // into *table_, in list order
};

}  // namespace memattr
