#include "agent/ca/intention_matcher.h"

#include <algorithm>
#include <tuple>

namespace meshx::agent {
namespace {

constexpr std::string_view kWildcard = "*";

bool nameMatches(std::string_view pattern, std::string_view name) {
    return pattern == kWildcard || pattern == name;
}

std::string upper(std::string text) {
    for (char& c : text) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return text;
}

Status checkName(std::string_view field, std::string_view name) {
    if (name.empty()) {
        return makeError(Code::InvalidArgument, std::string(field) + " must be set");
    }
    if (name != kWildcard && name.find('*') != std::string_view::npos) {
        return makeError(
            Code::InvalidArgument,
            std::string(field) + ": wildcard character '*' cannot be used with partial values");
    }
    return {};
}

}  // namespace

std::string IntentionRule::summary() const {
    std::string out = sourceName + " => " + destinationName + " (";
    if (!id.empty()) {
        out += "ID: " + id + ", ";
    }
    out += "Precedence: " + std::to_string(precedence) + ", ";
    if (permissionCount > 0) {
        out += "Permissions: " + std::to_string(permissionCount);
    } else {
        out += "Action: " + upper(action);
    }
    return out + ")";
}

int IntentionMatcher::precedence(std::string_view sourceName, std::string_view destinationName) {
    const bool exactSource = sourceName != kWildcard;
    const bool exactDestination = destinationName != kWildcard;
    if (exactDestination) {
        return exactSource ? 9 : 8;
    }
    return exactSource ? 6 : 5;
}

Status IntentionMatcher::validate(const IntentionRule& rule) {
    if (Status st = checkName("SourceName", rule.sourceName); !st) {
        return st;
    }
    if (Status st = checkName("DestinationName", rule.destinationName); !st) {
        return st;
    }
    if (rule.permissionCount > 0) {
        if (!rule.action.empty()) {
            return makeError(Code::InvalidArgument,
                             "Action must not be set when Permissions are present");
        }
        return {};
    }
    if (rule.action != "allow" && rule.action != "deny") {
        return makeError(Code::InvalidArgument, "Action must be set to 'allow' or 'deny'");
    }
    return {};
}

void IntentionMatcher::sortByPrecedence(std::vector<IntentionRule>& rules) {
    std::stable_sort(
        rules.begin(), rules.end(), [](const IntentionRule& a, const IntentionRule& b) {
            if (a.precedence != b.precedence) {
                return a.precedence > b.precedence;
            }
            return std::tie(a.sourceNs, a.sourceName, a.destinationNs, a.destinationName) <
                   std::tie(b.sourceNs, b.sourceName, b.destinationNs, b.destinationName);
        });
}

Result<IntentionMatcher> IntentionMatcher::create(std::vector<IntentionRule> rules) {
    for (IntentionRule& rule : rules) {
        if (Status st = validate(rule); !st) {
            return st.error();
        }
        rule.precedence = precedence(rule.sourceName, rule.destinationName);
    }
    sortByPrecedence(rules);
    return IntentionMatcher(std::move(rules));
}

std::vector<IntentionRule> IntentionMatcher::matchDestination(std::string_view name) const {
    std::vector<IntentionRule> out;
    for (const IntentionRule& rule : rules_) {
        if (nameMatches(rule.destinationName, name)) {
            out.push_back(rule);
        }
    }
    return out;
}

std::vector<IntentionRule> IntentionMatcher::matchSource(std::string_view name) const {
    std::vector<IntentionRule> out;
    for (const IntentionRule& rule : rules_) {
        if (nameMatches(rule.sourceName, name)) {
            out.push_back(rule);
        }
    }
    return out;
}

AuthorizeDecision IntentionMatcher::authorize(std::string_view sourceName,
                                              std::string_view destinationName,
                                              bool defaultAllow) const {
    AuthorizeDecision decision;
    for (const IntentionRule& rule : rules_) {
        if (!nameMatches(rule.destinationName, destinationName) ||
            !nameMatches(rule.sourceName, sourceName)) {
            continue;
        }
        if (rule.permissionCount == 0) {
            decision.authorized = rule.action == "allow";
            decision.reason = "Matched L4 intention: " + rule.summary();
        } else {
            // L7 permissions need an L7 proxy; a plain TCP authorize denies (as Consul does).
            decision.authorized = false;
            decision.reason = "Matched L7 intention: " + rule.summary();
        }
        decision.matched = rule;
        return decision;
    }
    decision.authorized = defaultAllow;
    decision.reason = "Default behavior configured by ACLs";
    return decision;
}

}  // namespace meshx::agent
