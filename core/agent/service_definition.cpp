#include "agent/service_definition.h"

namespace meshx::agent {

std::string CheckType::type() const {
    if (isTtl()) {
        return "ttl";
    }
    if (!http.empty()) {
        return "http";
    }
    if (!tcp.empty()) {
        return "tcp";
    }
    if (!udp.empty()) {
        return "udp";
    }
    if (!grpc.empty()) {
        return "grpc";
    }
    if (isAlias()) {
        return "alias";
    }
    if (!dockerContainerId.empty()) {
        return "docker";
    }
    if (isScript()) {
        return "script";
    }
    if (!h2ping.empty()) {
        return "h2ping";
    }
    if (!osService.empty()) {
        return "os_service";
    }
    return "";
}

bool CheckType::empty() const {
    return *this == CheckType{};
}

}  // namespace meshx::agent
