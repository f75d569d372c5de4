#pragma once

#include <string>

namespace meshx::agent::index_keys {

// Keys of the IndexTable: what a blocking query waits on, what a write touches.
inline const std::string kServices = "services";      // catalog services table
inline const std::string kChecks = "checks";          // every check
inline const std::string kNodeChecks = "nodechecks";  // node-level checks (all health results)
inline const std::string kNodes = "nodes";
inline const std::string kIntentions = "intentions";
inline const std::string kCaRoots = "ca";
inline const std::string kKv = "kv";

// Instances (and their checks) of one service name.
inline std::string service(const std::string& name) {
    return "svc:" + name;
}
// Proxies (and native instances) that front one service name.
inline std::string connect(const std::string& name) {
    return "connect:" + name;
}
// One local service definition (hash-blocking /agent/service/:id).
inline std::string agentService(const std::string& id) {
    return "agentsvc:" + id;
}
// The cached leaf certificate of one service name.
inline std::string leaf(const std::string& name) {
    return "leaf:" + name;
}

}  // namespace meshx::agent::index_keys
