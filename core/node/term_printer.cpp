#include "node/term_printer.h"

#include <ei.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "common/erlang_float_text.h"
#include "node/big_integer.h"
#include "node/term_bounds.h"

namespace meshx::node {

namespace {

constexpr int kMaxDepth = kMaxTermDepth;
constexpr unsigned char kVersionMagic = 131;

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

// Decodes UTF-8 strictly; nullopt if `bytes` is not valid UTF-8.
std::optional<std::vector<uint32_t>> decodeUtf8(std::string_view bytes) {
    std::vector<uint32_t> out;
    std::size_t i = 0;
    while (i < bytes.size()) {
        auto b0 = static_cast<unsigned char>(bytes[i]);
        int extra = 0;
        uint32_t cp = 0;
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
            return std::nullopt;
        }
        if (extra > 0 && i + static_cast<std::size_t>(extra) >= bytes.size()) {
            return std::nullopt;
        }
        for (int k = 1; k <= extra; ++k) {
            auto b = static_cast<unsigned char>(bytes[i + static_cast<std::size_t>(k)]);
            if ((b & 0xC0) != 0x80) {
                return std::nullopt;
            }
            cp = (cp << 6) | (b & 0x3F);
        }
        static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return std::nullopt;
        }
        out.push_back(cp);
        i += static_cast<std::size_t>(extra) + 1;
    }
    return out;
}

// io_lib's printable latin-1 characters: what makes `~p` print a list as a string.
bool printableLatin1(uint32_t c) {
    return (c >= 32 && c <= 126) || (c >= 160 && c <= 255) || (c >= 8 && c <= 13) || c == 27;
}

bool printableUnicode(uint32_t c) {
    return printableLatin1(c) || (c > 255 && c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF) &&
                                  c != 0xFFFE && c != 0xFFFF);
}

// Character `c` inside a quoted string or atom whose quote is `quote`.
void appendEscaped(std::string& out, uint32_t c, char quote) {
    switch (c) {
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        case '\v':
            out += "\\v";
            return;
        case '\b':
            out += "\\b";
            return;
        case '\f':
            out += "\\f";
            return;
        case 27:
            out += "\\e";
            return;
        case '\\':
            out += "\\\\";
            return;
        default:
            break;
    }
    if (c == static_cast<uint32_t>(quote)) {
        out += '\\';
        out += quote;
    } else if (c < 32 || c == 127) {
        // Only atoms get here (strings with these are printed as lists): octal like Erlang.
        out += '\\';
        out += static_cast<char>('0' + ((c >> 6) & 7));
        out += static_cast<char>('0' + ((c >> 3) & 7));
        out += static_cast<char>('0' + (c & 7));
    } else {
        appendUtf8(out, c);
    }
}

bool isReserved(std::string_view a) {
    static constexpr std::array<std::string_view, 28> kReserved = {
        "after", "and",    "andalso", "band", "begin", "bnot", "bor", "bsl",  "bsr", "bxor",
        "case",  "catch",  "cond",    "div",  "end",   "fun",  "if",  "let",  "not", "of",
        "or",    "orelse", "receive", "rem",  "try",   "when", "xor", "maybe"};
    for (auto r : kReserved) {
        if (a == r) {
            return true;
        }
    }
    return false;
}

class Printer {
  public:
    Printer(const char* buf, int size, std::string_view home)
        : buf_(buf), size_(size), home_(home) {}

    Result<std::string> run() {
        if (size_ > 0 && static_cast<unsigned char>(buf_[0]) == kVersionMagic) {
            index_ = 1;
        }
        if (!term(0)) {
            return makeError(Code::ProtocolError, "undecodable term: " + why_);
        }
        if (index_ != size_) {
            return makeError(Code::ProtocolError, "undecodable term: trailing bytes");
        }
        return std::move(out_);
    }

  private:
    bool bad(std::string why) {
        why_ = std::move(why);
        return false;
    }

