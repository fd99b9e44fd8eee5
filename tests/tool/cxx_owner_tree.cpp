// Ownership at the peak: a Document owns Pages, a Page owns Lines, a Line owns its glyph
// buffer; a global cache also points at the first line's glyphs of every page, so those
// buffers are shared and retained by neither owner. A stack variable holds a scratch
// buffer at the peak. test_tool.py computes every retained size from the constants below.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "memattr.h"

constexpr int kPages = 8;
constexpr int kLinesPerPage = 12;

// The glyph buffer size of line l of page p.
static std::size_t glyph_bytes(int p, int l) { return 1000 + 8 * (p * kLinesPerPage + l); }

struct Line {
    char* glyphs;
    std::size_t size;
};

struct Page {
    std::vector<Line*> lines;
    long number;
};

struct Document {
    std::vector<Page*> pages;
    long id;
};

struct Cache {
    std::vector<char*> entries;
};

Document* g_document;   // the global root of the tree
Cache* g_cache;         // a second global root, sharing glyph buffers

__attribute__((noinline)) static Line* make_line(int p, int l) {
    Line* line = new Line;                                          // @LINE
    line->size = glyph_bytes(p, l);
    line->glyphs = static_cast<char*>(std::malloc(line->size));     // @GLYPH
    std::memset(line->glyphs, 'a' + l, line->size);
    return line;
}

__attribute__((noinline)) static Page* make_page(int p) {
    Page* page = new Page;                                          // @PAGE
    page->number = p;
    page->lines.reserve(kLinesPerPage);                             // @LINES
    for (int l = 0; l < kLinesPerPage; l++) page->lines.push_back(make_line(p, l));
    return page;
}

__attribute__((noinline)) static void build() {
    g_document = new Document;                                      // @DOCUMENT
    g_document->id = 42;
    g_document->pages.reserve(kPages);                              // @PAGES
    for (int p = 0; p < kPages; p++) g_document->pages.push_back(make_page(p));
    g_cache = new Cache;                                            // @CACHE
    g_cache->entries.reserve(kPages);                               // @ENTRIES
    for (Page* page : g_document->pages) g_cache->entries.push_back(page->lines[0]->glyphs);
}

// The first free after the heap has grown: memattr's peak snapshot is taken here.
__attribute__((noinline)) static void reach_peak() {
    void* temporary = std::malloc(16);                              // @TEMPORARY
    std::free(temporary);
}

// Stack scanning is conservative: a slot of a live frame that the function has not
// written yet still holds whatever a returned call left there (here: build()'s last
// Page), and memattr cannot tell it from a live pointer (Memcheck can, by definedness).
// The program clears that dead stack so the retained sizes are exactly the designed ones.
__attribute__((noinline)) static void clear_dead_stack() {
    volatile char dead[16384];
    for (std::size_t i = 0; i < sizeof dead; i++) dead[i] = 0;
}

__attribute__((noinline)) static void hold_on_stack() {
    char* volatile scratch = static_cast<char*>(std::malloc(5000));  // @SCRATCH
    std::memset(scratch, 's', 5000);
    reach_peak();
    std::free(scratch);
}

int main() {
    build();
    MEMATTR_SNAPSHOT("built");   // a requested snapshot; the peak one comes later
    clear_dead_stack();
    hold_on_stack();
    long pages = static_cast<long>(g_document->pages.size());
    std::printf(pages == kPages ? "done\n" : "wrong\n");
    return 0;
}
