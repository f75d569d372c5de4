#include "telemetry/watch/tap_discovery.h"

#include <algorithm>
#include <string>

#include "telemetry/tap/tap_protocol.h"

namespace meshx::telemetry {

namespace {

// The host part of "tcp://HOST:PORT", "HOST:PORT" or "[V6]:PORT".
std::string hostOf(const std::string& address) {
    std::string rest = address;
    if (const auto scheme = rest.find("://"); scheme != std::string::npos)
        rest = rest.substr(scheme + 3);
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        return close == std::string::npos ? rest : rest.substr(1, close - 1);
    }
    const auto colon = rest.rfind(':');
    return colon == std::string::npos ? rest : rest.substr(0, colon);
}

}  // namespace

bool isHostLocalAddress(const std::string& address) {
    if (address.rfind("unix://", 0) == 0)
        return true;
    const std::string host = hostOf(address);
    return host.rfind("127.", 0) == 0 || host == "::1" || host == "localhost";
}

std::vector<TapTarget> tapTargets(const std::vector<TapAdvert>& adverts) {
    std::vector<TapTarget> out;
    for (const TapAdvert& a : adverts) {
        auto it = a.meta.find(kTapMetaKey);
        if (it == a.meta.end() || it->second.empty())
            continue;
        std::string unreachable;
        if (!a.node.empty() && isHostLocalAddress(it->second) && !isHostLocalAddress(a.nodeAddress))
            unreachable = "advertised on node " + a.node + " (" +
                          (a.nodeAddress.empty() ? std::string("no address") : a.nodeAddress) +
                          ") at a host-local address: not reachable from here";
        auto same = std::find_if(out.begin(), out.end(), [&](const TapTarget& t) {
            // The same host-local address on two unreachable nodes is two different taps.
            return t.address == it->second && t.node == a.node;
        });
        if (same == out.end() && unreachable.empty()) {
            same = std::find_if(out.begin(), out.end(), [&](const TapTarget& t) {
                return t.address == it->second && t.unreachable.empty();
            });
        }
        if (same == out.end()) {
            out.push_back(TapTarget{it->second, {}, a.node, unreachable});
            same = out.end() - 1;
        }
        if (std::find(same->services.begin(), same->services.end(), a.serviceId) ==
            same->services.end())
            same->services.push_back(a.serviceId);
    }
    return out;
}

}  // namespace meshx::telemetry
