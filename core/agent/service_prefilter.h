#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/agent_records.h"

namespace meshx::agent {

// Whether a service record may pass a filter whose required `Selector == "value"` terms are
// `required` (ListingFilter::requiredEquals), judged on the record without rendering it: false
// only when one of the fields it can read (Kind, ID, Service, Proxy.DestinationServiceID,
// Proxy.DestinationServiceName) differs. The full filter still decides for the rest, so the
// listing is the same; only the cost changes (a `-sidecar-for` lookup renders one service
// instead of all of them). The selectors are resolved once, when it is made, not per record.
// Agent thread.
class ServicePrefilter {
  public:
    explicit ServicePrefilter(const std::vector<std::pair<std::string, std::string>>& required);

    bool mayMatch(const ServiceRecord& service) const;
    // No term it can read: every record may match.
    bool empty() const { return terms_.empty(); }

  private:
    enum class Field { Kind, Id, Service, DestinationServiceId, DestinationServiceName };
    // The record field `selector` names, for the selectors the prefilter reads.
    static std::optional<Field> fieldNamed(const std::string& selector);

    std::vector<std::pair<Field, std::string>> terms_;
};

}  // namespace meshx::agent
