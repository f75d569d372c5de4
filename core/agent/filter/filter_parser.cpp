#include "agent/filter/filter_parser.h"

#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "agent/filter/filter_lexer.h"
#include "agent/filter/filter_strings.h"

namespace meshx::agent::detail {
namespace {

// What pigeon lists as "expected" at the common failure points.
constexpr std::string_view kExpectExpression =
    R"("(", "-", "0", "\"", "`", "not", [ \t\r\n], [1-9] or [a-zA-Z])";
constexpr std::string_view kExpectAndOr = R"("and", "or", [ \t\r\n] or EOF)";
constexpr std::string_view kExpectIn = R"("in", "not" or [ \t\r\n])";
constexpr std::string_view kExpectKeyword = R"("contains", "in", "is", "matches" or "not")";
constexpr std::string_view kExpectOperator = R"("!=", ".", "==", "[" or [ \t\r\n])";
constexpr std::string_view kExpectValue = R"("-", "0", "\"", "`", [1-9] or [a-zA-Z])";
constexpr std::string_view kExpectSpace = R"([ \t\r\n])";
constexpr std::string_view kExpectIdentifier = R"([a-zA-Z])";

// Unwinds the descent on the first error; never leaves the parser.
struct ParseFailure {
    std::size_t offset;
    std::string message;
};

class Parser {
  public:
    explicit Parser(std::string_view text) : lexer_(text) {}

    std::unique_ptr<FilterNode> parse() {
        auto root = parseOr(0);
        if (peek().kind != TokenKind::End) {
            failExpected(peek(), kExpectAndOr);
        }
        return root;
    }

  private:
    // Tokens are lexed on demand and kept in a deque, whose push_back never moves the ones
    // already handed out by reference.
    const Token& peek(std::size_t ahead = 0) {
        while (tokens_.size() <= pos_ + ahead) {
            tokens_.push_back(lexer_.next());
        }
        return tokens_[pos_ + ahead];
    }
    const Token& next() {
        const Token& t = peek();
        if (t.kind != TokenKind::End) {
            ++pos_;
        }
        return t;
    }
    static bool isWord(const Token& t, std::string_view word) {
        return t.kind == TokenKind::Identifier && t.text == word;
    }

    [[noreturn]] static void fail(std::size_t offset, std::string message) {
        throw ParseFailure{offset, std::move(message)};
    }
    [[noreturn]] static void failExpected(const Token& at, std::string_view expected) {
        // A malformed literal explains itself better than a list of alternatives.
        if (!at.error.empty()) {
            fail(at.errorOffset, at.error);
        }
        fail(at.offset, "no match found, expected: " + std::string(expected));
    }
    static void requireSpace(const Token& t) {
        if (!t.spaceBefore) {
            failExpected(t, kExpectSpace);
        }
    }
    // A binary keyword (and/or) counts only with whitespace on both sides, as in the PEG.
    bool atBinary(std::string_view word) {
        return isWord(peek(), word) && peek().spaceBefore && peek(1).spaceBefore;
    }

    std::unique_ptr<FilterNode> parseOr(int depth) {
        return parseChain(depth, FilterNode::Kind::Or, "or");
    }

    std::unique_ptr<FilterNode> parseAnd(int depth) {
        return parseChain(depth, FilterNode::Kind::And, "and");
    }

    std::unique_ptr<FilterNode> parseChain(int depth, FilterNode::Kind kind,
                                           std::string_view word) {
        auto operand = [&] {
            return kind == FilterNode::Kind::Or ? parseAnd(depth) : parseNot(depth);
        };
        auto first = operand();
        if (!atBinary(word)) {
            return first;
        }
        auto node = std::make_unique<FilterNode>();
        node->kind = kind;
        node->children.push_back(std::move(first));
        while (atBinary(word)) {
            next();
            node->children.push_back(operand());
        }
        return node;
    }

    // `not` is the unary operator only where the PEG would take it as one: followed by
    // whitespace and by something that is not an operator. Otherwise it is a selector or value
    // named "not" (`not in Tags` is the value "not" in Tags).
    bool atUnaryNot() {
        if (!isWord(peek(), "not")) {
            return false;
        }
        const Token& after = peek(1);
        if (!after.spaceBefore) {
            return false;
        }
        if (after.kind == TokenKind::Equal || after.kind == TokenKind::NotEqual) {
            return false;
        }
        return !(isWord(after, "is") || isWord(after, "in") || isWord(after, "contains") ||
                 isWord(after, "matches"));
    }

    void enter(int depth) {
        if (depth >= kMaxFilterDepth) {
            fail(peek().offset,
                 "expression nests deeper than " + std::to_string(kMaxFilterDepth) + " levels");
        }
    }

    std::unique_ptr<FilterNode> parseNot(int depth) {
        enter(depth);
        if (atUnaryNot()) {
            next();
            auto node = std::make_unique<FilterNode>();
            node->kind = FilterNode::Kind::Not;
            node->children.push_back(parseNot(depth + 1));
            return node;
        }
        if (peek().kind == TokenKind::LParen) {
            next();
            auto inner = parseOr(depth + 1);
            if (peek().kind != TokenKind::RParen) {
                if (!peek().error.empty()) {
                    fail(peek().errorOffset, peek().error);
                }
                fail(peek().offset, "rule \"grouping\": Unmatched parentheses");
            }
            next();
            return inner;
        }
        return parseMatch();
    }

