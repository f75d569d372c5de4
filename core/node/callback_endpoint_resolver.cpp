#include "node/callback_endpoint_resolver.h"

namespace meshx::node {

CallbackEndpointResolver::CallbackEndpointResolver(Function function)
    : function_(std::move(function)) {}

Result<net::Address> CallbackEndpointResolver::resolve(const NodeName& remote,
                                                       const NodeName& local) {
    if (!function_) {
        return makeError(Code::NotFound, "no resolver for node " + remote.toString());
    }
    return function_(remote, local);
}

}  // namespace meshx::node
