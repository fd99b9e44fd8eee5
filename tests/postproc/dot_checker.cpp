#include "dot_checker.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>

namespace memattr::test {

namespace {

struct Token {
    enum class Kind { word, string, punctuation, end } kind;
    std::string text;  // decoded for strings
    std::size_t at;
};

class Lexer {
public:
    explicit Lexer(const std::string& text) : text_(text) {}

    Token next() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
            ++pos_;
        const std::size_t at = pos_;
        if (pos_ == text_.size()) return {Token::Kind::end, "", at};
        const char c = text_[pos_];
        if (c == '"') return {Token::Kind::string, quoted(), at};
        if (text_.compare(pos_, 2, "->") == 0) {
            pos_ += 2;
            return {Token::Kind::punctuation, "->", at};
        }
        if (std::string_view("{}[];,=").find(c) != std::string_view::npos) {
            ++pos_;
            return {Token::Kind::punctuation, std::string(1, c), at};
        }
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
            std::string word;
            while (pos_ < text_.size() &&
                   (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
                    text_[pos_] == '.'))
                word += text_[pos_++];
            return {Token::Kind::word, word, at};
        }
        fail(at, fmt::format("unexpected byte 0x{:02x}", static_cast<unsigned char>(c)));
    }

    [[noreturn]] static void fail(std::size_t at, const std::string& what) {
        throw DotError(fmt::format("at byte {}: {}", at, what));
    }

private:
    // The length of the valid UTF-8 sequence at pos_, or 0.
    std::size_t utf8_length() const {
        const auto lead = static_cast<unsigned char>(text_[pos_]);
        const std::size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
        if (length == 0 || lead > 0xf4 || pos_ + length > text_.size()) return 0;
        for (std::size_t i = 1; i < length; ++i)
            if ((static_cast<unsigned char>(text_[pos_ + i]) & 0xc0) != 0x80) return 0;
        return length;
    }

    std::string quoted() {
        const std::size_t start = pos_++;
        std::string decoded;
        for (;;) {
            if (pos_ == text_.size()) fail(start, "unterminated string");
            const auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                ++pos_;
                return decoded;
            }
            if (c < 0x20 || c == 0x7f) fail(pos_, fmt::format("raw control byte 0x{:02x}", c));
            if (c == '\\') {
                const char escaped = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
                if (escaped == '"' || escaped == '\\') decoded += escaped;
                else if (escaped == 'n') decoded += '\n';
                else fail(pos_, fmt::format("escape '\\{}' Graphviz would interpret", escaped));
                pos_ += 2;
            } else if (c == '&') {
                if (text_.compare(pos_, 5, "&amp;") != 0)
                    fail(pos_, "'&' that is not '&amp;': Graphviz would decode an entity");
                decoded += '&';
                pos_ += 5;
            } else if (c >= 0x80) {
                const std::size_t length = utf8_length();
                if (length == 0) fail(pos_, "invalid UTF-8");
                decoded += text_.substr(pos_, length);
                pos_ += length;
            } else {
                decoded += static_cast<char>(c);
                ++pos_;
            }
        }
    }

    const std::string& text_;
    std::size_t pos_ = 0;
};

class Parser {
public:
    explicit Parser(const std::string& text) : lexer_(text) { advance(); }

    DotGraph parse() {
        expect_word("digraph");
        graph_.name = identifier();
        expect("{");
        while (!(token_.kind == Token::Kind::punctuation && token_.text == "}")) statement();
        advance();
        if (token_.kind != Token::Kind::end) Lexer::fail(token_.at, "data after the graph");
        for (const DotEdge& edge : graph_.edges)
            for (const std::string& end : {edge.from, edge.to})
                if (!graph_.nodes.contains(end))
                    Lexer::fail(0, "edge to undeclared node '" + end + "'");
        return graph_;
    }

private:
    void advance() { token_ = lexer_.next(); }

    void expect(const std::string& punctuation) {
        if (token_.kind != Token::Kind::punctuation || token_.text != punctuation)
            Lexer::fail(token_.at, "expected '" + punctuation + "', found '" + token_.text + "'");
        advance();
    }

    void expect_word(const std::string& word) {
        if (token_.kind != Token::Kind::word || token_.text != word)
            Lexer::fail(token_.at, "expected '" + word + "'");
        advance();
    }

    std::string identifier() {
        if (token_.kind != Token::Kind::word && token_.kind != Token::Kind::string)
            Lexer::fail(token_.at, "expected an identifier, found '" + token_.text + "'");
        std::string text = token_.text;
        advance();
        return text;
    }

    DotAttributes attributes() {
        DotAttributes result;
        expect("[");
        while (!(token_.kind == Token::Kind::punctuation && token_.text == "]")) {
            std::string name = identifier();
            expect("=");
            std::string value = identifier();
            if (!result.emplace(name, value).second)
                Lexer::fail(token_.at, "attribute '" + name + "' given twice");
            if (token_.kind == Token::Kind::punctuation && token_.text == ",") advance();
        }
        advance();
        return result;
    }

    void statement() {
        const std::size_t at = token_.at;
        const std::string first = identifier();
        if (first == "graph" || first == "node" || first == "edge") {
            DotAttributes& target = first == "graph"  ? graph_.graph
                                    : first == "node" ? graph_.node_defaults
                                                      : graph_.edge_defaults;
            target = attributes();
        } else if (token_.kind == Token::Kind::punctuation && token_.text == "->") {
            advance();
            DotEdge edge{first, identifier(), {}};
            edge.attributes = attributes();
            graph_.edges.push_back(std::move(edge));
        } else {
            if (graph_.nodes.contains(first))
                Lexer::fail(at, "node '" + first + "' declared twice");
            graph_.nodes[first] = attributes();
        }
        expect(";");
    }

    Lexer lexer_;
    Token token_{Token::Kind::end, "", 0};
    DotGraph graph_;
};

}  // namespace

DotGraph parse_dot(const std::string& text) { return Parser(text).parse(); }

std::vector<std::string> dot_lines(const std::string& value) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = value.find('\n', start);
        lines.push_back(value.substr(start, end - start));
        if (end == std::string::npos) return lines;
        start = end + 1;
    }
}

std::optional<std::string> render_with_graphviz(const std::string& dot_text) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                      ("memattr-dot-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "graph.dot", std::ios::binary) << dot_text;
    const std::string command = "dot -Tsvg '" + (dir / "graph.dot").string() + "' -o '" +
                                (dir / "graph.svg").string() + "' 2>'" +
                                (dir / "stderr").string() + "'";
    const int status = std::system(command.c_str());
    std::ifstream errors(dir / "stderr");
    std::ostringstream text;
    text << errors.rdbuf();
    std::error_code error;
    const bool has_svg = std::filesystem::file_size(dir / "graph.svg", error) > 0 && !error;
    std::filesystem::remove_all(dir);
    if (status != 0 || !has_svg) return std::nullopt;
    return text.str();
}

}  // namespace memattr::test
