#include "agent/filter/filter_lexer.h"

#include "agent/filter/filter_strings.h"

namespace meshx::agent::detail {
namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

}  // namespace

Token FilterLexer::next() {
    const std::string_view text = text_;
    const std::size_t n = text.size();
    std::size_t i = pos_;
    Token tok;
    if (done_) {
        tok.offset = n;
        return tok;
    }
    while (i < n && isSpace(text[i])) {
        ++i;
    }
    tok.spaceBefore = i > pos_;
    tok.offset = i;
    if (i >= n) {
        done_ = true;
        tok.kind = TokenKind::End;
        return tok;
    }
    const char c = text[i];
    if (isLetter(c)) {
        std::size_t j = i + 1;
        while (j < n && (isLetter(text[j]) || isDigit(text[j]) || text[j] == '_')) {
            ++j;
        }
        tok.kind = TokenKind::Identifier;
        tok.text = std::string(text.substr(i, j - i));
        i = j;
    } else if (isDigit(c) || (c == '-' && i + 1 < n && isDigit(text[i + 1]))) {
        std::size_t j = c == '-' ? i + 1 : i;
        if (text[j] == '0') {
            ++j;
        } else {
            while (j < n && isDigit(text[j])) {
                ++j;
            }
        }
        if (j + 1 < n && text[j] == '.' && isDigit(text[j + 1])) {
            j += 2;
            while (j < n && isDigit(text[j])) {
                ++j;
            }
        }
        tok.kind = TokenKind::Number;
        tok.text = std::string(text.substr(i, j - i));
        // go-bexpr: a number must be followed by whitespace, ')' or the end (`3x`, `10.0.0.1`).
        if (j < n && !isSpace(text[j]) && text[j] != ')') {
            tok.error = "rule \"number\": Invalid number literal";
            tok.errorOffset = j;
            done_ = true;
        }
        i = j;
    } else if (c == '"' || c == '`') {
        // The literal ends at the next quote of the same kind: go-bexpr's grammar has no
        // escaped quotes, escapes are only interpreted afterwards by strconv.Unquote.
        const std::size_t close = text.find(c, i + 1);
        tok.kind = TokenKind::String;
        if (close == std::string_view::npos) {
            tok.error = "rule \"string\": Unterminated string literal";
            tok.errorOffset = n;
            done_ = true;
            i = n;
        } else {
            if (auto value = filter_strings::goUnquote(text.substr(i, close + 1 - i))) {
                tok.text = std::move(*value);
            } else {
                tok.error = "rule \"string\": invalid syntax";
                tok.errorOffset = i;
                done_ = true;
            }
            i = close + 1;
        }
    } else if (c == '=' && i + 1 < n && text[i + 1] == '=') {
        tok.kind = TokenKind::Equal;
        i += 2;
    } else if (c == '!' && i + 1 < n && text[i + 1] == '=') {
        tok.kind = TokenKind::NotEqual;
        i += 2;
    } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == '.') {
        tok.kind = c == '('   ? TokenKind::LParen
                   : c == ')' ? TokenKind::RParen
                   : c == '[' ? TokenKind::LBracket
                   : c == ']' ? TokenKind::RBracket
                              : TokenKind::Dot;
        ++i;
    } else {
        tok.kind = TokenKind::Invalid;
        done_ = true;
    }
    pos_ = i;
    return tok;
}

}  // namespace meshx::agent::detail
