#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/ca/intention_matcher.h"
#include "agent/clock.h"
#include "agent/go_json.h"
#include "agent/index_table.h"
#include "common/result.h"

namespace meshx::agent {

// A service intention (§4.4, §4.5). Name-addressed ones (exact upsert) have no ID; legacy ones
// (POST /connect/intentions) have an ID and timestamps.
struct Intention {
    std::string id;
    std::string description;
    std::string sourceName;
    std::string destinationName;
    std::string sourceType = "consul";
    std::string action;          // allow / deny; empty with Permissions
    nlohmann::json permissions;  // L7 permissions (array) or null
    std::map<std::string, std::string> meta;
    int precedence = 0;
    std::optional<std::chrono::system_clock::time_point> createdAt;
    std::optional<std::chrono::system_clock::time_point> updatedAt;
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;

    bool isL7() const { return permissions.is_array() && !permissions.empty(); }
    // What evaluation needs of it (core/agent/ca's IntentionMatcher decides).
    IntentionRule rule() const;
    // Consul's Intention.String(): `web => db (Precedence: 9, Action: ALLOW)`.
    std::string summary() const;
};

// The writable fields of an intention request body.
struct IntentionInput {
    std::string description;
    std::string sourceName;
    std::string destinationName;
    std::string sourceType;
    std::string action;
    nlohmann::json permissions;
    std::map<std::string, std::string> meta;
};

// Decodes an intention body (structs.Intention keys, case-insensitive, unknown rejected; the
// read-only keys a GET returns are accepted and ignored). Throws DecodeError.
IntentionInput decodeIntention(const nlohmann::ordered_json& body);

// CE precedence: exact→exact 9, *→exact 8, exact→* 6, *→* 5 (IntentionMatcher's).
int intentionPrecedence(const std::string& source, const std::string& destination);

// Intentions with precedence, matching and authorization. Writes stamp the "intentions" index.
// Validation errors are Internal (Consul answers them with 500, multierror text). Agent thread.
class IntentionStore {
  public:
    IntentionStore(IndexTable& indexes, const Clock& clock) : indexes_(indexes), clock_(clock) {}

    // PUT /connect/intentions/exact: create or replace source→destination.
    Status upsertExact(const std::string& source, const std::string& destination,
                       IntentionInput input);
    // POST /connect/intentions (legacy): fails if source→destination exists. Returns the ID.
    Result<std::string> createLegacy(IntentionInput input);
    // PUT /connect/intentions/:id (legacy).
    Status updateById(const std::string& id, IntentionInput input);
    // Deletes (a missing one is fine, as in Consul).
    void deleteExact(const std::string& source, const std::string& destination);
    bool deleteById(const std::string& id);

    const Intention* exact(const std::string& source, const std::string& destination) const;
    const Intention* byId(const std::string& id) const;
    // All, highest precedence first, ties by (source, destination).
    std::vector<const Intention*> list() const;
    // Intentions matching `name` as destination (or source), wildcards included, in evaluation
    // order.
    std::vector<const Intention*> match(bool byDestination, const std::string& name) const;

    struct Decision {
        bool allowed = false;
        std::string reason;
    };
    // The first matching intention by precedence decides (L7 → deny); else the default.
    Decision authorize(const std::string& source, const std::string& destination,
                       bool defaultAllow) const;

  private:
    Status validate(const IntentionInput& input) const;
    // Precedence, evaluation order and decisions come from IntentionMatcher.
    IntentionMatcher matcher() const;
    std::vector<const Intention*> resolve(const std::vector<IntentionRule>& rules) const;
    void stamp(Intention& ixn, IndexTable::Change& change, bool created);

    IndexTable& indexes_;
    const Clock& clock_;
    std::map<std::pair<std::string, std::string>, Intention> byName_;
};

// Response JSON (structs.Intention) as the exact/list/match endpoints show it.
OJson intentionJson(const Intention& ixn);

}  // namespace meshx::agent
