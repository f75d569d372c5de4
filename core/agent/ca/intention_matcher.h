#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace meshx::agent {

// What authorization needs of one intention (consul-api-subset.md §4.4/§4.5). Names are exact
// service names or "*".
struct IntentionRule {
    std::string id;  // legacy (POST-created) intentions only; "" otherwise
    std::string sourceNs = "default";
    std::string sourceName;
    std::string destinationNs = "default";
    std::string destinationName;
    std::string action;               // "allow" / "deny"; "" for an L7 intention
    std::size_t permissionCount = 0;  // L7 permissions; non-zero makes authorize deny
    int precedence = 0;               // filled by IntentionMatcher::create

    // Consul's Intention.String() on CE, used in authorize reasons:
    // "web => db (Precedence: 9, Action: ALLOW)", with "ID: <id>, " before Precedence for
    // legacy intentions and "Permissions: <n>" instead of the action for L7 ones.
    std::string summary() const;
};

struct AuthorizeDecision {
    bool authorized = false;
    // "Matched L4 intention: <summary>", "Matched L7 intention: <summary>" or
    // "Default behavior configured by ACLs". Informational; nothing parses it.
    std::string reason;
    std::optional<IntentionRule> matched;  // the deciding intention, if any
};

// A set of intentions in Consul's evaluation order, and the decisions made from it.
// Immutable after create(); any thread.
class IntentionMatcher {
  public:
    // CE precedence (namespace "default"): exact→exact 9, *→exact 8, exact→* 6, *→* 5.
    static int precedence(std::string_view sourceName, std::string_view destinationName);

    // Consul's checks on the names and action: empty names, partial wildcards ("web*"), an
    // action other than allow/deny on an L4 intention, an action given with permissions.
    // Code::InvalidArgument with Consul's wording, e.g.
    // "SourceName: wildcard character '*' cannot be used with partial values".
    static Status validate(const IntentionRule& rule);

    // Highest precedence first; ties in lexicographic order of (source ns, source name,
    // destination ns, destination name), as Consul's IntentionPrecedenceSorter.
    static void sortByPrecedence(std::vector<IntentionRule>& rules);

    // Validates every rule (the first failure is returned), computes precedences, sorts.
    static Result<IntentionMatcher> create(std::vector<IntentionRule> rules);

    IntentionMatcher() = default;

    // All rules in evaluation order.
    const std::vector<IntentionRule>& rules() const { return rules_; }

    // GET /connect/intentions/match: the rules whose destination (by=destination) or source
    // (by=source) is `name` or "*", in evaluation order.
    std::vector<IntentionRule> matchDestination(std::string_view name) const;
    std::vector<IntentionRule> matchSource(std::string_view name) const;

    // POST /agent/connect/authorize and /connect/intentions/check: the first rule (in
    // precedence order) matching destination and source decides; an L7 rule denies; no match
    // falls back to `defaultAllow` (true with ACLs disabled, the dev agent's case).
    AuthorizeDecision authorize(std::string_view sourceName, std::string_view destinationName,
                                bool defaultAllow) const;

  private:
    explicit IntentionMatcher(std::vector<IntentionRule> rules) : rules_(std::move(rules)) {}
    std::vector<IntentionRule> rules_;
};

}  // namespace meshx::agent
