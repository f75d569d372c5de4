#include "rpc/serialize/etf_serializer.h"

#include <ei.h>

#include <climits>
#include <mutex>
#include <string>

#include "common/erlang_float_text.h"
#include "rpc/serialize/etf_validator.h"

namespace meshx::rpc {

namespace {

using nlohmann::json;

// RAII for ei's growable buffer.
struct XBuff {
    ei_x_buff x{};
    XBuff() { ei_x_new_with_version(&x); }
    ~XBuff() { ei_x_free(&x); }
    XBuff(const XBuff&) = delete;
    XBuff& operator=(const XBuff&) = delete;
};

int encodeAtom(ei_x_buff* x, const std::string& name) {
    // OTP 25's term_to_binary writes ATOM_EXT (0x64, Latin-1) whenever the name fits Latin-1, and
    // the captures show it; ei itself always writes the UTF-8 tags, so the bytes are built here.
    std::string latin1;
    bool isLatin1 = true;
    for (size_t i = 0; i < name.size() && isLatin1; ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c < 0x80) {
            latin1.push_back(static_cast<char>(c));
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < name.size()) {
            latin1.push_back(static_cast<char>(((c & 0x03) << 6) |
                                               (static_cast<unsigned char>(name[++i]) & 0x3f)));
        } else {
            isLatin1 = false;
        }
    }
    if (isLatin1 && latin1.size() <= 255) {
        const char head[3] = {100, 0, static_cast<char>(latin1.size())};
        if (ei_x_append_buf(x, head, 3) != 0)
            return -1;
        return ei_x_append_buf(x, latin1.data(), static_cast<int>(latin1.size()));
    }
    if (name.size() > 255 * 4)
        return -1;
    return ei_x_encode_atom_len_as(x, name.data(), static_cast<int>(name.size()), ERLANG_UTF8,
                                   ERLANG_UTF8);
}

int encode(ei_x_buff* x, const json& v) {
    switch (v.type()) {
        case json::value_t::null:
            return encodeAtom(x, "nil");
        case json::value_t::boolean:
            return encodeAtom(x, v.get<bool>() ? "true" : "false");
        case json::value_t::number_integer:
            return ei_x_encode_longlong(x, v.get<long long>());
        case json::value_t::number_unsigned:
            return ei_x_encode_ulonglong(x, v.get<unsigned long long>());
        case json::value_t::number_float:
            return ei_x_encode_double(x, v.get<double>());
        case json::value_t::string: {
            const auto& s = v.get_ref<const std::string&>();
            if (s.size() > INT_MAX)
                return -1;  // ei takes int lengths
            return ei_x_encode_binary(x, s.data(), static_cast<int>(s.size()));
        }
        case json::value_t::binary: {
            const auto& b = v.get_binary();
            if (b.size() > INT_MAX)
                return -1;
            return ei_x_encode_binary(x, b.data(), static_cast<int>(b.size()));
        }
        case json::value_t::array: {
            if (!v.empty() && ei_x_encode_list_header(x, static_cast<long>(v.size())) != 0)
                return -1;
            for (const auto& e : v) {
                if (encode(x, e) != 0)
                    return -1;
            }
            return ei_x_encode_empty_list(x);
        }
        case json::value_t::object: {
            if (v.size() == 1 && v.contains("$atom") && v["$atom"].is_string()) {
                return encodeAtom(x, v["$atom"].get<std::string>());
            }
            if (v.size() == 1 && v.contains("$tuple") && v["$tuple"].is_array()) {
                const auto& t = v["$tuple"];
                if (ei_x_encode_tuple_header(x, static_cast<long>(t.size())) != 0)
                    return -1;
                for (const auto& e : t) {
                    if (encode(x, e) != 0)
                        return -1;
                }
                return 0;
            }
            if (ei_x_encode_map_header(x, static_cast<long>(v.size())) != 0)
                return -1;
            for (const auto& [key, value] : v.items()) {
                if (key.size() > 255 || encodeAtom(x, key) != 0 || encode(x, value) != 0)
                    return -1;
            }
            return 0;
        }
        case json::value_t::discarded:
            return -1;
    }
    return -1;
}

bool validUtf8(const char* s, size_t n) {
    try {
        (void)json(std::string(s, n)).dump();
        return true;
    } catch (const json::exception&) {
        return false;
    }
}

// Skips the term at `index` by the validator's walk, not ei_skip_term (see termLength).
bool skipTerm(const char* buf, int end, int* index) {
    const auto n = EtfValidator::termLength(wire::ByteView(
        reinterpret_cast<const uint8_t*>(buf) + *index, static_cast<size_t>(end - *index)));
    if (n == 0)
        return false;
    *index += static_cast<int>(n);
    return true;
}

// Decodes one term at `index` (already validated, so lengths are trustworthy); `end` is the
// buffer's length.
bool decode(const char* buf, int end, int* index, json& out) {
    int type = 0, size = 0;
    if (ei_get_type(buf, index, &type, &size) != 0)
        return false;
    switch (type) {
        case ERL_SMALL_INTEGER_EXT:
        case ERL_INTEGER_EXT:
        case ERL_SMALL_BIG_EXT:
        case ERL_LARGE_BIG_EXT: {
            long long ll = 0;
            unsigned long long ull = 0;
            int at = *index;
            if (ei_decode_longlong(buf, &at, &ll) == 0) {
                *index = at;
                out = ll;
                return true;
            }
            at = *index;
            if (ei_decode_ulonglong(buf, &at, &ull) == 0) {
                *index = at;
                out = ull;
                return true;
            }
            out = "#big";
            return skipTerm(buf, end, index);
        }
        case ERL_FLOAT_EXT:  // ei_get_type says ERL_FLOAT_EXT for both float tags
        case NEW_FLOAT_EXT: {
            double d = 0;
            if (buf[*index] == ERL_FLOAT_EXT) {
                // The old 31-byte text form: not ei_decode_double, whose sscanf reads past it.
                const auto parsed = parseFloatExtText(buf + *index + 1);
                if (!parsed)
                    return false;
                d = *parsed;
                *index += 1 + static_cast<int>(kFloatExtTextSize);
            } else if (ei_decode_double(buf, index, &d) != 0) {
                return false;
            }
            out = d;
            return true;
        }
        case ERL_ATOM_EXT:
        case ERL_SMALL_ATOM_EXT:
        case ERL_ATOM_UTF8_EXT:
        case ERL_SMALL_ATOM_UTF8_EXT: {
            char atom[MAXATOMLEN_UTF8];
            if (ei_decode_atom_as(buf, index, atom, sizeof atom, ERLANG_UTF8, nullptr, nullptr) !=
                0) {
                return false;
            }
            const std::string a(atom);
            out = a == "nil"     ? json(nullptr)
                  : a == "true"  ? json(true)
                  : a == "false" ? json(false)
                                 : json(a);
            return true;
        }
        case ERL_BINARY_EXT: {
            std::string bytes(static_cast<size_t>(size), '\0');
            long len = 0;
            if (ei_decode_binary(buf, index, bytes.data(), &len) != 0)
                return false;
            if (validUtf8(bytes.data(), bytes.size())) {
                out = std::move(bytes);
            } else {
                out = json::binary(std::vector<uint8_t>(bytes.begin(), bytes.end()));
            }
            return true;
        }
        case ERL_STRING_EXT: {  // a charlist of bytes 0..255
            std::string s(static_cast<size_t>(size) + 1, '\0');
            if (ei_decode_string(buf, index, s.data()) != 0)
                return false;
            out = json::array();
            for (int i = 0; i < size; ++i)
                out.push_back(static_cast<uint8_t>(s[static_cast<size_t>(i)]));
            return true;
        }
        case ERL_NIL_EXT:
        case ERL_LIST_EXT: {
            int arity = 0;
            if (ei_decode_list_header(buf, index, &arity) != 0)
                return false;
            out = json::array();
            for (int i = 0; i < arity; ++i) {
                json e;
                if (!decode(buf, end, index, e))
                    return false;
                out.push_back(std::move(e));
            }
            if (arity > 0) {  // the tail: [] for proper lists
                json tail;
                if (!decode(buf, end, index, tail))
                    return false;
                if (!(tail.is_array() && tail.empty()))
                    out.push_back(std::move(tail));
            }
            return true;
        }
        case ERL_SMALL_TUPLE_EXT:
        case ERL_LARGE_TUPLE_EXT: {
            int arity = 0;
            if (ei_decode_tuple_header(buf, index, &arity) != 0)
                return false;
            out = json::array();
            for (int i = 0; i < arity; ++i) {
                json e;
                if (!decode(buf, end, index, e))
                    return false;
                out.push_back(std::move(e));
            }
            return true;
        }
        case ERL_MAP_EXT: {
            int arity = 0;
            if (ei_decode_map_header(buf, index, &arity) != 0)
                return false;
            out = json::object();
            for (int i = 0; i < arity; ++i) {
                json k, v;
                if (!decode(buf, end, index, k) || !decode(buf, end, index, v))
                    return false;
                out[k.is_string() ? k.get<std::string>()
                                  : k.dump(-1, ' ', false, json::error_handler_t::replace)] =
                    std::move(v);
            }
            return true;
        }
        default: {
            out = "#term<" + std::to_string(type) + ">";
            return skipTerm(buf, end, index);
        }
    }
}

}  // namespace

EtfSerializer::EtfSerializer() {
    static std::once_flag once;
    std::call_once(once, [] { ei_init(); });
}

Result<uint8_t> EtfSerializer::serialize(const nlohmann::json& value, wire::Bytes& out) const {
    XBuff x;
    if (encode(&x.x, value) != 0) {
        return makeError(Code::InvalidArgument, "etf: value has no Erlang term form");
    }
    const auto* bytes = reinterpret_cast<const uint8_t*>(x.x.buff);
    out.insert(out.end(), bytes, bytes + x.x.index);
    return kFlag;
}

Result<nlohmann::json> EtfSerializer::deserialize(wire::ByteView bytes) const {
    std::string why;
    if (!EtfValidator::validate(bytes, why))
        return makeError(Code::ParseError, "etf: " + why);
    const char* buf = reinterpret_cast<const char*>(bytes.data());
    int index = 0;
    int version = 0;
    json out;
    if (ei_decode_version(buf, &index, &version) != 0 ||
        !decode(buf, static_cast<int>(bytes.size()), &index, out)) {
        return makeError(Code::ParseError, "etf: undecodable term");
    }
    return out;
}

}  // namespace meshx::rpc