    // ei's decoders do not know the buffer size: look before each step, check after it.
    bool within() const { return index_ <= size_; }

    bool term(int depth) {
        if (depth > kMaxDepth) {
            return bad("nested deeper than 1000 levels");
        }
        if (index_ >= size_) {
            return bad("truncated");
        }
        int type = 0;
        int size = 0;
        if (ei_get_type(buf_, &index_, &type, &size) < 0) {
            return bad("unknown tag");
        }
        bool ok = false;
        switch (type) {
            case ERL_SMALL_INTEGER_EXT:
            case ERL_INTEGER_EXT:
                ok = integer();
                break;
            case ERL_SMALL_BIG_EXT:
            case ERL_LARGE_BIG_EXT:
                ok = big();
                break;
            case ERL_FLOAT_EXT:  // ei_get_type says ERL_FLOAT_EXT for both float tags
            case NEW_FLOAT_EXT: {
                double d = 0;
                if (buf_[index_] == ERL_FLOAT_EXT) {
                    // The old 31-byte text form: not ei_decode_double, whose sscanf reads past it.
                    const auto parsed = parseFloatExtText(buf_ + index_ + 1);
                    ok = parsed.has_value();
                    d = parsed.value_or(0.0);
                    index_ += 1 + static_cast<int>(kFloatExtTextSize);
                } else {
                    ok = ei_decode_double(buf_, &index_, &d) == 0;
                }
                if (ok)
                    out_ += TermPrinter::formatFloat(d);
                break;
            }
            case ERL_ATOM_EXT:
            case ERL_SMALL_ATOM_EXT:
            case ERL_ATOM_UTF8_EXT:
            case ERL_SMALL_ATOM_UTF8_EXT: {
                std::string a;
                ok = atom(a);
                out_ += TermPrinter::quoteAtom(a);
                break;
            }
            case ERL_STRING_EXT:
                ok = string(size);
                break;
            case ERL_NIL_EXT:
            case ERL_LIST_EXT:
                ok = list(depth);
                break;
            case ERL_SMALL_TUPLE_EXT:
            case ERL_LARGE_TUPLE_EXT:
                ok = tuple(depth);
                break;
            case ERL_MAP_EXT:
                ok = map(depth);
                break;
            case ERL_BINARY_EXT:
                ok = binary(size);
                break;
            case ERL_BIT_BINARY_EXT:
                ok = bitBinary();
                break;
            case ERL_PID_EXT:
            case ERL_NEW_PID_EXT:
                ok = pid();
                break;
            case ERL_PORT_EXT:
            case ERL_NEW_PORT_EXT:
            case ERL_V4_PORT_EXT:
                ok = port();
                break;
            case ERL_REFERENCE_EXT:
            case ERL_NEW_REFERENCE_EXT:
            case ERL_NEWER_REFERENCE_EXT:
                ok = ref();
                break;
            case ERL_FUN_EXT:
            case ERL_NEW_FUN_EXT:
            case ERL_EXPORT_EXT:
                ok = fun();
                break;
            default:
                return bad("unsupported tag " + std::to_string(type));
        }
        if (!ok) {
            return why_.empty() ? bad("malformed element") : false;
        }
        return within() ? true : bad("truncated");
    }

    bool integer() {
        long v = 0;
        if (ei_decode_long(buf_, &index_, &v) < 0) {
            return false;
        }
        out_ += std::to_string(v);
        return true;
    }

