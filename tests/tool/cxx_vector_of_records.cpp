// A batch of records passed by value: std::vector<Record>'s copy constructor copies the
// records one by one, so the copy is a deep copy made of three kinds of block: the vector's
// buffer (filled by stores, element by element), each record's name and each record's
// values.  The caller never uses its batch again: the whole deep copy could have been a move.
//
// Known answer (x86-64, libstdc++): sizeof(Record) = 32 (name) + 24 (values) + 8 (id)
// + 8 (score) = 72; the originals are a buffer of kRecords records (reserved exactly), each
// record's name of 40 characters (a heap buffer of 41 bytes) and its 8 values (32 bytes).
// Bytes of the originals beside their copy at the peak: 1,000 x 72 + 1,000 x (41 + 32)
// = 145,000, of which the buffer is 72,000.
#include <cstdio>
#include <string>
#include <vector>

struct Record {
    std::string name;
    std::vector<int> values;
    long id;
    double score;
};

static_assert(sizeof(Record) == 72, "the known answer assumes libstdc++'s layout");

static const int kRecords = 1000;

// Reads every record of its own copy: the copy is used.
__attribute__((noinline)) static double stage(std::vector<Record> batch)
{
    double sum = 0;
    for (const Record& record : batch) {
        for (char c : record.name) sum += c;
        for (int v : record.values) sum += v;
        sum += static_cast<double>(record.id) + record.score;
    }
    return sum;
}

int main()
{
    std::vector<Record> records;
    records.reserve(kRecords);   // @ORIGINAL_BUFFER
    for (int i = 0; i < kRecords; i++)
        records.push_back(Record{std::string(40, static_cast<char>('a' + i % 26)),
                                 std::vector<int>(8, i), i, i * 0.5});
    double sum = stage(records);   // @COPY
    if (sum <= 0) std::puts("unexpected");
    std::puts("done");
    return 0;
}
