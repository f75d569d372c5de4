#include "node/term_parser.h"

#include <ei.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "node/big_integer.h"

namespace meshx::node {

namespace {

// Deep enough for any hand-typed term, shallow enough that recursion cannot exhaust the stack.
constexpr int kMaxDepth = 512;
// Caps the quadratic big-integer conversion on hostile input.
constexpr std::size_t kMaxDigits = 10000;
constexpr std::size_t kMaxAtomChars = 255;

// The parsed term, before encoding: lists and maps need their element count in the header
// before the elements, and map keys must be compared (encoded) to drop duplicates.
struct Ast {
    enum class Kind { Atom, Integer, BigInteger, Float, String, Binary, Tuple, List, Map };
    Kind kind = Kind::Atom;
    std::string text;                // Atom (UTF-8), Binary (raw bytes)
    long long integer = 0;           // Integer
    bool negative = false;           // BigInteger
    std::vector<uint8_t> magnitude;  // BigInteger
    double real = 0;                 // Float
    std::vector<uint32_t> chars;     // String (code points)
    std::vector<Ast> items;          // Tuple, List, Map (key, value, key, value...)
    std::unique_ptr<Ast> tail;       // List with an explicit non-list tail
};

// Owns an ei_x_buff; ei reports allocation failure as -1, which only out-of-memory produces.
class Encoder {
  public:
    Encoder() { ei_x_new(&buf_); }
    ~Encoder() { ei_x_free(&buf_); }
    Encoder(const Encoder&) = delete;
    Encoder& operator=(const Encoder&) = delete;

    ei_x_buff* get() { return &buf_; }
    std::string bytes() const {
        return std::string(buf_.buff, static_cast<std::size_t>(buf_.index));
    }

  private:
    ei_x_buff buf_{};
};

void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    Result<std::string> run() {
        Ast root;
        skipSpace();
        if (!parseTerm(root, 0)) {
            return *error_;
        }
        skipSpace();
        if (peek() == '.') {
            ++pos_;
            skipSpace();
        }
        if (pos_ < text_.size()) {
            return fail(pos_, "expected end of input");
        }
        Encoder enc;
        if (ei_x_encode_version(enc.get()) < 0 || !encode(root, enc.get())) {
            return makeError(Code::Internal, "encoding the term failed (out of memory?)");
        }
        return enc.bytes();
    }

  private:
    // ---- errors -------------------------------------------------------------------------
    std::string describe(std::size_t at) const {
        if (at >= text_.size()) {
            return "end of input";
        }
        auto c = static_cast<unsigned char>(text_[at]);
        if (c < 0x20 || c >= 0x7F) {
            return "byte 0x" + std::string(1, "0123456789abcdef"[c >> 4]) +
                   std::string(1, "0123456789abcdef"[c & 0xF]);
        }
        return std::string("'") + static_cast<char>(c) + "'";
    }

