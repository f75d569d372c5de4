#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace meshx::agent::detail {

enum class TokenKind {
    Identifier,  // [A-Za-z][A-Za-z0-9_]*  (keywords too: and or not in is empty contains matches)
    Number,      // -?(0|[1-9][0-9]*)(\.[0-9]+)?  followed by whitespace, ')' or the end
    String,      // "..." (Go escapes) or `...` (raw); text holds the unquoted value
    LParen,
    RParen,
    LBracket,
    RBracket,
    Dot,
    Equal,     // ==
    NotEqual,  // !=
    Invalid,   // a character that starts no token; lexing stops after it
    End,
};

struct Token {
    TokenKind kind = TokenKind::End;
    std::string text;
    std::size_t offset = 0;    // byte offset of the first character
    bool spaceBefore = false;  // whitespace separates it from the previous token
    // A malformed number or string literal: go-bexpr's message (`rule "number": Invalid number
    // literal`) and the byte offset it reports. Lexing stops after such a token.
    std::string error;
    std::size_t errorOffset = 0;
};

// Splits an expression into tokens on demand, so a parser that gives up early (hostile input)
// never scans the rest. After End, an Invalid token or a malformed literal, every further call
// returns End (at the input's length).
// go-bexpr is a PEG without a lexer, so the parser uses `spaceBefore` to enforce the places where
// its grammar demands whitespace (around and/or/in/contains/matches/is, after not).
class FilterLexer {
  public:
    explicit FilterLexer(std::string_view text) : text_(text) {}

    Token next();

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
    bool done_ = false;
};

}  // namespace meshx::agent::detail
