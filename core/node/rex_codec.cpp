#include "node/rex_codec.h"

#include <ei.h>

#include <array>
#include <cstring>

#include "node/node_error.h"
#include "node/term_bounds.h"
#include "node/term_printer.h"

namespace meshx::node {

namespace {

class Buffer {
  public:
    Buffer() { ei_x_new_with_version(&buf_); }
    ~Buffer() { ei_x_free(&buf_); }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    ei_x_buff* get() { return &buf_; }
    std::string bytes() const {
        return std::string(buf_.buff, static_cast<std::size_t>(buf_.index));
    }

  private:
    ei_x_buff buf_{};
};

Status checkAtomName(std::string_view what, std::string_view name) {
    if (name.empty()) {
        return makeError(Code::InvalidArgument, std::string(what) + " name is empty");
    }
    if (name.size() > 255 * 4) {
        return makeError(Code::InvalidArgument, std::string(what) + " name is too long");
    }
    return {};
}

bool encodeAtom(ei_x_buff* x, std::string_view a) {
    return ei_x_encode_atom_len_as(x, a.data(), static_cast<int>(a.size()), ERLANG_UTF8,
                                   ERLANG_UTF8) == 0;
}

// Appends an encoded term without its version byte.
bool appendTerm(ei_x_buff* x, const Term& t) {
    const std::string& e = t.external();
    return ei_x_append_buf(x, e.data() + 1, static_cast<int>(e.size() - 1)) == 0;
}

Error outOfMemory() {
    return makeError(Code::Internal, "encoding the call failed (out of memory?)");
}

}  // namespace

Result<std::string> RexCodec::encodeCall(const LocalPid& replyTo, std::string_view module,
                                         std::string_view function, const Term& args) {
    if (auto s = checkAtomName("module", module); !s) {
        return s.error();
    }
    if (auto s = checkAtomName("function", function); !s) {
        return s.error();
    }
    if (!args.isProperList()) {
        return makeError(Code::InvalidArgument,
                         "arguments must be a proper list, got " + args.toString());
    }
    erlang_pid pid{};
    if (replyTo.node.size() >= sizeof(pid.node)) {
        return makeError(Code::InvalidArgument, "node name too long");
    }
    std::memcpy(pid.node, replyTo.node.c_str(), replyTo.node.size() + 1);
    pid.num = replyTo.num;
    pid.serial = replyTo.serial;
    pid.creation = replyTo.creation;

    Buffer b;
    ei_x_buff* x = b.get();
    bool ok = ei_x_encode_tuple_header(x, 2) == 0 && ei_x_encode_pid(x, &pid) == 0 &&
              ei_x_encode_tuple_header(x, 5) == 0 && encodeAtom(x, "call") &&
              encodeAtom(x, module) && encodeAtom(x, function) && appendTerm(x, args) &&
              encodeAtom(x, "user");
    if (!ok) {
        return outOfMemory();
    }
    return b.bytes();
}

Result<Term> RexCodec::spawnArgs(std::string_view module, std::string_view function,
                                 const Term& args) {
    if (auto s = checkAtomName("module", module); !s) {
        return s.error();
    }
    if (auto s = checkAtomName("function", function); !s) {
        return s.error();
    }
    if (!args.isProperList()) {
        return makeError(Code::InvalidArgument,
                         "arguments must be a proper list, got " + args.toString());
    }
    Buffer b;
    ei_x_buff* x = b.get();
    bool ok = ei_x_encode_list_header(x, 3) == 0 && encodeAtom(x, module) &&
              encodeAtom(x, function) && appendTerm(x, args) && ei_x_encode_empty_list(x) == 0;
    if (!ok) {
        return outOfMemory();
    }
    return Term::fromExternal(b.bytes());
}

Result<Term> RexCodec::decodeReply(std::string_view external, const std::string& node) {
    auto bad = [&](std::string_view why) {
        return makeError(Code::ProtocolError,
                         "unexpected rpc reply from " + node + ": " + std::string(why));
    };
    // ei's decoders below trust the lengths inside the reply: check them all first.
    if (auto fits = checkExternalTerm(external, kMaxTermDepth); !fits) {
        return bad(fits.error().message);
    }
    const char* buf = external.data();
    auto size = static_cast<int>(external.size());
    int index = 0;
    int version = 0;
    int arity = 0;
    std::array<char, MAXATOMLEN_UTF8> tag{};
    if (size < 4 || ei_decode_version(buf, &index, &version) < 0 ||
        ei_decode_tuple_header(buf, &index, &arity) < 0 || arity != 2 ||
        ei_decode_atom_as(buf, &index, tag.data(), static_cast<int>(tag.size()), ERLANG_UTF8,
                          nullptr, nullptr) < 0 ||
        std::strcmp(tag.data(), "rex") != 0 || index >= size) {
        return bad("not {rex, Result}");
    }
    auto result = Term::fromExternal(external.substr(static_cast<std::size_t>(index)), node);
    if (!result) {
        return bad(result.error().message);
    }

    // {badrpc, Reason}?
    int at = index;
    int innerArity = 0;
    std::array<char, MAXATOMLEN_UTF8> inner{};
    if (ei_decode_tuple_header(buf, &at, &innerArity) == 0 && innerArity == 2 && at < size &&
        ei_decode_atom_as(buf, &at, inner.data(), static_cast<int>(inner.size()), ERLANG_UTF8,
                          nullptr, nullptr) == 0 &&
        std::strcmp(inner.data(), "badrpc") == 0 && at < size) {
        auto reason = TermPrinter::print(external.substr(static_cast<std::size_t>(at)), node);
        if (!reason) {
            return bad(reason.error().message);
        }
        return makeRemoteException(node, *reason);
    }
    return result;
}

}  // namespace meshx::node
