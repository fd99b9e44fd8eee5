// memattr benchmark workload: a mid-size translation unit for a compiler run (issue 13):
//   g++ -std=c++17 -c cxx_compile_unit.cpp -o /dev/null   (about 2 s natively)
// It includes heavy standard headers (<map>, <vector>, <string>, <algorithm>, <regex>)
// and instantiates them over a few types, so cc1plus builds a large GC heap.
#include <algorithm>
#include <map>
#include <numeric>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace workload {

struct Record {
   std::string name;
   std::vector<int> values;
   std::map<std::string, double> attributes;
};

template <typename Key, typename Value>
std::map<Key, std::vector<Value>> group_by(const std::vector<std::pair<Key, Value>>& items)
{
   std::map<Key, std::vector<Value>> groups;
   for (const auto& [key, value] : items) groups[key].push_back(value);
   return groups;
}

std::vector<std::string> tokens(const std::string& text)
{
   static const std::regex word(R"([A-Za-z_][A-Za-z0-9_]*)");
   std::vector<std::string> out;
   for (auto it = std::sregex_iterator(text.begin(), text.end(), word);
        it != std::sregex_iterator(); ++it)
      out.push_back(it->str());
   return out;
}

std::map<std::string, int> word_counts(const std::vector<std::string>& words)
{
   std::map<std::string, int> counts;
   for (const auto& w : words) counts[w]++;
   return counts;
}

double score(const Record& r)
{
   double sum = std::accumulate(r.values.begin(), r.values.end(), 0.0);
   for (const auto& [key, value] : r.attributes) sum += value * static_cast<double>(key.size());
   return sum;
}

std::vector<Record> top_records(std::vector<Record> records, std::size_t n)
{
   std::sort(records.begin(), records.end(),
             [](const Record& a, const Record& b) { return score(a) > score(b); });
   if (records.size() > n) records.resize(n);
   return records;
}

std::string render(const std::vector<Record>& records)
{
   std::ostringstream out;
   for (const auto& r : records) {
      out << r.name << ':';
      for (int v : r.values) out << ' ' << v;
      out << '\n';
   }
   return out.str();
}

std::unordered_map<std::string, std::set<int>> index_of(const std::vector<Record>& records)
{
   std::unordered_map<std::string, std::set<int>> index;
   for (const auto& r : records)
      for (int v : r.values) index[r.name].insert(v);
   return index;
}

bool matches(const std::string& s, const std::string& pattern)
{
   return std::regex_match(s, std::regex(pattern, std::regex::icase));
}

}  // namespace workload

int workload_entry(int argc, char** argv)
{
   std::vector<workload::Record> records;
   for (int i = 0; i < argc; i++)
      records.push_back({argv[i], {i, i * 2, i * 3}, {{"weight", 1.5 * i}}});
   auto top = workload::top_records(records, 3);
   auto text = workload::render(top);
   auto counts = workload::word_counts(workload::tokens(text));
   auto index = workload::index_of(records);
   std::vector<std::pair<std::string, int>> pairs;
   for (const auto& [w, c] : counts) pairs.emplace_back(w, c);
   auto groups = workload::group_by(pairs);
   std::vector<std::pair<int, double>> numbers{{1, 2.0}, {1, 3.0}, {2, 4.0}};
   auto numeric_groups = workload::group_by(numbers);
   return static_cast<int>(groups.size() + numeric_groups.size() + index.size())
          + (workload::matches(text, ".*a.*") ? 1 : 0);
}
