// A pipeline stage that takes its batch by value.  "copy": the caller
// passes its vector and never uses it again, so every record is cloned
// and the originals sit beside their clones at the peak: a move would
// have saved them.  "move": the same with std::move, nothing to find.
//
// Known answer for "copy": bytes of the originals live at the peak
// beside their clones = the vector's buffer (200 strings of 32 bytes,
// reserved exactly) and the record strings' heap buffers, sum over records
// of (length + 1) (all longer than the 15-byte small string buffer, so
// each has a heap buffer of exactly length + 1).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

static const int kRecords = 200;

static std::string make_record(int i)
{
    std::string s = "record-" + std::to_string(i) + ":";
    s.append(static_cast<size_t>(24 + i % 50), static_cast<char>('a' + i % 26));   // @APPEND
    return s;
}

// Reads every byte of its own copy: the batch is used, by the stage.
static size_t stage(std::vector<std::string> batch)
{
    size_t checksum = 0;
    for (const std::string& record : batch)
        for (char c : record) checksum += static_cast<unsigned char>(c);
    return checksum;
}

int main(int argc, char** argv)
{
    bool move = argc > 1 && std::strcmp(argv[1], "move") == 0;
    std::vector<std::string> records;
    records.reserve(kRecords);                  // @RESERVE
    for (int i = 0; i < kRecords; i++) records.push_back(make_record(i));

    size_t checksum;
    if (move)
        checksum = stage(std::move(records));   // @MOVE
    else
        checksum = stage(records);              // @COPY
    std::vector<char> report(64);               // work after the stage
    std::snprintf(report.data(), report.size(), "%zu", checksum);
    if (report[0] == 0) return 1;
    std::puts("done");
    return 0;
}
