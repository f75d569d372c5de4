#include "telemetry/watch/tap_discovery.h"

#include <algorithm>

#include "telemetry/tap/tap_protocol.h"

namespace meshx::telemetry {

namespace {

// A loopback or unix-socket address only means something on the node that advertised it.
bool onlyLocal(const std::string& address) {
    return address.rfind("unix://", 0) == 0 || address.find("127.") != std::string::npos ||
           address.find("localhost") != std::string::npos ||
           address.find("[::1]") != std::string::npos;
}

}  // namespace

std::vector<TapTarget> tapTargets(const std::vector<TapAdvert>& adverts) {
    std::vector<TapTarget> out;
    for (const TapAdvert& a : adverts) {
        auto it = a.meta.find(kTapMetaKey);
        if (it == a.meta.end() || it->second.empty())
            continue;
        if (!a.node.empty() && onlyLocal(it->second))
            continue;
        auto same = std::find_if(out.begin(), out.end(),
                                 [&](const TapTarget& t) { return t.address == it->second; });
        if (same == out.end()) {
            out.push_back(TapTarget{it->second, {}, a.node});
            same = out.end() - 1;
        }
        if (std::find(same->services.begin(), same->services.end(), a.serviceId) ==
            same->services.end())
            same->services.push_back(a.serviceId);
    }
    return out;
}

}  // namespace meshx::telemetry
