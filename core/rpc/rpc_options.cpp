#include "rpc/rpc_options.h"

#include <random>

#include "rpc/serialize/serializer_registry.h"
#include "rpc/wire/crc32_checksum.h"

namespace meshx::rpc {

namespace {
std::mt19937_64& rng() {
    thread_local std::mt19937_64 gen{std::random_device{}()};
    return gen;
}
}  // namespace

std::string randomConnRef() {
    std::uniform_int_distribution<uint64_t> dist(1, 0xffffffffULL);
    std::string out;
    wire::appendMinimalUnsigned(dist(rng()), out);
    return out;
}

Millis jitter(Millis base, int percent) {
    if (base.count() <= 0)
        return base;
    // rand_retry: base + base * (uniform(2*p*10) - p*10) / 1000
    std::uniform_int_distribution<int64_t> dist(1, 2 * percent * 10);
    const int64_t delta = base.count() * (dist(rng()) - percent * 10) / 1000;
    return Millis{base.count() + delta};
}

Status RpcCommonOptions::finish() {
    if (blkMaxSize < wire::kMinBlkMaxSize || blkMaxSize > wire::kMaxBlkMaxSize) {
        return makeError(Code::InvalidArgument, "blk_max_size must be in 200..268435456");
    }
    if (connRef.empty())
        connRef = randomConnRef();
    if (svcRef.empty())
        svcRef = id.substr(0, 255);
    for (const std::string* ref : {&connRef, &svcRef, &nodeRef}) {
        // A ref of 256+ bytes would overflow its u8 length on the wire (reference §2).
        if (ref->size() > 255)
            return makeError(Code::InvalidArgument, "conn/svc/node refs must be at most 255 bytes");
    }
    if (serializer != "default" && SerializerRegistry::global().byName(serializer) == nullptr) {
        return makeError(Code::InvalidArgument, "unknown serializer '" + serializer + "'");
    }
    if (maxMessageSize < blkMaxSize)
        maxMessageSize = blkMaxSize;
    return {};
}

const wire::Checksum& RpcCommonOptions::digestFn() const {
    return digest != nullptr ? *digest : wire::Crc32Checksum::instance();
}

std::vector<std::string> RpcCommonOptions::prefix() const {
    if (!telemetryPrefix.empty())
        return telemetryPrefix;
    return {"meshx_rpc", id};
}

}  // namespace meshx::rpc
