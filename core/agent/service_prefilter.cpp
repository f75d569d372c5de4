#include "agent/service_prefilter.h"

namespace meshx::agent {

namespace {

// The record's value of a selector as the agent renders it (absent fields as ""), or null for a
// selector this prefilter does not read.
const std::string* fieldOf(const ServiceRecord& s, const std::string& selector) {
    static const std::string kAbsent;
    if (selector == "Kind") {
        return &s.kind;
    }
    if (selector == "ID") {
        return &s.id;
    }
    if (selector == "Service") {
        return &s.service;
    }
    if (selector == "Proxy.DestinationServiceID") {
        return s.proxy ? &s.proxy->destinationServiceId : &kAbsent;
    }
    if (selector == "Proxy.DestinationServiceName") {
        return s.proxy ? &s.proxy->destinationServiceName : &kAbsent;
    }
    return nullptr;
}

}  // namespace

bool serviceMayMatch(const ServiceRecord& service,
                     const std::vector<std::pair<std::string, std::string>>& required) {
    for (const auto& [selector, value] : required) {
        const std::string* field = fieldOf(service, selector);
        if (field != nullptr && *field != value) {
            return false;
        }
    }
    return true;
}

}  // namespace meshx::agent