    // SMALL_BIG_EXT: 'n' N:8 Sign:8 Digits:N;  LARGE_BIG_EXT: 'o' N:32 Sign:8 Digits:N
    // (digits little-endian). Read directly: ei's own big type needs GMP to print.
    bool big() {
        auto byte = [this](int at) { return static_cast<unsigned char>(buf_[at]); };
        bool small = byte(index_) == ERL_SMALL_BIG_EXT;
        int header = small ? 3 : 6;
        if (index_ + header > size_) {
            return bad("truncated");
        }
        std::size_t n = small ? byte(index_ + 1)
                              : (static_cast<std::size_t>(byte(index_ + 1)) << 24) |
                                    (static_cast<std::size_t>(byte(index_ + 2)) << 16) |
                                    (static_cast<std::size_t>(byte(index_ + 3)) << 8) |
                                    byte(index_ + 4);
        bool negative = byte(index_ + header - 1) != 0;
        if (n > static_cast<std::size_t>(size_ - index_ - header)) {
            return bad("truncated");
        }
        const auto* digits = reinterpret_cast<const uint8_t*>(buf_ + index_ + header);
        out_ += BigInteger::toDecimal(negative, digits, n);
        index_ += header + static_cast<int>(n);
        return true;
    }

    bool atom(std::string& a) {
        const int start = index_;
        std::array<char, MAXATOMLEN_UTF8> text{};
        if (ei_decode_atom_as(buf_, &index_, text.data(), static_cast<int>(text.size()),
                              ERLANG_UTF8, nullptr, nullptr) < 0) {
            return false;
        }
        // ei hands back a C string, which ends at a NUL inside the atom ('a\0b' is an atom):
        // take the characters from the bytes it accepted instead.
        const auto tag = static_cast<unsigned char>(buf_[start]);
        const int header = tag == ERL_ATOM_EXT || tag == ERL_ATOM_UTF8_EXT ? 3 : 2;
        std::string_view raw(buf_ + start + header,
                             static_cast<std::size_t>(index_ - start - header));
        if (tag == ERL_ATOM_UTF8_EXT || tag == ERL_SMALL_ATOM_UTF8_EXT) {
            a = raw;
        } else {
            a.clear();
            for (char c : raw) {
                appendUtf8(a, static_cast<unsigned char>(c));
            }
        }
        return true;
    }

    bool string(int size) {
        // STRING_EXT: 'k' Length:16 Bytes: a list of small integers, each one byte.
        if (index_ + 3 + size > size_) {
            return bad("truncated");
        }
        std::string_view bytes(buf_ + index_ + 3, static_cast<std::size_t>(size));
        index_ += 3 + size;
        bool printable = true;
        for (char c : bytes) {
            printable = printable && printableLatin1(static_cast<unsigned char>(c));
        }
        if (printable) {
            out_ += '"';
            for (char c : bytes) {
                appendEscaped(out_, static_cast<unsigned char>(c), '"');
            }
            out_ += '"';
        } else {
            out_ += '[';
            for (std::size_t i = 0; i < bytes.size(); ++i) {
                out_ += i ? "," : "";
                out_ += std::to_string(static_cast<unsigned char>(bytes[i]));
            }
            out_ += ']';
        }
        return true;
    }

    bool list(int depth) {
        int arity = 0;
        if (ei_decode_list_header(buf_, &index_, &arity) < 0) {
            return false;
        }
        out_ += '[';
        for (int i = 0; i < arity; ++i) {
            out_ += i ? "," : "";
            if (!term(depth + 1)) {
                return false;
            }
        }
        if (arity > 0) {
            // The tail: [] for a proper list, any other term after '|'.
            if (index_ >= size_) {
                return bad("truncated");
            }
            if (static_cast<unsigned char>(buf_[index_]) == ERL_NIL_EXT) {
                ++index_;
            } else {
                out_ += '|';
                if (!term(depth + 1)) {
                    return false;
                }
            }
        }
        out_ += ']';
        return true;
    }

    bool tuple(int depth) {
        int arity = 0;
        if (ei_decode_tuple_header(buf_, &index_, &arity) < 0) {
            return false;
        }
        out_ += '{';
        for (int i = 0; i < arity; ++i) {
            out_ += i ? "," : "";
            if (!term(depth + 1)) {
                return false;
            }
        }
        out_ += '}';
        return true;
    }

