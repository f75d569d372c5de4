// libFuzzer entry point for request bodies: the Go-style JSON scanner (parseGoJsonBody) and the
// Go-struct field reader (GoObjectReader) every body decoder of the agent is built on.
//
// Beyond "no crash, no UB, no leak" it checks what callers rely on:
// - every rejection explains itself (Go's texts are never empty);
// - an accepted value, encoded the way the agent answers (encodeGoJson), parses back equal;
// - every typed getter either returns or throws DecodeError, never another exception.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "agent/go_json.h"
#include "agent/go_json_decoder.h"

using meshx::agent::DecodeError;
using meshx::agent::GoObjectReader;
using meshx::agent::IJson;

namespace {

constexpr std::size_t kMaxInput = 64 * 1024;

// 1e400 parses to infinity, which JSON cannot carry back; such values skip the round trip.
bool allFinite(const IJson& value) {
    if (value.is_number_float()) {
        const double d = value.get<double>();
        return d - d == 0.0;
    }
    if (value.is_structured()) {
        for (const auto& item : value) {
            if (!allFinite(item)) {
                return false;
            }
        }
    }
    return true;
}

template <typename Getter>
void expectDecodeOutcome(Getter get) {
    try {
        (void)get();
    } catch (const DecodeError& e) {
        if (std::string_view(e.what()).empty()) {
            std::abort();
        }
    }
}

void readFields(const IJson& value) {
    try {
        const GoObjectReader r(value, "structs.Fuzz", "Fuzz", "",
                               {"Name", "Port", "Tags", "Meta", "Interval", "Enabled", "Check",
                                "Items", "local_bind_port"});
        expectDecodeOutcome([&] { return r.str("Name"); });
        expectDecodeOutcome([&] { return r.integer("Port"); });
        expectDecodeOutcome([&] { return r.integer("local_bind_port", "uint16"); });
        expectDecodeOutcome([&] { return r.strings("Tags"); });
        expectDecodeOutcome([&] { return r.stringMap("Meta"); });
        expectDecodeOutcome([&] { return r.duration("Interval"); });
        expectDecodeOutcome([&] { return r.boolean("Enabled"); });
        expectDecodeOutcome([&] { return r.array("Items", "[]string"); });
        expectDecodeOutcome([&] {
            const IJson* check = r.object("Check", "structs.CheckType");
            if (check != nullptr) {
                const GoObjectReader c = r.nested(*check, "Check", "CheckType", {"TTL", "Name"});
                (void)c.duration("TTL");
                (void)c.str("Name");
            }
            return check;
        });
    } catch (const DecodeError& e) {
        if (std::string_view(e.what()).empty()) {
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > kMaxInput) {
        return 0;
    }
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto parsed = meshx::agent::parseGoJsonBody(body);
    if (!parsed) {
        if (parsed.error().message.empty()) {
            std::abort();
        }
        return 0;
    }
    if (allFinite(*parsed)) {
        const auto again =
            meshx::agent::parseGoJsonBody(meshx::agent::encodeGoJson(*parsed, false));
        if (!again || *again != *parsed) {
            std::abort();
        }
    }
    readFields(*parsed);
    return 0;
}
