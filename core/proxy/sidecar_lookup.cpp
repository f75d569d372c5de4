#include "proxy/sidecar_lookup.h"

#include <strings.h>

#include <vector>

namespace meshx::proxy {

Result<std::string> findSidecarProxyId(const std::map<std::string, consul::AgentService>& services,
                                       const std::string& serviceId) {
    std::vector<std::string> ids;
    for (const auto& [id, svc] : services) {
        if (svc.kind != "connect-proxy" || !svc.proxy) {
            continue;
        }
        const std::string& dest = svc.proxy->destinationServiceId;
        if (dest.size() == serviceId.size() &&
            ::strncasecmp(dest.c_str(), serviceId.c_str(), dest.size()) == 0) {
            ids.push_back(svc.id);
        }
    }
    if (ids.empty()) {
        return makeError(Code::NotFound, "No sidecar proxy registered for " + serviceId);
    }
    if (ids.size() > 1) {
        std::string list;
        for (const auto& id : ids) {
            list += (list.empty() ? "" : ", ") + id;
        }
        return makeError(
            Code::InvalidArgument,
            "More than one sidecar proxy registered for " + serviceId +
                ".\n    Start proxy with -proxy-id and one of the following IDs: " + list);
    }
    return ids.front();
}

std::string sidecarFilter(const std::string& serviceId) {
    std::string quoted = "\"";
    for (char c : serviceId) {
        if (c == '"' || c == '\\') {
            quoted += '\\';
        }
        quoted += c;
    }
    quoted += '"';
    return "Kind == \"connect-proxy\" and Proxy.DestinationServiceID == " + quoted;
}

}  // namespace meshx::proxy