    bool map(int depth) {
        int arity = 0;
        if (ei_decode_map_header(buf_, &index_, &arity) < 0) {
            return false;
        }
        out_ += "#{";
        for (int i = 0; i < arity; ++i) {
            out_ += i ? "," : "";
            if (!term(depth + 1)) {
                return false;
            }
            out_ += " => ";
            if (!term(depth + 1)) {
                return false;
            }
        }
        out_ += '}';
        return true;
    }

    void bytesAsText(std::string_view bytes) {
        bool ascii = true;
        for (char c : bytes) {
            auto u = static_cast<unsigned char>(c);
            ascii = ascii && u < 128 && printableLatin1(u);
        }
        if (ascii) {
            out_ += "<<\"";
            for (char c : bytes) {
                appendEscaped(out_, static_cast<unsigned char>(c), '"');
            }
            out_ += "\">>";
            return;
        }
        if (auto cps = decodeUtf8(bytes)) {
            bool printable = true;
            for (uint32_t cp : *cps) {
                printable = printable && printableUnicode(cp);
            }
            if (printable) {
                out_ += "<<\"";
                for (uint32_t cp : *cps) {
                    appendEscaped(out_, cp, '"');
                }
                out_ += "\"/utf8>>";
                return;
            }
        }
        bool latin1 = true;
        for (char c : bytes) {
            latin1 = latin1 && printableLatin1(static_cast<unsigned char>(c));
        }
        if (latin1) {
            out_ += "<<\"";
            for (char c : bytes) {
                appendEscaped(out_, static_cast<unsigned char>(c), '"');
            }
            out_ += "\">>";
            return;
        }
        out_ += "<<";
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            out_ += i ? "," : "";
            out_ += std::to_string(static_cast<unsigned char>(bytes[i]));
        }
        out_ += ">>";
    }

    bool binary(int size) {
        // BINARY_EXT: 'm' Len:32 Data:Len
        if (index_ + 5 + size > size_ || size < 0) {
            return bad("truncated");
        }
        std::string_view bytes(buf_ + index_ + 5, static_cast<std::size_t>(size));
        index_ += 5 + size;
        if (bytes.empty()) {
            out_ += "<<>>";
        } else {
            bytesAsText(bytes);
        }
        return true;
    }

    bool bitBinary() {
        const char* data = nullptr;
        unsigned int bitOffset = 0;
        std::size_t bits = 0;
        if (ei_decode_bitstring(buf_, &index_, &data, &bitOffset, &bits) < 0 || bitOffset != 0) {
            return false;
        }
        std::size_t whole = bits / 8;
        std::size_t rest = bits % 8;
        out_ += "<<";
        for (std::size_t i = 0; i < whole; ++i) {
            out_ += i ? "," : "";
            out_ += std::to_string(static_cast<unsigned char>(data[i]));
        }
        if (rest != 0) {
            // The last byte holds `rest` significant bits, high bits first.
            auto last = static_cast<unsigned char>(data[whole]);
            out_ += whole ? "," : "";
            out_ += std::to_string(last >> (8 - rest)) + ":" + std::to_string(rest);
        }
        out_ += ">>";
        return true;
    }

    std::string nodePart(const char* node) const { return home_ == node ? "0" : node; }

    bool pid() {
        erlang_pid p{};
        if (ei_decode_pid(buf_, &index_, &p) < 0) {
            return false;
        }
        out_ += "<" + nodePart(p.node) + "." + std::to_string(p.num) + "." +
                std::to_string(p.serial) + ">";
        return true;
    }

    bool port() {
        erlang_port p{};
        if (ei_decode_port(buf_, &index_, &p) < 0) {
            return false;
        }
        out_ += "#Port<" + nodePart(p.node) + "." + std::to_string(p.id) + ">";
        return true;
    }

    bool ref() {
        erlang_ref r{};
        if (ei_decode_ref(buf_, &index_, &r) < 0) {
            return false;
        }
        // Erlang prints the most significant word first.
        out_ += "#Ref<" + nodePart(r.node);
        for (int i = r.len; i-- > 0;) {
            out_ += "." + std::to_string(r.n[i]);
        }
        out_ += ">";
        return true;
    }

    bool fun() {
        erlang_fun f{};
        if (ei_decode_fun(buf_, &index_, &f) < 0) {
            return false;
        }
        if (f.type == erlang_fun::EI_FUN_EXPORT) {
            out_ += "fun " + TermPrinter::quoteAtom(f.module) + ":" +
                    TermPrinter::quoteAtom(f.u.exprt.func) + "/" + std::to_string(f.arity);
        } else {
            out_ += "#Fun<" + std::string(f.module) + "." + std::to_string(f.u.closure.old_index) +
                    "." + std::to_string(f.u.closure.uniq) + ">";
        }
        free_fun(&f);
        return true;
    }

    const char* buf_;
    int size_;
    std::string_view home_;
    int index_ = 0;
    std::string out_;
    std::string why_;
};

}  // namespace

