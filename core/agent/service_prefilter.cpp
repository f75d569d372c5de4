#include "agent/service_prefilter.h"

namespace meshx::agent {

std::optional<ServicePrefilter::Field> ServicePrefilter::fieldNamed(const std::string& selector) {
    if (selector == "Kind") {
        return Field::Kind;
    }
    if (selector == "ID") {
        return Field::Id;
    }
    if (selector == "Service") {
        return Field::Service;
    }
    if (selector == "Proxy.DestinationServiceID") {
        return Field::DestinationServiceId;
    }
    if (selector == "Proxy.DestinationServiceName") {
        return Field::DestinationServiceName;
    }
    return std::nullopt;
}

ServicePrefilter::ServicePrefilter(
    const std::vector<std::pair<std::string, std::string>>& required) {
    for (const auto& [selector, value] : required) {
        if (auto field = fieldNamed(selector)) {
            terms_.emplace_back(*field, value);
        }
    }
}

bool ServicePrefilter::mayMatch(const ServiceRecord& s) const {
    static const std::string kAbsent;  // an absent field renders (and compares) as ""
    for (const auto& [field, value] : terms_) {
        const std::string* actual = nullptr;
        switch (field) {
            case Field::Kind:
                actual = &s.kind;
                break;
            case Field::Id:
                actual = &s.id;
                break;
            case Field::Service:
                actual = &s.service;
                break;
            case Field::DestinationServiceId:
                actual = s.proxy ? &s.proxy->destinationServiceId : &kAbsent;
                break;
            case Field::DestinationServiceName:
                actual = s.proxy ? &s.proxy->destinationServiceName : &kAbsent;
                break;
        }
        if (*actual != value) {
            return false;
        }
    }
    return true;
}

}  // namespace meshx::agent
