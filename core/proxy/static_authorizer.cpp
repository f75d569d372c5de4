#include "proxy/static_authorizer.h"

#include "proxy/service_identity.h"

namespace meshx::proxy {

void StaticAuthorizer::authorize(const AuthorizeRequest& request, Callback done) {
    auto id = ServiceIdentity::parse(request.clientCertUri);
    if (!id) {
        done(id.error());
        return;
    }
    if (denied_.count(id->service) > 0) {
        done(AuthorizeDecision{false, "denied by the static configuration"});
        return;
    }
    done(AuthorizeDecision{true, "allowed by the static configuration"});
}

}  // namespace meshx::proxy
