#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace meshx::node {

// An Erlang node name, `alive@host` (`cli@h11`, `service@any`, `svc@127.0.0.1`).
//
// Erlang itself accepts more in an alive part, but erl_interface copies both halves into fixed
// buffers and the mesh turns the name into a service name, so we keep to the safe subset:
// alive is [A-Za-z0-9_-], host is [A-Za-z0-9._-]; each at most 253 bytes (ei's limits).
// A value type; any thread.
class NodeName {
  public:
    // Errors (InvalidArgument) say what is wrong: missing '@', empty half, bad character, too long.
    static Result<NodeName> parse(std::string_view text);

    const std::string& alive() const { return alive_; }
    const std::string& host() const { return host_; }
    std::string toString() const { return alive_ + '@' + host_; }

    bool operator==(const NodeName& other) const = default;
    bool operator<(const NodeName& other) const { return toString() < other.toString(); }

  private:
    std::string alive_;
    std::string host_;
};

}  // namespace meshx::node
