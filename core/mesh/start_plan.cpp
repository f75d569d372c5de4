#include "mesh/start_plan.h"

#include <algorithm>

#include "mesh/ttl_worker.h"
#include "template/template_renderer.h"

namespace meshx::mesh {

using nlohmann::json;

namespace {

// Names and IDs travel in agent URL paths (/agent/service/deregister/:id) and in SPIFFE IDs, so
// characters that would need escaping there, whitespace and control bytes are refused up front
// rather than failing later half-registered. '@' stays allowed: node services use it.
Status checkServiceText(const char* what, const std::string& text) {
    if (text.empty() || text.size() > 255) {
        return makeError(Code::InvalidArgument,
                         std::string("service ") + what + " must be 1 to 255 characters");
    }
    for (const unsigned char c : text) {
        if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '%' || c == '\\') {
            return makeError(Code::InvalidArgument,
                             std::string("service ") + what + " '" + text +
                                 "' has a character not allowed in service names (whitespace, "
                                 "control, non-ASCII, / ? # % \\)");
        }
    }
    return {};
}

}  // namespace

std::optional<net::Address> requestedAddress(const ServiceParams& params) {
    const json& hash = params.hash;
    if (hash.contains("address") && hash["address"].is_string() &&
        !hash["address"].get<std::string>().empty() && hash.contains("port") &&
        hash["port"].is_number_integer()) {
        const auto port = hash["port"].get<long long>();
        return net::Address::tcp(hash["address"].get<std::string>(),
                                 static_cast<uint16_t>(std::clamp(port, 0LL, 65535LL)));
    }
    return std::nullopt;
}

Result<StartPlan> renderStartPlan(const ServiceParams& params, const ServiceTemplate& tmpl,
                                  const net::Address& address, bool sampleAddress) {
    json hash = params.hash;
    if (hash.contains("name") &&
        (!hash["name"].is_string() || hash["name"].get<std::string>().empty())) {
        return makeError(Code::InvalidArgument, "service name must be a non-empty string");
    }
    hash["address"] = address.host();
    hash["port"] = address.port();

    StartPlan plan;
    plan.params = params;
    plan.tmpl = tmpl;
    plan.address = address;
    plan.sampleAddress = sampleAddress;

    const tmpl::TemplateRenderer renderer(hash);
    auto registration = renderer.render(tmpl.registration);
    if (!registration) {
        return registration.error();
    }
    const json& reg = *registration;
    if (!reg.is_object() || !reg.contains("Name") || !reg["Name"].is_string() ||
        reg["Name"].get<std::string>().empty()) {
        return makeError(Code::InvalidArgument, "the rendered registration has no Name");
    }
    plan.serviceName = reg["Name"].get<std::string>();
    plan.serviceId = reg.contains("ID") && reg["ID"].is_string() ? reg["ID"].get<std::string>()
                                                                 : plan.serviceName;
    if (auto st = checkServiceText("name", plan.serviceName); !st) {
        return st.error();
    }
    if (auto st = checkServiceText("id", plan.serviceId); !st) {
        return st.error();
    }
    plan.registration = reg;

    if (tmpl.ttl) {
        auto checkId = renderer.renderString(tmpl.ttl->checkId);
        if (!checkId) {
            return checkId.error();
        }
        if (!TtlWorker::isValidStatus(tmpl.ttl->status)) {
            return makeError(
                Code::InvalidArgument,
                "TTL status must be passing, warning or critical, not '" + tmpl.ttl->status + "'");
        }
        plan.ttl = StartPlan::Ttl{*checkId, tmpl.ttl->status, tmpl.ttl->intervalMs};
    }
    if (tmpl.proxy) {
        auto argv = renderer.renderArgv(*tmpl.proxy);
        if (!argv) {
            return argv.error();
        }
        plan.proxy = std::move(*argv);
    }
    return plan;
}

}  // namespace meshx::mesh
