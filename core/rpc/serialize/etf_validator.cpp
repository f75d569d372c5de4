#include "rpc/serialize/etf_validator.h"

#include "rpc/wire/byte_reader.h"

namespace meshx::rpc {

namespace {

using wire::ByteReader;
using wire::ByteView;

struct Walker {
    ByteReader r;
    std::string why;

    bool fail(const char* what) {
        if (why.empty())
            why = what;
        return false;
    }
    bool skip(uint64_t n) {
        ByteView ignored;
        return r.take(n, ignored) || fail("term runs past the end");
    }
    bool atom() {
        uint8_t tag = 0;
        if (!r.u8(tag))
            return fail("term runs past the end");
        if (tag == 100 || tag == 118) {  // ATOM_EXT, ATOM_UTF8_EXT: u16 length
            uint16_t len = 0;
            return (r.u16(len) || fail("truncated atom")) && skip(len);
        }
        if (tag == 115 || tag == 119) {  // SMALL_ATOM_EXT, SMALL_ATOM_UTF8_EXT: u8 length
            uint8_t len = 0;
            return (r.u8(len) || fail("truncated atom")) && skip(len);
        }
        return fail("atom expected");
    }
    // Each element takes at least one byte: an arity beyond the bytes left is a lie.
    bool plausible(uint64_t count) {
        return count <= r.remaining() || fail("arity larger than the term");
    }

    bool term(int depth) {
        if (depth > EtfValidator::kMaxDepth)
            return fail("term nested too deep");
        uint8_t tag = 0;
        if (!r.u8(tag))
            return fail("term runs past the end");
        uint8_t u8v = 0;
        uint16_t u16v = 0;
        uint32_t u32v = 0;
        switch (tag) {
            case 97:
                return skip(1);  // SMALL_INTEGER
            case 98:
                return skip(4);  // INTEGER
            case 70:
                return skip(8);  // NEW_FLOAT
            case 99:
                return skip(31);  // FLOAT (old text form)
            case 106:
                return true;  // NIL
            case 100:
            case 118:
                return (r.u16(u16v) || fail("truncated atom")) && skip(u16v);
            case 115:
            case 119:
                return (r.u8(u8v) || fail("truncated atom")) && skip(u8v);
            case 107:  // STRING_EXT: u16 length of bytes
                return (r.u16(u16v) || fail("truncated string")) && skip(u16v);
            case 109:  // BINARY_EXT
                return (r.u32(u32v) || fail("truncated binary")) && skip(u32v);
            case 77:  // BIT_BINARY_EXT: length, bits in last byte, bytes
                return (r.u32(u32v) || fail("truncated bitstring")) && skip(1) && skip(u32v);
            case 110:  // SMALL_BIG: n, sign, n bytes
                return (r.u8(u8v) || fail("truncated big")) && skip(1) && skip(u8v);
            case 111:
                return (r.u32(u32v) || fail("truncated big")) && skip(1) && skip(u32v);
            case 104:  // SMALL_TUPLE
                if (!r.u8(u8v))
                    return fail("truncated tuple");
                return elements(u8v, depth);
            case 105:
                if (!r.u32(u32v) || !plausible(u32v))
                    return fail("truncated tuple");
                return elements(u32v, depth);
            case 108:  // LIST: length, elements, tail
                if (!r.u32(u32v) || !plausible(u32v))
                    return fail("truncated list");
                return elements(u32v, depth) && term(depth + 1);
            case 116:  // MAP: arity pairs
                if (!r.u32(u32v) || !plausible(uint64_t(u32v) * 2))
                    return fail("truncated map");
                return elements(uint64_t(u32v) * 2, depth);
            case 88:  // NEW_PID: node, id, serial, creation
                return atom() && skip(12);
            case 103:  // PID_EXT
                return atom() && skip(9);
            case 89:  // NEW_PORT
                return atom() && skip(8);
            case 120:  // V4_PORT
                return atom() && skip(12);
            case 102:  // PORT_EXT
                return atom() && skip(5);
            case 90:  // NEWER_REFERENCE: len, node, creation, len words
                return (r.u16(u16v) || fail("truncated ref")) && atom() && skip(4) &&
                       skip(uint64_t(u16v) * 4);
            case 114:  // NEW_REFERENCE
                return (r.u16(u16v) || fail("truncated ref")) && atom() && skip(1) &&
                       skip(uint64_t(u16v) * 4);
            case 101:  // REFERENCE_EXT
                return atom() && skip(5);
            case 113:  // EXPORT_EXT: module, function, arity
                return term(depth + 1) && term(depth + 1) && term(depth + 1);
            case 112:  // NEW_FUN: total size including the size field itself
                return (r.u32(u32v) || fail("truncated fun")) && u32v >= 4 && skip(u32v - 4);
            default:
                return fail("unsupported term tag");
        }
    }
    bool elements(uint64_t count, int depth) {
        for (uint64_t i = 0; i < count; ++i) {
            if (!term(depth + 1))
                return false;
        }
        return true;
    }
};

}  // namespace

bool EtfValidator::validate(wire::ByteView bytes, std::string& why) {
    Walker w{ByteReader(bytes), {}};
    uint8_t version = 0;
    if (!w.r.u8(version) || version != 131) {
        why = "not an external term (version byte 131 expected)";
        return false;
    }
    if (!w.term(0)) {
        why = w.why;
        return false;
    }
    if (!w.r.atEnd()) {
        why = "bytes after the term";
        return false;
    }
    return true;
}

std::size_t EtfValidator::termLength(wire::ByteView bytes) {
    Walker w{ByteReader(bytes), {}};
    if (!w.term(0))
        return 0;
    return bytes.size() - w.r.remaining();
}

}  // namespace meshx::rpc
