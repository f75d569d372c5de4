#include "agent/filter/filter_strings.h"

#include <cstdio>
#include <limits>

#include "net/percent_encoding.h"

namespace meshx::agent::filter_strings {
namespace {

// Decodes one UTF-8 sequence at text[i]. Returns its length (0 when invalid) and the code point.
std::size_t decodeUtf8(std::string_view text, std::size_t i, char32_t& cp) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    std::size_t len = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    } else if ((b0 & 0xE0) == 0xC0) {
        len = 2;
        cp = b0 & 0x1Fu;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3;
        cp = b0 & 0x0Fu;
        min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4;
        cp = b0 & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > text.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(text[i + k]);
        if ((b & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return 0;
    }
    return len;
}

void appendUtf8(std::string& out, char32_t cp) {
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

// Go's unicode.IsPrint, approximated: C0/C1 controls, DEL and the few format/separator code
// points that show up in practice are not printable; everything else outside ASCII is.
bool isPrintable(char32_t cp) {
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
        return false;
    }
    return cp != 0xAD && cp != 0x2028 && cp != 0x2029 && cp != 0xFEFF &&
           !(cp >= 0x200B && cp <= 0x200F);
}

void appendHex(std::string& out, const char* format, unsigned value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, format, value);
    out += buf;
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// strconv's underscoreOK: underscores only between digits (or right after a base prefix).
bool underscoreOk(std::string_view s) {
    char saw = '^';
    std::size_t i = 0;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        s.remove_prefix(1);
    }
    bool hex = false;
    if (s.size() >= 2 && s[0] == '0' &&
        (lower(s[1]) == 'b' || lower(s[1]) == 'o' || lower(s[1]) == 'x')) {
        i = 2;
        saw = '0';
        hex = lower(s[1]) == 'x';
    }
    for (; i < s.size(); ++i) {
        const char c = lower(s[i]);
        if ((c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f')) {
            saw = '0';
            continue;
        }
        if (c == '_') {
            if (saw != '0') {
                return false;
            }
            saw = '_';
            continue;
        }
        if (saw == '_') {
            return false;
        }
        saw = '!';
    }
    return saw != '_';
}

}  // namespace

std::string goQuote(std::string_view text) {
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const std::size_t len = decodeUtf8(text, i, cp);
        if (len == 0) {
            appendHex(out, "\\x%02x", static_cast<unsigned char>(text[i]));
            ++i;
            continue;
        }
        if (cp == '"' || cp == '\\') {
            out += '\\';
            out += static_cast<char>(cp);
        } else if (isPrintable(cp)) {
            out.append(text.substr(i, len));
        } else {
            switch (cp) {
                case '\a':
                    out += "\\a";
                    break;
                case '\b':
                    out += "\\b";
                    break;
                case '\f':
                    out += "\\f";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                case '\v':
                    out += "\\v";
                    break;
                default:
                    if (cp < 0x20 || cp == 0x7F) {
                        appendHex(out, "\\x%02x", static_cast<unsigned>(cp));
                    } else if (cp < 0x10000) {
                        appendHex(out, "\\u%04x", static_cast<unsigned>(cp));
                    } else {
                        appendHex(out, "\\U%08x", static_cast<unsigned>(cp));
                    }
            }
        }
        i += len;
    }
    out += '"';
    return out;
}

