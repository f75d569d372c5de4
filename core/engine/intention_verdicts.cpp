#include "engine/intention_verdicts.h"

#include "agent/ca/intention_matcher.h"

namespace meshx::engine {

IntentionVerdicts::IntentionVerdicts() : matcher_(std::make_shared<agent::IntentionMatcher>()) {}
IntentionVerdicts::~IntentionVerdicts() = default;
IntentionVerdicts::IntentionVerdicts(const IntentionVerdicts&) = default;
IntentionVerdicts& IntentionVerdicts::operator=(const IntentionVerdicts&) = default;

Result<IntentionVerdicts> IntentionVerdicts::fromIntentions(
    const std::vector<consul::Intention>& list) {
    std::vector<agent::IntentionRule> rules;
    rules.reserve(list.size());
    for (const auto& i : list) {
        agent::IntentionRule r;
        r.id = i.id;
        r.sourceName = i.sourceName;
        r.destinationName = i.destinationName;
        r.action = i.action;
        r.permissionCount = i.permissions.is_array() ? i.permissions.size() : 0;
        rules.push_back(std::move(r));
    }
    auto matcher = agent::IntentionMatcher::create(std::move(rules));
    if (!matcher) {
        return matcher.error();
    }
    IntentionVerdicts v;
    v.matcher_ = std::make_shared<const agent::IntentionMatcher>(std::move(*matcher));
    return v;
}

IntentionVerdict IntentionVerdicts::decide(const std::string& source,
                                           const std::string& destination,
                                           bool defaultAllow) const {
    const agent::AuthorizeDecision d = matcher_->authorize(source, destination, defaultAllow);
    return IntentionVerdict{d.authorized, d.matched ? d.reason : std::string()};
}

}  // namespace meshx::engine