    std::vector<std::string> parseSelector() {
        std::vector<std::string> parts{next().text};
        for (;;) {
            const Token& t = peek();
            if (t.spaceBefore) {
                return parts;
            }
            if (t.kind == TokenKind::Dot) {
                next();
                const Token& ident = peek();
                if (ident.kind != TokenKind::Identifier || ident.spaceBefore) {
                    failExpected(ident, kExpectIdentifier);
                }
                parts.push_back(next().text);
            } else if (t.kind == TokenKind::LBracket) {
                next();
                const Token& key = peek();
                if (key.kind != TokenKind::String) {
                    fail(key.offset, "rule \"index\": Invalid index");
                }
                if (!key.error.empty()) {
                    fail(key.errorOffset, key.error);
                }
                parts.push_back(next().text);
                if (peek().kind != TokenKind::RBracket) {
                    fail(peek().offset, "rule \"index\": Unclosed index expression");
                }
                next();
            } else {
                return parts;
            }
        }
    }

    // A value: a selector-looking word (kept as text, dotted), a number or a string.
    std::string parseValue() {
        const Token& t = peek();
        if (!t.error.empty()) {
            fail(t.errorOffset, t.error);
        }
        if (t.kind == TokenKind::Identifier) {
            return joinSelector(parseSelector(), static_cast<std::size_t>(-1));
        }
        if (t.kind == TokenKind::Number || t.kind == TokenKind::String) {
            return next().text;
        }
        failExpected(t, kExpectValue);
    }

    std::unique_ptr<FilterNode> makeMatch(std::vector<std::string> selector, MatchOp op,
                                          std::optional<std::string> value) {
        auto match = std::make_unique<MatchExpr>();
        match->selector = std::move(selector);
        match->op = op;
        match->hasValue = value.has_value();
        if (value) {
            match->raw = std::move(*value);
        }
        auto node = std::make_unique<FilterNode>();
        node->kind = FilterNode::Kind::Match;
        node->match = std::move(match);
        return node;
    }

    // `value [not] in selector`, the value already consumed.
    std::unique_ptr<FilterNode> parseInSelector(std::string value) {
        bool negated = false;
        if (isWord(peek(), "not") && peek().spaceBefore) {
            next();
            negated = true;
            if (!isWord(peek(), "in")) {
                failExpected(peek(), R"("in")");
            }
            requireSpace(peek());
        }
        if (!isWord(peek(), "in") || !peek().spaceBefore) {
            failExpected(peek(), kExpectIn);
        }
        next();
        const Token& sel = peek();
        if (sel.kind != TokenKind::Identifier) {
            if (!sel.error.empty()) {
                fail(sel.errorOffset, sel.error);
            }
            fail(sel.offset, "rule \"match\": Invalid selector");
        }
        requireSpace(sel);
        return makeMatch(parseSelector(), negated ? MatchOp::NotIn : MatchOp::In, std::move(value));
    }

    std::unique_ptr<FilterNode> parseMatch() {
        const Token& first = peek();
        if (first.kind == TokenKind::Number || first.kind == TokenKind::String) {
            if (!first.error.empty()) {
                fail(first.errorOffset, first.error);
            }
            return parseInSelector(next().text);
        }
        if (first.kind != TokenKind::Identifier) {
            failExpected(first, kExpectExpression);
        }
        std::vector<std::string> selector = parseSelector();
        const Token& op = peek();
        if (op.kind == TokenKind::Equal || op.kind == TokenKind::NotEqual) {
            next();
            const MatchOp matchOp =
                op.kind == TokenKind::Equal ? MatchOp::Equal : MatchOp::NotEqual;
            return makeMatch(std::move(selector), matchOp, parseValue());
        }
        if (op.kind != TokenKind::Identifier || !op.spaceBefore) {
            failExpected(op, op.spaceBefore ? kExpectKeyword : kExpectOperator);
        }
        if (op.text == "is") {
            next();
            bool negated = false;
            if (isWord(peek(), "not") && peek().spaceBefore) {
                next();
                negated = true;
            }
            if (!isWord(peek(), "empty")) {
                failExpected(peek(), negated ? R"("empty")" : R"("empty" or "not")");
            }
            requireSpace(peek());
            next();
            return makeMatch(std::move(selector), negated ? MatchOp::IsNotEmpty : MatchOp::IsEmpty,
                             std::nullopt);
        }
        if (op.text == "contains" || op.text == "matches") {
            next();
            requireSpace(peek());
            const MatchOp matchOp = op.text == "contains" ? MatchOp::In : MatchOp::Matches;
            return makeMatch(std::move(selector), matchOp, parseValue());
        }
        if (op.text == "not" && (isWord(peek(1), "contains") || isWord(peek(1), "matches"))) {
            next();
            requireSpace(peek());
            const MatchOp matchOp =
                next().text == "contains" ? MatchOp::NotIn : MatchOp::NotMatches;
            requireSpace(peek());
            return makeMatch(std::move(selector), matchOp, parseValue());
        }
        if (op.text == "in" || op.text == "not") {
            // The word before was a value, not a selector: `web in Tags`.
            return parseInSelector(joinSelector(selector, selector.size()));
        }
        failExpected(op, kExpectKeyword);
    }

    FilterLexer lexer_;
    std::deque<Token> tokens_;
    std::size_t pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<FilterNode>> parseFilter(std::string_view text) {
    try {
        Parser parser(text);
        return parser.parse();
    } catch (const ParseFailure& failure) {
        return makeError(Code::ParseError,
                         filter_strings::goPosition(text, failure.offset) + ": " + failure.message);
    }
}

}  // namespace meshx::agent::detail