    Error fail(std::size_t at, std::string_view what) {
        std::size_t line = 1;
        std::size_t column = 1;
        for (std::size_t i = 0; i < at && i < text_.size(); ++i) {
            if (text_[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        Error e = makeError(Code::ParseError, "malformed term at line " + std::to_string(line) +
                                                  ", column " + std::to_string(column) + ": " +
                                                  std::string(what) + ", found " + describe(at));
        error_ = e;
        return e;
    }

    bool failed(std::size_t at, std::string_view what) {
        fail(at, what);
        return false;
    }

    // ---- scanning -----------------------------------------------------------------------
    char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }
    bool atEnd() const { return pos_ >= text_.size(); }

    void skipSpace() {
        while (!atEnd()) {
            char c = peek();
            if (c == '%') {
                while (!atEnd() && peek() != '\n') {
                    ++pos_;
                }
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
                ++pos_;
            } else {
                return;
            }
        }
    }

    static bool isDigit(char c) { return c >= '0' && c <= '9'; }
    static bool isLower(char c) { return c >= 'a' && c <= 'z'; }
    static bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
    static bool isNameChar(char c) {
        return isLower(c) || isUpper(c) || isDigit(c) || c == '_' || c == '@';
    }

    // Decodes one UTF-8 character at pos_, advancing past it.
    bool readUtf8(uint32_t& cp) {
        std::size_t start = pos_;
        auto b0 = static_cast<unsigned char>(text_[pos_]);
        int extra = 0;
        if (b0 < 0x80) {
            cp = b0;
        } else if ((b0 & 0xE0) == 0xC0) {
            cp = b0 & 0x1F;
            extra = 1;
        } else if ((b0 & 0xF0) == 0xE0) {
            cp = b0 & 0x0F;
            extra = 2;
        } else if ((b0 & 0xF8) == 0xF0) {
            cp = b0 & 0x07;
            extra = 3;
        } else {
            return failed(start, "expected UTF-8 text");
        }
        ++pos_;
        for (int i = 0; i < extra; ++i) {
            if (atEnd() || (static_cast<unsigned char>(peek()) & 0xC0) != 0x80) {
                return failed(start, "expected UTF-8 text");
            }
            cp = (cp << 6) | (static_cast<unsigned char>(peek()) & 0x3F);
            ++pos_;
        }
        static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return failed(start, "expected UTF-8 text");
        }
        return true;
    }

    static int hexValue(char c) {
        if (isDigit(c)) {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    // One character inside '...', "..." or after $, with Erlang's escapes:
    // \b \d \e \f \n \r \s \t \v, \NNN octal, \xHH, \x{H...}, \^C control, \C itself.
    bool readChar(uint32_t& cp) {
        if (atEnd()) {
            return failed(pos_, "expected a character");
        }
        if (peek() != '\\') {
            return readUtf8(cp);
        }
        std::size_t start = pos_;
        ++pos_;
        if (atEnd()) {
            return failed(pos_, "expected an escape after '\\'");
        }
        char c = peek();
        if (c >= '0' && c <= '7') {
            cp = 0;
            for (int i = 0; i < 3 && peek() >= '0' && peek() <= '7'; ++i) {
                cp = cp * 8 + static_cast<uint32_t>(peek() - '0');
                ++pos_;
            }
            return true;
        }
        if (c == 'x') {
            ++pos_;
            cp = 0;
            if (peek() == '{') {
                ++pos_;
                int n = 0;
                while (hexValue(peek()) >= 0) {
                    cp = cp * 16 + static_cast<uint32_t>(hexValue(peek()));
                    ++pos_;
                    if (++n > 6) {
                        return failed(start, "escape \\x{...} out of range");
                    }
                }
                if (n == 0 || peek() != '}') {
                    return failed(pos_, "expected hex digits and '}' in \\x{...}");
                }
                ++pos_;
            } else {
                for (int i = 0; i < 2; ++i) {
                    if (hexValue(peek()) < 0) {
                        return failed(pos_, "expected two hex digits after \\x");
                    }
                    cp = cp * 16 + static_cast<uint32_t>(hexValue(peek()));
                    ++pos_;
                }
            }
            if (cp > 0x10FFFF) {
                return failed(start, "character code out of range");
            }
            return true;
        }
        if (c == '^') {
            ++pos_;
            if (atEnd()) {
                return failed(pos_, "expected a character after \\^");
            }
            cp = static_cast<uint32_t>(static_cast<unsigned char>(peek())) & 31;
            ++pos_;
            return true;
        }
        ++pos_;
        switch (c) {
            case 'b':
                cp = 8;
                return true;
            case 'd':
                cp = 127;
                return true;
            case 'e':
                cp = 27;
                return true;
            case 'f':
                cp = 12;
                return true;
            case 'n':
                cp = 10;
                return true;
            case 'r':
                cp = 13;
                return true;
            case 's':
                cp = 32;
                return true;
            case 't':
                cp = 9;
                return true;
            case 'v':
                cp = 11;
                return true;
            default:
                --pos_;
                return readUtf8(cp);
        }
    }

    // Text between `quote`s; pos_ is on the opening quote.
    bool readQuoted(char quote, std::vector<uint32_t>& out) {
        std::size_t open = pos_;
        ++pos_;
        while (true) {
            if (atEnd()) {
                return failed(open, quote == '"' ? "unterminated string" : "unterminated atom");
            }
            if (peek() == quote) {
                ++pos_;
                return true;
            }
            uint32_t cp = 0;
            if (!readChar(cp)) {
                return false;
            }
            out.push_back(cp);
        }
    }

    // ---- terms --------------------------------------------------------------------------
    bool parseTerm(Ast& out, int depth) {
        if (depth > kMaxDepth) {
            return failed(pos_, "nesting deeper than 512 levels");
        }
        char c = peek();
        if (atEnd()) {
            return failed(pos_, "expected a term");
        }
        if (isLower(c)) {
            return parseAtom(out);
        }
        if (c == '\'') {
            return parseQuotedAtom(out);
        }
        if (isDigit(c) || c == '$' ||
            ((c == '-' || c == '+') && (isDigit(peek(1)) || peek(1) == '$'))) {
            return parseNumber(out);
        }
        if (c == '"') {
            return parseString(out);
        }
        if (c == '{') {
            return parseSequence(out, Ast::Kind::Tuple, '}', depth);
        }
        if (c == '[') {
            return parseList(out, depth);
        }
        if (c == '#' && peek(1) == '{') {
            return parseMap(out, depth);
        }
        if (c == '<' && peek(1) == '<') {
            return parseBinary(out);
        }
        if (isUpper(c) || c == '_') {
            return failed(pos_,
                          "expected a term (variables are not terms; quote atoms that "
                          "start with a capital, e.g. 'Name')");
        }
        return failed(pos_, "expected a term");
    }

    bool parseAtom(Ast& out) {
        std::size_t start = pos_;
        while (!atEnd() && isNameChar(peek())) {
            ++pos_;
        }
        out.kind = Ast::Kind::Atom;
        out.text = std::string(text_.substr(start, pos_ - start));
        if (out.text.size() > kMaxAtomChars) {
            return failed(start, "atom longer than 255 characters");
        }
        return true;
    }

    bool parseQuotedAtom(Ast& out) {
        std::size_t start = pos_;
        std::vector<uint32_t> chars;
        if (!readQuoted('\'', chars)) {
            return false;
        }
        if (chars.size() > kMaxAtomChars) {
            return failed(start, "atom longer than 255 characters");
        }
        out.kind = Ast::Kind::Atom;
        for (uint32_t cp : chars) {
            appendUtf8(out.text, cp);
        }
        return true;
    }

    bool parseString(Ast& out) {
        out.kind = Ast::Kind::String;
        // Adjacent string literals are one string, as in Erlang source.
        do {
            if (!readQuoted('"', out.chars)) {
                return false;
            }
            skipSpace();
        } while (peek() == '"');
        return true;
    }

    // Value of a digit in bases up to 36, or -1.
    static int digitValue(char c) {
        if (isDigit(c)) {
            return c - '0';
        }
        if (isLower(c)) {
            return c - 'a' + 10;
        }
        if (isUpper(c)) {
            return c - 'A' + 10;
        }
        return -1;
    }

    // Digits of `base` with single '_' separators between digits (Erlang 23+).
    bool readDigits(int base, std::string& digits) {
        std::size_t start = pos_;
        auto inBase = [base](char c) {
            int v = digitValue(c);
            return v >= 0 && v < base;
        };
        while (!atEnd()) {
            if (inBase(peek())) {
                digits += peek();
                ++pos_;
            } else if (peek() == '_' && !digits.empty() && inBase(peek(1))) {
                ++pos_;
            } else {
                break;
            }
        }
        if (digits.empty()) {
            return failed(start, "expected digits");
        }
        if (digits.size() > kMaxDigits) {
            return failed(start, "number longer than 10000 digits");
        }
        return true;
    }

    bool setInteger(Ast& out, bool negative, const std::string& digits, int base) {
        std::vector<uint8_t> mag = BigInteger::magnitudeFromDigits(digits, base);
        // Values that fit a long long use the compact integer encodings, like term_to_binary.
        if (mag.size() <= 8) {
            uint64_t v = 0;
            for (std::size_t i = mag.size(); i-- > 0;) {
                v = (v << 8) | mag[i];
            }
            constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<long long>::max());
            if (v <= kMax) {
                out.kind = Ast::Kind::Integer;
                out.integer = negative ? -static_cast<long long>(v) : static_cast<long long>(v);
                return true;
            }
            if (negative && v == kMax + 1) {
                out.kind = Ast::Kind::Integer;
                out.integer = std::numeric_limits<long long>::min();
                return true;
            }
        }
        out.kind = Ast::Kind::BigInteger;
        out.negative = negative;
        out.magnitude = std::move(mag);
        return true;
    }

    bool parseNumber(Ast& out) {
        std::size_t start = pos_;
        bool negative = false;
        if (peek() == '-' || peek() == '+') {
            negative = peek() == '-';
            ++pos_;
        }
        if (peek() == '$') {
            ++pos_;
            uint32_t cp = 0;
            if (!readChar(cp)) {
                return false;
            }
            out.kind = Ast::Kind::Integer;
            out.integer = negative ? -static_cast<long long>(cp) : static_cast<long long>(cp);
            return true;
        }
        std::string digits;
        if (!readDigits(10, digits)) {
            return false;
        }
        if (peek() == '#') {
            int base = 0;
            auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), base);
            if (ec != std::errc() || p != digits.data() + digits.size() || base < 2 || base > 36) {
                return failed(start, "base must be 2..36");
            }
            ++pos_;
            std::string based;
            if (!readDigits(base, based)) {
                return false;
            }
            return setInteger(out, negative, based, base);
        }
        if (peek() == '.' && isDigit(peek(1))) {
            ++pos_;
            std::string number = digits + '.';
            std::string fraction;
            if (!readDigits(10, fraction)) {
                return false;
            }
            number += fraction;
            if (peek() == 'e' || peek() == 'E') {
                std::size_t expPos = pos_;
                ++pos_;
                number += 'e';
                if (peek() == '-' || peek() == '+') {
                    number += peek();
                    ++pos_;
                }
                std::string exponent;
                if (!isDigit(peek())) {
                    return failed(expPos, "expected an exponent after 'e'");
                }
                if (!readDigits(10, exponent)) {
                    return false;
                }
                number += exponent;
            }
            double value = 0;
            auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
            if (ec != std::errc() || p != number.data() + number.size()) {
                return failed(start, "float out of range");
            }
            out.kind = Ast::Kind::Float;
            out.real = negative ? -value : value;
            return true;
        }
        return setInteger(out, negative, digits, 10);
    }

