#include "proxy/consul_authorizer.h"

#include "consul/connect_endpoints.h"

namespace meshx::proxy {

void ConsulAuthorizer::authorize(const AuthorizeRequest& request, Callback done) {
    api_.callAsync<consul::AuthorizeResult>(
        consul::endpoints::authorize(request.target, request.clientCertUri,
                                     request.clientCertSerial),
        nullptr, [done = std::move(done)](Result<consul::AuthorizeResult> result) {
            if (!result) {
                done(result.error());
                return;
            }
            done(AuthorizeDecision{result->authorized, result->reason});
        });
}

}  // namespace meshx::proxy
