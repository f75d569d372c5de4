#include "node/term_bounds.h"

#include <cstdint>
#include <string>

namespace meshx::node {

namespace {

constexpr unsigned char kVersionMagic = 131;
// Erlang atoms hold at most 255 characters, 4 bytes each in UTF-8; ei's buffers are that big.
constexpr uint32_t kMaxAtomBytes = 255 * 4;
// erlang_ref holds at most 5 id words.
constexpr uint32_t kMaxRefWords = 5;

// A bounds-checked cursor: every read fails instead of passing the end.
class Walker {
  public:
    Walker(std::string_view bytes, int maxDepth) : s_(bytes), maxDepth_(maxDepth) {}

    Status run() {
        if (!s_.empty() && static_cast<unsigned char>(s_[0]) == kVersionMagic) {
            pos_ = 1;
        }
        if (!term(0)) {
            return makeError(Code::ProtocolError, "undecodable term: " + why_);
        }
        if (pos_ != s_.size()) {
            return makeError(Code::ProtocolError, "undecodable term: trailing bytes");
        }
        return {};
    }

  private:
    bool fail(std::string why) {
        if (why_.empty()) {
            why_ = std::move(why);
        }
        return false;
    }
    bool be(uint64_t& out, std::size_t width) {
        if (width > s_.size() - pos_) {
            return fail("truncated");
        }
        out = 0;
        for (std::size_t i = 0; i < width; ++i) {
            out = (out << 8) | static_cast<unsigned char>(s_[pos_ + i]);
        }
        pos_ += width;
        return true;
    }
    bool skip(uint64_t n) {
        if (n > s_.size() - pos_) {
            return fail("truncated");
        }
        pos_ += static_cast<std::size_t>(n);
        return true;
    }
    // Each element takes at least one byte: a count beyond the bytes left is a lie.
    bool plausible(uint64_t count) {
        return count <= s_.size() - pos_ || fail("arity larger than the term");
    }
    bool atom() {
        uint64_t tag = 0;
        uint64_t len = 0;
        if (!be(tag, 1)) {
            return false;
        }
        if (tag == 'd' || tag == 'v') {  // ATOM_EXT, ATOM_UTF8_EXT: u16 length
            if (!be(len, 2)) {
                return false;
            }
        } else if (tag == 's' || tag == 'w') {  // SMALL_ATOM_EXT, SMALL_ATOM_UTF8_EXT: u8 length
            if (!be(len, 1)) {
                return false;
            }
        } else {
            return fail("atom expected");
        }
        return (len <= kMaxAtomBytes || fail("atom too long")) && skip(len);
    }
    bool integer() {
        uint64_t tag = 0;
        if (!be(tag, 1)) {
            return false;
        }
        if (tag == 'a') {
            return skip(1);
        }
        if (tag == 'b') {
            return skip(4);
        }
        return fail("integer expected");
    }
    bool pid() {
        uint64_t tag = 0;
        if (!be(tag, 1)) {
            return false;
        }
        if (tag == 'X') {
            return atom() && skip(12);
        }
        if (tag == 'g') {
            return atom() && skip(9);
        }
        return fail("pid expected");
    }
    // NEW_FUN_EXT after its tag: Size:32 (counting itself) Arity:8 Uniq:16 Index:32 NumFree:32
    // Module OldIndex OldUniq Pid FreeVars..., and Size must match what is inside.
    bool newFun(int depth) {
        const std::size_t start = pos_;
        uint64_t size = 0;
        uint64_t numFree = 0;
        if (!be(size, 4) || !skip(1 + 16 + 4) || !be(numFree, 4) || !plausible(numFree) ||
            !atom() || !integer() || !integer() || !pid()) {
            return false;
        }
        for (uint64_t i = 0; i < numFree; ++i) {
            if (!term(depth + 1)) {
                return false;
            }
        }
        return pos_ - start == size || fail("fun size does not match its contents");
    }

    bool term(int depth) {
        if (depth > maxDepth_) {
            return fail("nested deeper than " + std::to_string(maxDepth_) + " levels");
        }
        uint64_t tag = 0;
        uint64_t n = 0;
        if (!be(tag, 1)) {
            return false;
        }
        switch (tag) {
            case 'a':  // SMALL_INTEGER_EXT
                return skip(1);
            case 'b':  // INTEGER_EXT
                return skip(4);
            case 'F':  // NEW_FLOAT_EXT
                return skip(8);
            case 'c':  // FLOAT_EXT (31 bytes of text)
                return skip(31);
            case 'j':  // NIL_EXT
                return true;
            case 'd':
            case 'v':
            case 's':
            case 'w':
                --pos_;
                return atom();
            case 'k':  // STRING_EXT: u16 length of bytes
                return be(n, 2) && skip(n);
            case 'm':  // BINARY_EXT
                return be(n, 4) && skip(n);
            case 'M':  // BIT_BINARY_EXT: length, bits in the last byte, bytes
                return be(n, 4) && skip(1) && skip(n);
            case 'n':  // SMALL_BIG_EXT: n, sign, n bytes
                return be(n, 1) && skip(1) && skip(n);
            case 'o':  // LARGE_BIG_EXT
                return be(n, 4) && skip(1) && skip(n);
            case 'h':  // SMALL_TUPLE_EXT
                return be(n, 1) && plausible(n) && elements(n, depth);
            case 'i':  // LARGE_TUPLE_EXT
                return be(n, 4) && plausible(n) && elements(n, depth);
            case 'l':  // LIST_EXT: length, elements, tail
                return be(n, 4) && plausible(n) && elements(n, depth) && term(depth + 1);
            case 't':  // MAP_EXT: arity pairs
                return be(n, 4) && plausible(n * 2) && elements(n * 2, depth);
            case 'X':
            case 'g':
                --pos_;
                return pid();
            case 'Y':  // NEW_PORT_EXT: node, id, creation
                return atom() && skip(8);
            case 'x':  // V4_PORT_EXT
                return atom() && skip(12);
            case 'f':  // PORT_EXT
                return atom() && skip(5);
            case 'Z':  // NEWER_REFERENCE_EXT: len, node, creation:32, len words
                return be(n, 2) && (n <= kMaxRefWords || fail("reference too long")) && atom() &&
                       skip(4) && skip(n * 4);
            case 'r':  // NEW_REFERENCE_EXT: len, node, creation:8, len words
                return be(n, 2) && (n <= kMaxRefWords || fail("reference too long")) && atom() &&
                       skip(1) && skip(n * 4);
            case 'e':  // REFERENCE_EXT
                return atom() && skip(5);
            case 'q':  // EXPORT_EXT: module, function, arity
                return atom() && atom() && integer();
            case 'p':
                return newFun(depth);
            default:
                return fail("unsupported tag " + std::to_string(tag));
        }
    }
    bool elements(uint64_t count, int depth) {
        for (uint64_t i = 0; i < count; ++i) {
            if (!term(depth + 1)) {
                return false;
            }
        }
        return true;
    }

    std::string_view s_;
    int maxDepth_;
    std::size_t pos_ = 0;
    std::string why_;
};

}  // namespace

Status checkExternalTerm(std::string_view external, int maxDepth) {
    return Walker(external, maxDepth).run();
}

}  // namespace meshx::node
