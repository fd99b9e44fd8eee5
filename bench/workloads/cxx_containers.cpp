// memattr benchmark workload: C++ containers and strings.
// Each round builds many heap std::strings (longer than the SSO buffer), deep-copies and
// moves a std::vector of them, builds and copies a std::map<std::string, std::vector<int>>,
// and grows vectors by push_back. Prints a checksum so the work cannot be optimised away.
// Usage: cxx_containers [rounds]   (default 40; about 3.4 M allocations, ~0.2 s at -O2)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr int kStrings = 20000;   // strings per round
constexpr int kMapKeys = 2000;    // map entries per round
constexpr int kGrowVecs = 512;    // vectors grown by push_back per round
constexpr int kGrowLen = 200;     // elements pushed into each

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

std::uint64_t hash_str(const std::string& s) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    return h;
}

std::uint64_t round_work(int round) {
    std::uint64_t sum = 0;

    // Many heap strings (all longer than 15 chars, so none fits the SSO buffer).
    std::vector<std::string> names;
    names.reserve(kStrings);
    for (int i = 0; i < kStrings; ++i) {
        std::string s = "item-number-" + std::to_string(round) + "-" + std::to_string(i);
        s += "-padding-to-defeat-sso";
        names.push_back(std::move(s));
    }

    // Deep copy, then move (the move allocates nothing).
    std::vector<std::string> copy = names;
    std::vector<std::string> moved = std::move(copy);
    sum = mix(sum, moved.size());
    sum = mix(sum, hash_str(moved[static_cast<std::size_t>(round) % moved.size()]));

    // A map of string -> vector<int>, then a full copy of it.
    std::map<std::string, std::vector<int>> index;
    for (int i = 0; i < kMapKeys; ++i) {
        std::vector<int>& v = index[names[static_cast<std::size_t>(i * 7) % names.size()]];
        for (int k = 0; k < 8 + (i % 16); ++k) v.push_back(i + k);
    }
    std::map<std::string, std::vector<int>> index_copy = index;
    for (const auto& [key, vec] : index_copy) {
        sum = mix(sum, key.size());
        sum = mix(sum, static_cast<std::uint64_t>(vec.back()));
    }

    // Vectors grown one element at a time (each growth reallocates and relocates).
    std::vector<std::vector<int>> grown(kGrowVecs);
    for (int i = 0; i < kGrowVecs; ++i)
        for (int k = 0; k < kGrowLen; ++k) grown[static_cast<std::size_t>(i)].push_back(i ^ k);
    for (const auto& v : grown) sum = mix(sum, static_cast<std::uint64_t>(v[v.size() / 2]));

    return sum;
}

}  // namespace

int main(int argc, char** argv) {
    int rounds = argc > 1 ? std::atoi(argv[1]) : 40;
    std::uint64_t sum = 0;
    for (int r = 0; r < rounds; ++r) sum = mix(sum, round_work(r));
    std::printf("cxx_containers rounds=%d checksum=%016llx\n", rounds,
                static_cast<unsigned long long>(sum));
    return 0;
}
