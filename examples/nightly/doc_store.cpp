// The nightly job's example program (docs/nightly.md): a small document store that loads
// documents, indexes their names and answers a few lookups. Built three ways, it plays three
// nights of a project's history:
//   - night 1, as it is: the baseline;
//   - night 2, with -DDOC_STORE_REGRESSION: someone added a global cache that copies every
//     document's body (a copy that could be a move: the original is never read again) and
//     keeps a settings buffer it never frees (a 777-byte leak);
//   - night 3, with the regression fixed (as night 1).
// Each allocation happens in a function of its own, as in a real program, so that memattr
// names the line; the functions stay the same whatever the build, so their sites keep
// their stable keys across -O1/-O2, build directories and edits elsewhere in the file.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

struct Document {
    std::string name;
    std::vector<char> body;
};

static std::vector<Document> load_documents(int count)
{
    std::vector<Document> docs;
    for (int i = 0; i < count; i++) {
        Document doc;
        doc.name = "document-" + std::to_string(i) + "-of-the-nightly-example";
        doc.body.assign(2048 + 32 * static_cast<std::size_t>(i), static_cast<char>('a' + i % 26));
        docs.push_back(std::move(doc));
    }
    return docs;
}

static std::map<std::string, std::size_t> index_names(const std::vector<Document>& docs)
{
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < docs.size(); i++) index[docs[i].name] = i;
    return index;
}

#ifdef DOC_STORE_REGRESSION
// Night 2's regression, both halves of it.
static std::vector<std::vector<char>> g_body_cache;

static void cache_bodies(const std::vector<Document>& docs)
{
    for (const Document& doc : docs) g_body_cache.push_back(doc.body);  // copies, never moves
}

static char* volatile g_settings;

static void load_settings()
{
    g_settings = static_cast<char*>(std::malloc(777));
    std::memset(g_settings, 's', 777);
    g_settings = nullptr;  // the only pointer to it, gone: a leak
}
#endif

int main()
{
    std::vector<Document> docs = load_documents(200);
#ifdef DOC_STORE_REGRESSION
    cache_bodies(docs);
    load_settings();
#endif
    const std::map<std::string, std::size_t> index = index_names(docs);
    std::size_t found = 0;
    for (int i = 0; i < 200; i += 7)
        found += index.count("document-" + std::to_string(i) + "-of-the-nightly-example");
    std::printf("%zu documents, %zu found\n", docs.size(), found);
    return 0;
}
