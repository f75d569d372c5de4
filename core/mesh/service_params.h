#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace meshx::mesh {

// What `start` was asked to start: a name, a {name, id} pair, or a whole Mustache hash.
// Each is turned into the hash the templates render against (see ServiceParams::toHash).
struct ServiceParams {
    nlohmann::json hash = nlohmann::json::object();

    static ServiceParams named(const std::string& name);
    static ServiceParams namedWithId(const std::string& name, const std::string& id);
    static ServiceParams fromHash(nlohmann::json hash);
};

}  // namespace meshx::mesh