std::optional<std::string> goUnquote(std::string_view literal) {
    if (literal.size() < 2 || literal.front() != literal.back()) {
        return std::nullopt;
    }
    const char quote = literal.front();
    std::string_view body = literal.substr(1, literal.size() - 2);
    std::string out;
    out.reserve(body.size());
    if (quote == '`') {
        if (body.find('`') != std::string_view::npos) {
            return std::nullopt;
        }
        for (char c : body) {
            if (c != '\r') {  // Go drops carriage returns from raw strings
                out += c;
            }
        }
        return out;
    }
    if (quote != '"') {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < body.size();) {
        const char c = body[i];
        if (c == '"' || c == '\n') {
            return std::nullopt;
        }
        if (c != '\\') {
            out += c;
            ++i;
            continue;
        }
        if (i + 1 >= body.size()) {
            return std::nullopt;
        }
        const char e = body[i + 1];
        i += 2;
        switch (e) {
            case 'a':
                out += '\a';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'v':
                out += '\v';
                break;
            case '\\':
                out += '\\';
                break;
            case '"':
                out += '"';
                break;
            case 'x':
            case 'u':
            case 'U': {
                const std::size_t digits = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
                if (i + digits > body.size()) {
                    return std::nullopt;
                }
                char32_t value = 0;
                for (std::size_t k = 0; k < digits; ++k) {
                    const int h = net::hexDigitValue(body[i + k]);
                    if (h < 0) {
                        return std::nullopt;
                    }
                    value = (value << 4) | static_cast<char32_t>(h);
                }
                i += digits;
                if (e == 'x') {
                    out += static_cast<char>(value);  // \x is a byte, not a code point
                } else {
                    if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
                        return std::nullopt;
                    }
                    appendUtf8(out, value);
                }
                break;
            }
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7': {
                if (i + 2 > body.size()) {
                    return std::nullopt;
                }
                unsigned value = static_cast<unsigned>(e - '0');
                for (std::size_t k = 0; k < 2; ++k) {
                    const char d = body[i + k];
                    if (d < '0' || d > '7') {
                        return std::nullopt;
                    }
                    value = value * 8 + static_cast<unsigned>(d - '0');
                }
                if (value > 255) {
                    return std::nullopt;
                }
                i += 2;
                out += static_cast<char>(value);
                break;
            }
            default:
                return std::nullopt;  // includes \' which Go rejects inside "..."
        }
    }
    return out;
}

std::optional<std::int64_t> parseGoInt(std::string_view text, std::string& error) {
    const std::string quoted = goQuote(text);
    const auto syntaxError = [&]() -> std::optional<std::int64_t> {
        error = "strconv.ParseInt: parsing " + quoted + ": invalid syntax";
        return std::nullopt;
    };
    const auto rangeError = [&]() -> std::optional<std::int64_t> {
        error = "strconv.ParseInt: parsing " + quoted + ": value out of range";
        return std::nullopt;
    };
    std::string_view s = text;
    if (s.empty()) {
        return syntaxError();
    }
    bool negative = false;
    if (s[0] == '+' || s[0] == '-') {
        negative = s[0] == '-';
        s.remove_prefix(1);
        if (s.empty()) {
            return syntaxError();
        }
    }
    unsigned base = 10;
    if (s[0] == '0') {
        if (s.size() >= 3 && lower(s[1]) == 'b') {
            base = 2;
            s.remove_prefix(2);
        } else if (s.size() >= 3 && lower(s[1]) == 'o') {
            base = 8;
            s.remove_prefix(2);
        } else if (s.size() >= 3 && lower(s[1]) == 'x') {
            base = 16;
            s.remove_prefix(2);
        } else {
            base = 8;
            s.remove_prefix(1);
        }
    }
    std::uint64_t value = 0;
    bool underscores = false;
    for (char c : s) {
        if (c == '_') {
            underscores = true;
            continue;
        }
        const int digit = net::hexDigitValue(c);
        if (digit < 0 || static_cast<unsigned>(digit) >= base) {
            return syntaxError();
        }
        if (value >
            (std::numeric_limits<std::uint64_t>::max() - static_cast<unsigned>(digit)) / base) {
            return rangeError();  // Go stops at the first overflow, before later bad digits
        }
        value = value * base + static_cast<unsigned>(digit);
    }
    if (underscores && !underscoreOk(text)) {
        return syntaxError();
    }
    constexpr std::uint64_t kMaxPositive = std::numeric_limits<std::int64_t>::max();
    if ((!negative && value > kMaxPositive) || (negative && value > kMaxPositive + 1)) {
        return rangeError();
    }
    if (negative) {
        return value == kMaxPositive + 1 ? std::numeric_limits<std::int64_t>::min()
                                         : -static_cast<std::int64_t>(value);
    }
    return static_cast<std::int64_t>(value);
}

std::optional<bool> parseGoBool(std::string_view text, std::string& error) {
    if (text == "1" || text == "t" || text == "T" || text == "TRUE" || text == "true" ||
        text == "True") {
        return true;
    }
    if (text == "0" || text == "f" || text == "F" || text == "FALSE" || text == "false" ||
        text == "False") {
        return false;
    }
    error = "strconv.ParseBool: parsing " + goQuote(text) + ": invalid syntax";
    return std::nullopt;
}

std::string goPosition(std::string_view text, std::size_t offset) {
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        if (b == '\n') {
            ++line;
            column = 1;
        } else if ((b & 0xC0) != 0x80) {  // count code points, not continuation bytes
            ++column;
        }
    }
    return std::to_string(line) + ":" + std::to_string(column) + " (" + std::to_string(offset) +
           ")";
}

}  // namespace meshx::agent::filter_strings
