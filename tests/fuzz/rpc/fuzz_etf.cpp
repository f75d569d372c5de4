// Fuzz target: the Erlang term decoder (EtfValidator, then ei) that reads peer payloads and error
// terms. The input sits against a guard page: erl_interface is not sanitized, so an ei read past
// the end that the validator let through shows up as a SIGSEGV instead of going unnoticed.

#include <cstddef>
#include <cstdint>

#include "guarded_buffer.h"
#include "rpc/serialize/etf_serializer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    constexpr size_t kMaxInput = 1 << 20;
    if (size > kMaxInput) {
        return 0;
    }
    static const meshx::rpc::EtfSerializer etf;
    static meshx::fuzz::GuardedBuffer guarded(kMaxInput);
    const auto* bytes = reinterpret_cast<const uint8_t*>(guarded.place(data, size));
    (void)etf.deserialize(meshx::rpc::wire::ByteView(bytes, size));
    return 0;
}
