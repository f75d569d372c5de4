#pragma once

#include <map>
#include <string>
#include <vector>

namespace meshx::telemetry {

// One tap to subscribe to: its address (tcp://127.0.0.1:PORT or unix:///path) and the services
// that advertise it (several services of one process share its tap).
struct TapTarget {
    std::string address;
    std::vector<std::string> services;  // service ids, in the order found
    std::string node;                   // the node of a catalog registration; empty: local agent

    bool operator==(const TapTarget&) const = default;
};

// A registration as the agent or the catalog lists it, reduced to what discovery reads.
struct TapAdvert {
    std::string serviceId;
    std::string serviceName;
    std::string node;  // empty for the local agent's services
    std::map<std::string, std::string> meta;
};

// The distinct taps advertised (Meta key kTapMetaKey) by `adverts`, in the order first seen;
// registrations without the key or with an empty value are skipped. A tap advertised on another
// node with a loopback or unix address is skipped too: it is not reachable from here. Pure.
std::vector<TapTarget> tapTargets(const std::vector<TapAdvert>& adverts);

}  // namespace meshx::telemetry
