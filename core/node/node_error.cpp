#include "node/node_error.h"

namespace meshx::node {

Error makeRemoteException(std::string_view node, std::string_view reasonText) {
    return makeError(Code::RemoteError, std::string(kBadRpcPrefix) + std::string(node) + ": " +
                                            std::string(reasonText));
}

std::optional<std::string> remoteExceptionReason(const Error& error) {
    std::string_view m = error.message;
    if (error.code != Code::RemoteError || m.substr(0, kBadRpcPrefix.size()) != kBadRpcPrefix) {
        return std::nullopt;
    }
    // Node names hold no ": ", so the first one ends the node.
    auto colon = m.find(": ", kBadRpcPrefix.size());
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    return std::string(m.substr(colon + 2));
}

Error makeHandshakeRefused(std::string_view node, std::string_view endpoint) {
    return makeError(Code::PermissionDenied, std::string(kWrongCookie) + " (node " +
                                                 std::string(node) + " at " +
                                                 std::string(endpoint) + ")");
}

}  // namespace meshx::node