    bool parseSequence(Ast& out, Ast::Kind kind, char close, int depth) {
        out.kind = kind;
        ++pos_;  // the opening bracket
        skipSpace();
        if (peek() == close) {
            ++pos_;
            return true;
        }
        while (true) {
            out.items.emplace_back();
            if (!parseTerm(out.items.back(), depth + 1)) {
                return false;
            }
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                skipSpace();
                continue;
            }
            if (peek() == close) {
                ++pos_;
                return true;
            }
            return failed(pos_, std::string("expected ',' or '") + close + "'");
        }
    }

    bool parseList(Ast& out, int depth) {
        out.kind = Ast::Kind::List;
        ++pos_;
        skipSpace();
        if (peek() == ']') {
            ++pos_;
            return true;
        }
        while (true) {
            out.items.emplace_back();
            if (!parseTerm(out.items.back(), depth + 1)) {
                return false;
            }
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                skipSpace();
                continue;
            }
            if (peek() == '|') {
                ++pos_;
                skipSpace();
                auto tail = std::make_unique<Ast>();
                if (!parseTerm(*tail, depth + 1)) {
                    return false;
                }
                skipSpace();
                if (peek() != ']') {
                    return failed(pos_, "expected ']' after the list tail");
                }
                ++pos_;
                joinTail(out, std::move(tail));
                return true;
            }
            if (peek() == ']') {
                ++pos_;
                return true;
            }
            return failed(pos_, "expected ',', '|' or ']'");
        }
    }

    // [a | [b, c]] is the proper list [a, b, c] in Erlang; only a non-list tail stays a tail.
    static void joinTail(Ast& list, std::unique_ptr<Ast> tail) {
        if (tail->kind == Ast::Kind::List) {
            for (auto& item : tail->items) {
                list.items.push_back(std::move(item));
            }
            list.tail = std::move(tail->tail);
        } else if (tail->kind == Ast::Kind::String) {
            for (uint32_t cp : tail->chars) {
                Ast item;
                item.kind = Ast::Kind::Integer;
                item.integer = cp;
                list.items.push_back(std::move(item));
            }
        } else {
            list.tail = std::move(tail);
        }
    }

    bool parseMap(Ast& out, int depth) {
        out.kind = Ast::Kind::Map;
        pos_ += 2;  // "#{"
        skipSpace();
        if (peek() == '}') {
            ++pos_;
            return true;
        }
        while (true) {
            out.items.emplace_back();
            if (!parseTerm(out.items.back(), depth + 1)) {
                return false;
            }
            skipSpace();
            if (peek() != '=' || peek(1) != '>') {
                return failed(pos_, "expected '=>'");
            }
            pos_ += 2;
            skipSpace();
            out.items.emplace_back();
            if (!parseTerm(out.items.back(), depth + 1)) {
                return false;
            }
            skipSpace();
            if (peek() == ',') {
                ++pos_;
                skipSpace();
                continue;
            }
            if (peek() == '}') {
                ++pos_;
                return true;
            }
            return failed(pos_, "expected ',' or '}'");
        }
    }

    // Segments are strings or integers (bytes), each optionally `/utf8`.
    bool parseBinary(Ast& out) {
        out.kind = Ast::Kind::Binary;
        pos_ += 2;  // "<<"
        skipSpace();
        if (peek() == '>' && peek(1) == '>') {
            pos_ += 2;
            return true;
        }
        while (true) {
            std::size_t segStart = pos_;
            std::vector<uint32_t> chars;
            if (peek() == '"') {
                Ast s;
                if (!parseString(s)) {
                    return false;
                }
                chars = std::move(s.chars);
            } else if (isDigit(peek()) || peek() == '$' ||
                       (peek() == '-' && (isDigit(peek(1)) || peek(1) == '$'))) {
                Ast n;
                if (!parseNumber(n)) {
                    return false;
                }
                // -128..-1 are bytes in two's complement, as <<-1>> is <<255>> in Erlang;
                // values above 255 only make sense with /utf8 (checked below).
                if (n.kind != Ast::Kind::Integer || n.integer < -128 || n.integer > 0x10FFFF) {
                    return failed(segStart, "expected a byte value");
                }
                chars.push_back(n.integer < 0 ? static_cast<uint32_t>(n.integer + 256)
                                              : static_cast<uint32_t>(n.integer));
            } else {
                return failed(pos_, "expected a string or an integer in the binary");
            }
            skipSpace();
            bool utf8 = false;
            if (peek() == '/') {
                ++pos_;
                skipSpace();
                std::size_t typePos = pos_;
                while (!atEnd() && isNameChar(peek())) {
                    ++pos_;
                }
                if (text_.substr(typePos, pos_ - typePos) != "utf8") {
                    return failed(typePos, "expected 'utf8' (the only segment type supported)");
                }
                utf8 = true;
                skipSpace();
            } else if (peek() == ':') {
                return failed(pos_, "expected ',' or '>>' (segment sizes are not supported)");
            }
            for (uint32_t cp : chars) {
                if (utf8) {
                    appendUtf8(out.text, cp);
                } else if (cp > 255) {
                    return failed(segStart, "expected byte values 0..255 (add /utf8 for text)");
                } else {
                    out.text += static_cast<char>(cp);
                }
            }
            if (peek() == ',') {
                ++pos_;
                skipSpace();
                continue;
            }
            if (peek() == '>' && peek(1) == '>') {
                pos_ += 2;
                return true;
            }
            return failed(pos_, "expected ',' or '>>'");
        }
    }

    // ---- encoding -----------------------------------------------------------------------
    static bool encodeBig(const Ast& a, ei_x_buff* x) {
        // SMALL_BIG_EXT: 'n' N:8 Sign:8 Digits:N (LE); LARGE_BIG_EXT: 'o' N:32(BE) Sign:8 Digits
        std::string raw;
        std::size_t n = a.magnitude.size();
        if (n <= 255) {
            raw += static_cast<char>(ERL_SMALL_BIG_EXT);
            raw += static_cast<char>(n);
        } else {
            raw += static_cast<char>(ERL_LARGE_BIG_EXT);
            raw += static_cast<char>((n >> 24) & 0xFF);
            raw += static_cast<char>((n >> 16) & 0xFF);
            raw += static_cast<char>((n >> 8) & 0xFF);
            raw += static_cast<char>(n & 0xFF);
        }
        raw += static_cast<char>(a.negative ? 1 : 0);
        raw.append(a.magnitude.begin(), a.magnitude.end());
        return ei_x_append_buf(x, raw.data(), static_cast<int>(raw.size())) == 0;
    }

    static bool encodeString(const std::vector<uint32_t>& chars, ei_x_buff* x) {
        if (chars.empty()) {
            return ei_x_encode_empty_list(x) == 0;
        }
        bool bytes = chars.size() <= 65535;
        for (uint32_t cp : chars) {
            bytes = bytes && cp < 256;
        }
        if (bytes) {
            std::string s(chars.begin(), chars.end());
            return ei_x_encode_string_len(x, s.data(), static_cast<int>(s.size())) == 0;
        }
        if (ei_x_encode_list_header(x, static_cast<long>(chars.size())) < 0) {
            return false;
        }
        for (uint32_t cp : chars) {
            if (ei_x_encode_long(x, static_cast<long>(cp)) < 0) {
                return false;
            }
        }
        return ei_x_encode_empty_list(x) == 0;
    }

    static bool encodeMap(const Ast& a, ei_x_buff* x) {
        // #{a => 1, a => 2} is #{a => 2} in Erlang; a map with a repeated key is not even a
        // valid external term, so keep the last value of each key (compared encoded).
        std::vector<std::pair<std::string, std::string>> pairs;
        for (std::size_t i = 0; i + 1 < a.items.size(); i += 2) {
            Encoder k;
            Encoder v;
            if (!encode(a.items[i], k.get()) || !encode(a.items[i + 1], v.get())) {
                return false;
            }
            bool replaced = false;
            for (auto& p : pairs) {
                if (p.first == k.bytes()) {
                    p.second = v.bytes();
                    replaced = true;
                }
            }
            if (!replaced) {
                pairs.emplace_back(k.bytes(), v.bytes());
            }
        }
        if (ei_x_encode_map_header(x, static_cast<long>(pairs.size())) < 0) {
            return false;
        }
        for (const auto& [k, v] : pairs) {
            if (ei_x_append_buf(x, k.data(), static_cast<int>(k.size())) < 0 ||
                ei_x_append_buf(x, v.data(), static_cast<int>(v.size())) < 0) {
                return false;
            }
        }
        return true;
    }

    static bool isByteList(const Ast& a) {
        if (a.tail || a.items.size() > 65535) {
            return false;
        }
        for (const auto& item : a.items) {
            if (item.kind != Ast::Kind::Integer || item.integer < 0 || item.integer > 255) {
                return false;
            }
        }
        return true;
    }

    static bool encode(const Ast& a, ei_x_buff* x) {
        switch (a.kind) {
            case Ast::Kind::Atom:
                return ei_x_encode_atom_len_as(x, a.text.data(), static_cast<int>(a.text.size()),
                                               ERLANG_UTF8, ERLANG_UTF8) == 0;
            case Ast::Kind::Integer:
                return ei_x_encode_longlong(x, a.integer) == 0;
            case Ast::Kind::BigInteger:
                return encodeBig(a, x);
            case Ast::Kind::Float:
                return ei_x_encode_double(x, a.real) == 0;
            case Ast::Kind::String:
                return encodeString(a.chars, x);
            case Ast::Kind::Binary:
                return ei_x_encode_binary(x, a.text.data(), static_cast<int>(a.text.size())) == 0;
            case Ast::Kind::Tuple:
                if (ei_x_encode_tuple_header(x, static_cast<long>(a.items.size())) < 0) {
                    return false;
                }
                for (const auto& item : a.items) {
                    if (!encode(item, x)) {
                        return false;
                    }
                }
                return true;
            case Ast::Kind::List:
                if (a.items.empty()) {
                    return ei_x_encode_empty_list(x) == 0;
                }
                if (isByteList(a)) {
                    // [1,2,3] and "\1\2\3" are one term; term_to_binary writes STRING_EXT.
                    std::string s;
                    for (const auto& item : a.items) {
                        s += static_cast<char>(item.integer);
                    }
                    return ei_x_encode_string_len(x, s.data(), static_cast<int>(s.size())) == 0;
                }
                if (ei_x_encode_list_header(x, static_cast<long>(a.items.size())) < 0) {
                    return false;
                }
                for (const auto& item : a.items) {
                    if (!encode(item, x)) {
                        return false;
                    }
                }
                return a.tail ? encode(*a.tail, x) : ei_x_encode_empty_list(x) == 0;
            case Ast::Kind::Map:
                return encodeMap(a, x);
        }
        return false;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::optional<Error> error_;
};

}  // namespace

Result<std::string> TermParser::parse(std::string_view text) {
    return Parser(text).run();
}

}  // namespace meshx::node
