// libFuzzer entry point for registration bodies, through the same steps as
// PUT /v1/agent/service/register and PUT /v1/agent/check/register: the Go-style JSON scanner,
// decodeServiceDefinition / decodeCheckDefinition (Consul's names, aliases, unknown-field and
// type errors), Consul's validation, and the sidecar expansion of Connect.SidecarService.
//
// Every body ends in a decoded value or a 400 with a non-empty reason; never a crash, UB, leak or
// an exception other than DecodeError (which decodeRequestBody turns into the 400).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string_view>

#include "agent/definition_decoder.h"
#include "agent/registration_validator.h"
#include "agent/sidecar_expander.h"

using namespace meshx::agent;

namespace {

constexpr std::size_t kMaxInput = 64 * 1024;

void requireReason(const meshx::Status& status) {
    if (!status && status.error().message.empty()) {
        std::abort();
    }
}

void registerService(const IJson& body) {
    ServiceDefinition def;
    try {
        def = decodeServiceDefinition(body);
    } catch (const DecodeError& e) {
        if (std::string_view(e.what()).empty()) {
            std::abort();
        }
        return;
    }
    const auto valid = validateServiceDefinition(def);
    requireReason(valid);
    if (!valid) {
        return;
    }
    if (def.id.empty()) {
        def.id = def.name;  // AgentState::registerService does the same before expanding
    }
    if (def.sidecarService) {
        const std::map<std::string, ServiceRecord> none;
        auto sidecar = SidecarExpander().expand(def, none);
        if (!sidecar) {
            requireReason(sidecar.error());
            return;
        }
        requireReason(validateExpandedSidecar(*sidecar));
    }
}

void registerCheck(const IJson& body) {
    try {
        const CheckType check = decodeCheckDefinition(body);
        requireReason(validateCheckDefinition(check));
        (void)checkTypeProblem(check);
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
    auto body = parseGoJsonBody(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!body) {
        return 0;
    }
    registerService(*body);
    registerCheck(*body);
    return 0;
}
