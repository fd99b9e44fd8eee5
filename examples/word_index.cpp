// The bundled example for the quick start: a small "search engine" that
// generates documents, indexes their words, and answers a few queries.
// Its memory story is typical of real programs, and memattr names each
// part of it at the peak:
//   - the documents themselves (load_documents),
//   - a copy of every document kept "just in case" (keep_backup),
//   - the inverted index (build_index),
//   - a lookup table built eagerly at start-up and sized for the worst case
//     (build_stopword_table),
//   - many short-lived strings while tokenising (tokenize).
#include <cstdio>
#include <map>
#include <string>
#include <vector>

using Document = std::string;
using Index = std::map<std::string, std::vector<int>>;

static const char* const kWords[] = {
    "memory", "peak", "owner", "clone", "arena", "page", "heap", "block",
    "site", "stack", "frame", "copy", "move", "lifetime", "leak", "cache",
};

static std::vector<Document> load_documents(int count)
{
    std::vector<Document> docs;
    unsigned seed = 12345;
    for (int d = 0; d < count; d++) {
        Document doc;
        for (int w = 0; w < 60; w++) {
            seed = seed * 1103515245u + 12345u;
            doc += kWords[(seed >> 16) % 16];
            doc += ' ';
        }
        docs.push_back(doc);
    }
    return docs;
}

static std::vector<std::string> tokenize(const Document& doc)
{
    std::vector<std::string> words;
    std::string word;
    for (char c : doc) {
        if (c == ' ') {
            words.push_back(word);
            word.clear();
        } else {
            word += c;
        }
    }
    return words;
}

static Index build_index(const std::vector<Document>& docs)
{
    Index index;
    for (int d = 0; d < static_cast<int>(docs.size()); d++)
        for (const std::string& word : tokenize(docs[d]))
            index[word].push_back(d);
    return index;
}

static std::vector<Document> keep_backup(const std::vector<Document>& docs)
{
    return docs;   // a deep copy that nothing reads again
}

static std::vector<char> build_stopword_table()
{
    return std::vector<char>(1 << 20, 0);   // 1 MiB for a handful of stopwords
}

int main()
{
    std::vector<char> stopwords = build_stopword_table();
    std::vector<Document> docs = load_documents(2000);
    std::vector<Document> backup = keep_backup(docs);
    Index index = build_index(docs);

    size_t hits = 0;
    for (const char* query : {"clone", "arena", "leak"})
        hits += index[query].size();
    std::printf("indexed %zu documents, %zu distinct words, %zu hits, %zu stopword bytes, "
                "%zu backup documents\n",
                docs.size(), index.size(), hits, stopwords.size(), backup.size());
    return 0;
}
