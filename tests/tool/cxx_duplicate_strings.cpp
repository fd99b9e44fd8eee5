// Duplicate contents: 100,000 heap strings drawn from 200 distinct values, 500 copies of
// each, held by a global vector. Every string is built with its exact length, so each
// block holds exactly the value and its terminating NUL (no unused capacity that could
// differ between copies). test_tool.py computes the wasted bytes from value_of().
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

constexpr int kStrings = 100000;
constexpr int kValues = 200;

std::vector<std::string> g_strings;   // the global root

// Value v: "duplicate-value-<v>-" followed by v % 13 'x's (always longer than the
// 15 characters std::string keeps inline, so every string is a heap block).
static int value_of(int v, char* out) {
    int n = std::snprintf(out, 64, "duplicate-value-%d-", v);
    for (int i = 0; i < v % 13; i++) out[n++] = 'x';
    out[n] = 0;
    return n;
}

int main() {
    g_strings.reserve(kStrings);                                    // @BUFFER
    char text[64];
    for (int i = 0; i < kStrings; i++) {
        int n = value_of(i % kValues, text);
        g_strings.emplace_back(text, n);                            // @STRING
    }
    void* temporary = std::malloc(16);   // the first free: the peak snapshot
    std::free(temporary);
    std::printf(g_strings.size() == kStrings ? "done\n" : "wrong\n");
    return 0;
}
