#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "consul/connect_types.h"

namespace meshx::agent {
class IntentionMatcher;
}

namespace meshx::engine {

// What the agent's intentions decide for one source -> destination pair, as Consul decides it
// (precedence, wildcards, default allow). Front ends show it beside an upstream; the matching
// rules stay the agent's own, behind this seam.
struct IntentionVerdict {
    bool allowed = true;
    // The deciding intention in Consul's words ("Matched L4 intention: web => db ..."); empty
    // when none matches and the default decides.
    std::string decision;
};

// A set of intentions ready to decide. Immutable after fromIntentions(); any thread.
class IntentionVerdicts {
  public:
    // No intentions: everything allowed by default.
    IntentionVerdicts();
    ~IntentionVerdicts();
    IntentionVerdicts(const IntentionVerdicts&);
    IntentionVerdicts& operator=(const IntentionVerdicts&);

    // The agent's intentions (GET /connect/intentions). InvalidArgument for one the agent would
    // not have accepted (a newer Consul's syntax): callers keep their previous verdicts then.
    static Result<IntentionVerdicts> fromIntentions(const std::vector<consul::Intention>& list);

    // With `defaultAllow` deciding when no intention matches.
    IntentionVerdict decide(const std::string& source, const std::string& destination,
                            bool defaultAllow = true) const;

  private:
    std::shared_ptr<const agent::IntentionMatcher> matcher_;
};

}  // namespace meshx::engine
