#include "node/node_service_defaults.h"

namespace meshx::node {

NodeServiceParams NodeServiceDefaults::service(const NodeName& local) {
    // The full node name is both name and id: several hosts may serve one name (`service@any`)
    // only when the caller overrides the id, as `meshx serve --id` does.
    return {local.toString(), local.toString()};
}

NodeUpstreamParams NodeServiceDefaults::upstream(const NodeName& remote, const NodeName& local) {
    return {remote.toString(), local.toString(), local.toString()};
}

}  // namespace meshx::node
