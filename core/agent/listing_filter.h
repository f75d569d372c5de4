#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/go_json.h"
#include "agent/http_request.h"
#include "common/result.h"

namespace meshx::agent {

// The element types `?filter=` runs on (§1.9).
enum class FilterTarget { AgentService, HealthCheck, CatalogServiceNode, HealthEntry, Intention };

// `?filter=` of a listing endpoint: parsed and validated once, then tested on each element.
// Errors are ready-made 500 bodies: `Failed to create boolean expression evaluator: <detail>` for
// parse/validation, the bare detail for evaluation. Agent thread.
class ListingFilter {
  public:
    // No filter parameter (or an empty one): everything passes.
    static Result<ListingFilter> fromRequest(const HttpRequest& request, FilterTarget target);

    bool active() const { return impl_ != nullptr; }
    Result<bool> matches(const OJson& element) const;
    // `Selector == "value"` terms every passing element satisfies (FilterExpression::
    // requiredEquals): a listing may skip elements that differ before rendering them.
    std::vector<std::pair<std::string, std::string>> requiredEquals() const;

  private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;
};

}  // namespace meshx::agent
