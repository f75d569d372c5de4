#pragma once

#include <functional>

#include "node/node_endpoint_resolver.h"

namespace meshx::node {

// A NodeEndpointResolver made from a function: for tests, and for wiring a resolver without a
// class. The function inherits the interface's rules (any thread, may block).
class CallbackEndpointResolver : public NodeEndpointResolver {
  public:
    using Function =
        std::function<Result<net::Address>(const NodeName& remote, const NodeName& local)>;

    explicit CallbackEndpointResolver(Function function);

    // NodeEndpointResolver
    Result<net::Address> resolve(const NodeName& remote, const NodeName& local) override;

  private:
    Function function_;
};

}  // namespace meshx::node
