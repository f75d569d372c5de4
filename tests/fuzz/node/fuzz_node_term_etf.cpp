// libFuzzer entry point for external term format bytes from a peer node: TermPrinter (how replies
// are shown) and RexCodec::decodeReply (how an rpc reply is taken apart). Both must answer a
// ProtocolError with a reason for a truncated or made-up term, and never read past its end: the
// input sits against a guard page because erl_interface itself is not sanitized.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "guarded_buffer.h"
#include "node/rex_codec.h"
#include "node/term_printer.h"

using meshx::node::RexCodec;
using meshx::node::TermPrinter;

namespace {

constexpr std::size_t kMaxInput = 64 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > kMaxInput) {
        return 0;
    }
    static meshx::fuzz::GuardedBuffer guarded(kMaxInput);
    const std::string_view external(guarded.place(data, size), size);
    static const std::string node = "peer@127.0.0.1";
    const auto printed = TermPrinter::print(external, node);
    if (!printed && printed.error().message.empty()) {
        std::abort();
    }
    const auto reply = RexCodec::decodeReply(external, node);
    if (!reply && reply.error().message.empty()) {
        std::abort();
    }
    return 0;
}
