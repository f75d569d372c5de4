#include "agent/go_duration.h"

#include <cstdint>
#include <cstdio>

namespace meshx::agent {

namespace {

Error invalid(std::string_view orig) {
    return makeError(Code::InvalidArgument, "time: invalid duration " + goQuote(orig));
}

struct Unit {
    std::string_view name;
    uint64_t nanos;
};

constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xc2\xb5s", 1000},  // U+00B5 micro sign
    {"\xce\xbcs", 1000},  // U+03BC Greek mu
    {"ms", 1000 * 1000},
    {"s", 1000ULL * 1000 * 1000},
    {"m", 60ULL * 1000 * 1000 * 1000},
    {"h", 3600ULL * 1000 * 1000 * 1000},
};

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// Writes v/10^prec as a decimal with trailing zeros dropped into buf ending at w (Go's fmtFrac
// and fmtInt working backwards).
void fmtFrac(std::string& out, uint64_t& v, int prec) {
    std::string digits;
    bool print = false;
    for (int i = 0; i < prec; ++i) {
        const auto digit = static_cast<char>('0' + v % 10);
        print = print || digit != '0';
        if (print) {
            digits.insert(digits.begin(), digit);
        }
        v /= 10;
    }
    if (print) {
        out.insert(0, "." + digits);
    }
}

void fmtInt(std::string& out, uint64_t v) {
    out.insert(0, std::to_string(v));
}

}  // namespace

std::string goQuote(std::string_view text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
    return out;
}

Result<std::chrono::nanoseconds> parseGoDuration(std::string_view text) {
    const std::string_view orig = text;
    bool neg = false;
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
        neg = text[0] == '-';
        text.remove_prefix(1);
    }
    if (text == "0") {
        return std::chrono::nanoseconds{0};
    }
    if (text.empty()) {
        return invalid(orig);
    }
    double total = 0;
    while (!text.empty()) {
        if (!(text[0] == '.' || isDigit(text[0]))) {
            return invalid(orig);
        }
        // Leading integer part.
        double whole = 0;
        size_t i = 0;
        while (i < text.size() && isDigit(text[i])) {
            whole = whole * 10 + (text[i] - '0');
            ++i;
        }
        const bool pre = i > 0;
        double frac = 0;
        bool post = false;
        if (i < text.size() && text[i] == '.') {
            ++i;
            double scale = 0.1;
            const size_t start = i;
            while (i < text.size() && isDigit(text[i])) {
                frac += (text[i] - '0') * scale;
                scale /= 10;
                ++i;
            }
            post = i > start;
        }
        if (!pre && !post) {
            return invalid(orig);
        }
        text.remove_prefix(i);
        size_t u = 0;
        while (u < text.size() && text[u] != '.' && !isDigit(text[u])) {
            ++u;
        }
        if (u == 0) {
            return makeError(Code::InvalidArgument,
                             "time: missing unit in duration " + goQuote(orig));
        }
        const std::string_view unitName = text.substr(0, u);
        const Unit* unit = nullptr;
        for (const Unit& candidate : kUnits) {
            if (candidate.name == unitName) {
                unit = &candidate;
            }
        }
        if (unit == nullptr) {
            return makeError(Code::InvalidArgument, "time: unknown unit " + goQuote(unitName) +
                                                        " in duration " + goQuote(orig));
        }
        total += (whole + frac) * static_cast<double>(unit->nanos);
        if (total > 9.2233720368547758e18) {
            return invalid(orig);
        }
        text.remove_prefix(u);
    }
    auto ns = static_cast<int64_t>(total + 0.5);
    return std::chrono::nanoseconds{neg ? -ns : ns};
}

std::string formatGoDuration(std::chrono::nanoseconds d) {
    const int64_t count = d.count();
    const bool neg = count < 0;
    uint64_t u = neg ? static_cast<uint64_t>(-(count + 1)) + 1 : static_cast<uint64_t>(count);
    std::string out;
    if (u < 1000000000ULL) {
        // Sub-second: one unit with a fraction, e.g. "1.5ms".
        if (u == 0) {
            return "0s";
        }
        int prec = 0;
        if (u < 1000ULL) {
            out = "ns";
        } else if (u < 1000000ULL) {
            prec = 3;
            out = "\xc2\xb5s";
        } else {
            prec = 6;
            out = "ms";
        }
        fmtFrac(out, u, prec);
        fmtInt(out, u);
    } else {
        out = "s";
        fmtFrac(out, u, 9);
        fmtInt(out, u % 60);
        u /= 60;
        if (u > 0) {
            out.insert(0, "m");
            fmtInt(out, u % 60);
            u /= 60;
            if (u > 0) {
                out.insert(0, "h");
                fmtInt(out, u);
            }
        }
    }
    if (neg) {
        out.insert(0, "-");
    }
    return out;
}

}  // namespace meshx::agent
