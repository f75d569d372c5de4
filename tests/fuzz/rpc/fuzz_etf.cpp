// Fuzz target: the Erlang term decoder (EtfValidator, then ei) that reads peer payloads and error
// terms.

#include <cstddef>
#include <cstdint>

#include "rpc/serialize/etf_serializer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const meshx::rpc::EtfSerializer etf;
    (void)etf.deserialize(meshx::rpc::wire::ByteView(data, size));
    return 0;
}
