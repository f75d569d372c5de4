#include "agent/listing_filter.h"

#include "agent/filter/filter_expression.h"

namespace meshx::agent {

struct ListingFilter::Impl {
    FilterExpression expression;
};

namespace {

const FilterSchema& schemaFor(FilterTarget target) {
    switch (target) {
        case FilterTarget::AgentService:
            return FilterSchema::agentService();
        case FilterTarget::HealthCheck:
            return FilterSchema::healthCheck();
        case FilterTarget::CatalogServiceNode:
            return FilterSchema::catalogServiceNode();
        case FilterTarget::HealthEntry:
            return FilterSchema::healthServiceEntry();
        case FilterTarget::Intention:
            return FilterSchema::intention();
    }
    return FilterSchema::agentService();
}

}  // namespace

Result<ListingFilter> ListingFilter::fromRequest(const HttpRequest& request, FilterTarget target) {
    ListingFilter f;
    auto text = request.queryValue("filter");
    if (!text || text->empty()) {
        return f;
    }
    auto parsed = FilterExpression::parse(*text, schemaFor(target));
    if (!parsed) {
        return makeError(Code::Internal, "Failed to create boolean expression evaluator: " +
                                             parsed.error().message);
    }
    if (parsed->matchesEverything()) {
        return f;
    }
    f.impl_ = std::make_shared<Impl>(Impl{std::move(*parsed)});
    return f;
}

Result<bool> ListingFilter::matches(const OJson& element) const {
    if (!impl_) {
        return true;
    }
    auto r = impl_->expression.matches(nlohmann::json(element));
    if (!r) {
        return makeError(Code::Internal, r.error().message);
    }
    return *r;
}

std::vector<std::pair<std::string, std::string>> ListingFilter::requiredEquals() const {
    return impl_ ? impl_->expression.requiredEquals()
                 : std::vector<std::pair<std::string, std::string>>{};
}

}  // namespace meshx::agent
