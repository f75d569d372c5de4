#include "agent/acl_resolver.h"

#include <strings.h>

#include "agent/go_duration.h"

namespace meshx::agent {

std::string AclResolver::tokenOf(const HttpRequest& request) {
    if (auto t = request.queryValue("token"); t && !t->empty()) {
        return *t;
    }
    if (const std::string* h = request.header("x-consul-token"); h != nullptr && !h->empty()) {
        return *h;
    }
    if (const std::string* h = request.header("authorization"); h != nullptr) {
        const size_t sp = h->find(' ');
        if (sp != std::string::npos && strncasecmp(h->c_str(), "bearer", sp) == 0 && sp == 6) {
            std::string rest = h->substr(sp + 1);
            rest.erase(0, rest.find_first_not_of(' '));
            return rest.substr(0, rest.find(' '));
        }
    }
    return "";
}

Result<AclResolver::Identity> AclResolver::resolve(const std::string& secret) const {
    if (!enabled()) {
        return Identity{true, ""};
    }
    if (secret.empty()) {
        return Identity{false, kAnonymousAccessorId};
    }
    if (secret == masterToken_) {
        return Identity{true, "c0ffee00-0000-4000-8000-00000000a11c"};
    }
    return makeError(Code::PermissionDenied, "ACL not found");
}

Status AclResolver::require(const Identity& who, std::string_view permission,
                            const std::string& resource) const {
    if (!enabled() || who.management) {
        return {};
    }
    return makeError(Code::PermissionDenied, "Permission denied: token with AccessorID '" +
                                                 who.accessorId + "' lacks permission '" +
                                                 std::string(permission) + "' on " +
                                                 goQuote(resource));
}

}  // namespace meshx::agent
