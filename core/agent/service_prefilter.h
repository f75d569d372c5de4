#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/agent_records.h"

namespace meshx::agent {

// Whether `service` may pass a filter whose required `Selector == "value"` terms are `required`
// (ListingFilter::requiredEquals), judged on the record without rendering it: false only when
// one of the fields it can read (Kind, ID, Service, Proxy.DestinationServiceID,
// Proxy.DestinationServiceName) differs. The full filter still decides for the rest, so the
// listing is the same; only the cost changes (a `-sidecar-for` lookup renders one service
// instead of all of them). Agent thread.
bool serviceMayMatch(const ServiceRecord& service,
                     const std::vector<std::pair<std::string, std::string>>& required);

}  // namespace meshx::agent