Result<std::string> TermPrinter::print(std::string_view external, std::string_view homeNode) {
    if (external.empty()) {
        return makeError(Code::ProtocolError, "undecodable term: empty");
    }
    if (external.size() > static_cast<std::size_t>(INT32_MAX)) {
        return makeError(Code::ProtocolError, "undecodable term: too large");
    }
    // ei's decoders trust the lengths inside the term: walk them within bounds first.
    if (auto fits = checkExternalTerm(external, kMaxDepth); !fits) {
        return fits.error();
    }
    return Printer(external.data(), static_cast<int>(external.size()), homeNode).run();
}

std::string TermPrinter::formatFloat(double value) {
    // Shortest round-trip digits, then Erlang's layout: plain notation unless scientific is
    // shorter, and always scientific from 1.0e16 up (what OTP 25's float printing does).
    std::array<char, 64> buf{};
    auto [end, ec] =
        std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::scientific);
    std::string sci(buf.data(), ec == std::errc() ? end : buf.data());
    std::string sign;
    if (!sci.empty() && sci[0] == '-') {
        sign = "-";
        sci.erase(0, 1);
    }
    if (sci.empty() || sci == "inf" || sci == "nan") {
        return sign + sci;  // not representable in Erlang; never produced by a peer
    }
    // sci is "d[.ddd]e[+-]xx"
    auto e = sci.find('e');
    std::string digits = sci.substr(0, e);
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    int exponent = std::stoi(sci.substr(e + 1));
    while (digits.size() > 1 && digits.back() == '0') {
        digits.pop_back();
    }
    if (digits == "0") {
        return sign + "0.0";
    }
    auto count = static_cast<int>(digits.size());

    std::string scientific = digits.substr(0, 1) + "." +
                             (count > 1 ? digits.substr(1) : std::string("0")) + "e" +
                             std::to_string(exponent);
    std::string plain;
    if (exponent >= 0) {
        if (count <= exponent + 1) {
            plain =
                digits + std::string(static_cast<std::size_t>(exponent + 1 - count), '0') + ".0";
        } else {
            plain = digits.substr(0, static_cast<std::size_t>(exponent + 1)) + "." +
                    digits.substr(static_cast<std::size_t>(exponent + 1));
        }
    } else {
        plain = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    }
    bool usePlain = exponent < 16 && plain.size() <= scientific.size();
    return sign + (usePlain ? plain : scientific);
}

std::string TermPrinter::quoteAtom(std::string_view utf8) {
    bool plain = !utf8.empty() && utf8[0] >= 'a' && utf8[0] <= 'z' && !isReserved(utf8);
    for (char c : utf8) {
        plain = plain && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '@');
    }
    if (plain) {
        return std::string(utf8);
    }
    std::string out = "'";
    if (auto cps = decodeUtf8(utf8)) {
        for (uint32_t cp : *cps) {
            appendEscaped(out, cp, '\'');
        }
    } else {
        for (char c : utf8) {
            appendEscaped(out, static_cast<unsigned char>(c), '\'');
        }
    }
    out += '\'';
    return out;
}

}  // namespace meshx::node
