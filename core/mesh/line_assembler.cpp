#include "mesh/line_assembler.h"

#include <algorithm>
#include <cstdint>

namespace meshx::mesh {

namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid (overlong forms,
// surrogates and code points past U+10FFFF are invalid too).
size_t validSequenceLength(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
    const auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
    const uint8_t c = b(0);
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        return cont(1) ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2)) {
            return 0;
        }
        if ((c == 0xE0 && b(1) < 0xA0) || (c == 0xED && b(1) >= 0xA0)) {
            return 0;  // overlong, or a UTF-16 surrogate
        }
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) {
            return 0;
        }
        if ((c == 0xF0 && b(1) < 0x90) || (c == 0xF4 && b(1) >= 0x90)) {
            return 0;  // overlong, or past U+10FFFF
        }
        return 4;
    }
    return 0;
}

}  // namespace

LineAssembler::LineAssembler(size_t maxLineBytes)
    : maxLineBytes_(std::max<size_t>(maxLineBytes, 4)) {}

std::string LineAssembler::sanitize(std::string_view raw, size_t maxBytes, bool* cut) {
    std::string out;
    out.reserve(std::min(raw.size(), maxBytes));
    *cut = false;
    size_t i = 0;
    while (i < raw.size()) {
        const size_t n = validSequenceLength(raw, i);
        const auto c = static_cast<uint8_t>(raw[i]);
        const bool control = n == 1 && ((c < 0x20 && c != '\t') || c == 0x7F);
        const std::string_view piece =
            (n == 0 || control) ? std::string_view(kReplacement, 3) : raw.substr(i, n);
        if (out.size() + piece.size() > maxBytes) {
            *cut = true;  // whole characters only: never split a sequence
            break;
        }
        out.append(piece);
        i += n == 0 ? 1 : n;
    }
    return out;
}

void LineAssembler::feed(std::string_view bytes, std::vector<Line>& out) {
    size_t pos = 0;
    while (pos < bytes.size()) {
        const size_t nl = bytes.find('\n', pos);
        const size_t end = nl == std::string_view::npos ? bytes.size() : nl;
        if (!discarding_) {
            // Keep one byte past the limit: enough to know the line is too long.
            const size_t room = maxLineBytes_ + 1 - partial_.size();
            partial_.append(bytes.substr(pos, std::min(end - pos, room)));
            if (partial_.size() > maxLineBytes_) {
                emitLine(true, out);
                discarding_ = nl == std::string_view::npos;
            } else if (nl != std::string_view::npos) {
                emitLine(false, out);
            }
        }
        if (nl == std::string_view::npos) {
            break;
        }
        discarding_ = false;
        pos = nl + 1;
    }
}

void LineAssembler::finish(std::vector<Line>& out) {
    if (!discarding_ && !partial_.empty()) {
        emitLine(false, out);
    }
    partial_.clear();
    discarding_ = false;
}

void LineAssembler::emitLine(bool truncated, std::vector<Line>& out) {
    std::string_view raw = partial_;
    if (!truncated && !raw.empty() && raw.back() == '\r') {
        raw.remove_suffix(1);
    }
    bool cut = false;
    std::string text = sanitize(raw, maxLineBytes_, &cut);
    partial_.clear();
    if (!text.empty()) {
        out.push_back(Line{std::move(text), truncated || cut});
    }
}

}  // namespace meshx::mesh
