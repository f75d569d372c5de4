#pragma once

#include <string>
#include <string_view>

#include "agent/http_request.h"
#include "common/result.h"

namespace meshx::agent {

// The dev agent's ACL system: disabled (every token accepted and ignored) or enabled with one
// management token (`-acl-master-token`); everything else is the anonymous token, which may do
// nothing (default policy deny). Texts as modern Consul prints them (§1.3). Any thread.
class AclResolver {
  public:
    static constexpr const char* kAnonymousAccessorId = "00000000-0000-0000-0000-000000000002";

    struct Identity {
        bool management = false;
        std::string accessorId;
    };

    explicit AclResolver(std::string masterToken) : masterToken_(std::move(masterToken)) {}

    bool enabled() const { return !masterToken_.empty(); }

    // The request's secret: ?token=, X-Consul-Token, `Authorization: Bearer <t>`, in that order.
    static std::string tokenOf(const HttpRequest& request);

    // Unknown non-empty secret -> PermissionDenied `ACL not found`.
    Result<Identity> resolve(const std::string& secret) const;

    // PermissionDenied `Permission denied: token with AccessorID '...' lacks permission
    // 'service:write' on "web"` unless allowed.
    Status require(const Identity& who, std::string_view permission,
                   const std::string& resource) const;
    // Whether `who` may see anything (list endpoints filter instead of failing).
    bool canRead(const Identity& who) const { return !enabled() || who.management; }

  private:
    std::string masterToken_;
};

}  // namespace meshx::agent
