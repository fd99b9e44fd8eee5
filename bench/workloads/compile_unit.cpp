// bench/ compiler workload (issue 13): a mid-size C++ translation unit for `g++ -c` (or
// `clang++ -c`) under each tool with --trace-children=yes, so that the compiler proper
// (cc1plus) is what is measured. Not meant to be run; it must compile without warnings at
// -O2 -std=c++17. The standard headers (<regex> above all) make most of the work: a
// compiler's heap at the size of a real source file, with its garbage-collected arenas.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace bench {

// A tiny expression language: tokens, a parser into a tree, and an evaluator, templated on
// the number type.
enum class TokenKind { number, name, op, open, close, end };

struct Token {
    TokenKind kind;
    std::string text;
};

inline std::vector<Token> tokenize(const std::string& source)
{
    static const std::regex token_re(R"(\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_]\w*)|([-+*/^])|(\()|(\))))");
    std::vector<Token> tokens;
    auto begin = std::sregex_iterator(source.begin(), source.end(), token_re);
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        if (m[1].matched) tokens.push_back({TokenKind::number, m[1]});
        else if (m[2].matched) tokens.push_back({TokenKind::name, m[2]});
        else if (m[3].matched) tokens.push_back({TokenKind::op, m[3]});
        else if (m[4].matched) tokens.push_back({TokenKind::open, "("});
        else tokens.push_back({TokenKind::close, ")"});
    }
    tokens.push_back({TokenKind::end, ""});
    return tokens;
}

template <typename Number>
struct Node {
    using Ptr = std::unique_ptr<Node>;
    std::variant<Number, std::string, std::tuple<char, Ptr, Ptr>> value;
};

template <typename Number>
class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

    typename Node<Number>::Ptr parse() { return sum(); }

private:
    using Ptr = typename Node<Number>::Ptr;

    const Token& peek() const { return tokens_[at_]; }
    const Token& next() { return tokens_[at_++]; }

    static Ptr binary(char op, Ptr left, Ptr right)
    {
        auto node = std::make_unique<Node<Number>>();
        node->value = std::make_tuple(op, std::move(left), std::move(right));
        return node;
    }

    Ptr sum()
    {
        Ptr left = product();
        while (peek().kind == TokenKind::op && (peek().text == "+" || peek().text == "-")) {
            char op = next().text[0];
            left = binary(op, std::move(left), product());
        }
        return left;
    }

    Ptr product()
    {
        Ptr left = power();
        while (peek().kind == TokenKind::op && (peek().text == "*" || peek().text == "/")) {
            char op = next().text[0];
            left = binary(op, std::move(left), power());
        }
        return left;
    }

    Ptr power()
    {
        Ptr base = atom();
        if (peek().kind == TokenKind::op && peek().text == "^") {
            next();
            return binary('^', std::move(base), power());
        }
        return base;
    }

    Ptr atom()
    {
        const Token& token = next();
        auto node = std::make_unique<Node<Number>>();
        switch (token.kind) {
        case TokenKind::number: {
            std::istringstream in(token.text);
            Number value{};
            in >> value;
            node->value = value;
            return node;
        }
        case TokenKind::name: node->value = token.text; return node;
        case TokenKind::open: {
            Ptr inner = sum();
            if (next().kind != TokenKind::close) throw std::runtime_error("expected )");
            return inner;
        }
        default: throw std::runtime_error("unexpected token '" + token.text + "'");
        }
    }

    std::vector<Token> tokens_;
    std::size_t at_ = 0;
};

template <typename Number>
Number evaluate(const Node<Number>& node, const std::map<std::string, Number>& names)
{
    return std::visit(
        [&](const auto& value) -> Number {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, Number>) {
                return value;
            } else if constexpr (std::is_same_v<T, std::string>) {
                auto found = names.find(value);
                if (found == names.end()) throw std::runtime_error("unknown name " + value);
                return found->second;
            } else {
                const auto& [op, left, right] = value;
                Number a = evaluate(*left, names), b = evaluate(*right, names);
                switch (op) {
                case '+': return a + b;
                case '-': return a - b;
                case '*': return a * b;
                case '/': return b == Number{} ? Number{} : a / b;
                default: {
                    Number r{1};
                    for (Number i{}; i < b; i = i + Number{1}) r = r * a;
                    return r;
                }
                }
            }
        },
        node.value);
}

// A word index: maps, sets and sorting over strings, with a few algorithm templates.
class WordIndex {
public:
    void add(const std::string& document, int id)
    {
        std::string word;
        for (char c : document + " ") {
            if (std::isalpha(static_cast<unsigned char>(c))) {
                word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            } else if (!word.empty()) {
                postings_[word].insert(id);
                ++counts_[word];
                word.clear();
            }
        }
    }

    std::vector<std::pair<std::string, int>> most_common(std::size_t n) const
    {
        std::vector<std::pair<std::string, int>> all(counts_.begin(), counts_.end());
        std::partial_sort(all.begin(), all.begin() + std::min(n, all.size()), all.end(),
                          [](const auto& a, const auto& b) {
                              return std::tie(b.second, a.first) < std::tie(a.second, b.first);
                          });
        all.resize(std::min(n, all.size()));
        return all;
    }

    std::set<int> both(const std::string& a, const std::string& b) const
    {
        std::set<int> out;
        auto pa = postings_.find(a), pb = postings_.find(b);
        if (pa == postings_.end() || pb == postings_.end()) return out;
        std::set_intersection(pa->second.begin(), pa->second.end(), pb->second.begin(),
                              pb->second.end(), std::inserter(out, out.begin()));
        return out;
    }

private:
    std::map<std::string, std::set<int>> postings_;
    std::unordered_map<std::string, int> counts_;
};

template <typename Key, typename Value, typename Combine>
std::map<Key, Value> group_by(const std::vector<std::pair<Key, Value>>& rows, Combine combine)
{
    std::map<Key, Value> out;
    for (const auto& [key, value] : rows) {
        auto [it, inserted] = out.emplace(key, value);
        if (!inserted) it->second = combine(it->second, value);
    }
    return out;
}

template <typename Range, typename Projection>
auto sorted_by(Range range, Projection projection)
{
    std::stable_sort(range.begin(), range.end(), [&](const auto& a, const auto& b) {
        return std::invoke(projection, a) < std::invoke(projection, b);
    });
    return range;
}

} // namespace bench

// Entry points with external linkage, so that nothing above is optimised away.
double bench_evaluate_double(const std::string& source, const std::map<std::string, double>& names)
{
    bench::Parser<double> parser(bench::tokenize(source));
    return bench::evaluate(*parser.parse(), names);
}

std::vector<std::pair<std::string, int>> bench_index(const std::vector<std::string>& documents)
{
    bench::WordIndex index;
    for (std::size_t i = 0; i < documents.size(); ++i) index.add(documents[i], static_cast<int>(i));
    return index.most_common(10);
}

std::map<std::string, long> bench_group(const std::vector<std::pair<std::string, long>>& rows)
{
    return bench::group_by(rows, [](long a, long b) { return a + b; });
}

std::vector<std::tuple<int, std::string, double>> bench_sort(std::vector<std::tuple<int, std::string, double>> rows)
{
    rows = bench::sorted_by(std::move(rows), [](const auto& row) { return std::get<1>(row); });
    return bench::sorted_by(std::move(rows), [](const auto& row) { return std::get<2>(row); });
}

