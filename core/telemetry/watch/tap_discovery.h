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
    // Non-empty: the tap cannot be reached from here, and why (it is listed, never dialled).
    std::string unreachable = {};

    bool operator==(const TapTarget&) const = default;
};

// A registration as the agent or the catalog lists it, reduced to what discovery reads.
struct TapAdvert {
    std::string serviceId;
    std::string serviceName;
    std::string node;  // empty for the local agent's services
    std::map<std::string, std::string> meta;
    std::string nodeAddress = {};  // the catalog node's Address (other nodes only)
};

// The distinct taps advertised (Meta key kTapMetaKey) by `adverts`, in the order first seen;
// registrations without the key or with an empty value are skipped.
//
// Another node's tap on a loopback IP or a unix socket means something only on that node. When
// the node's own address is loopback too, the node runs on this host (a cluster of agents on
// one machine) and the tap is dialled like a local one; otherwise the target is still returned,
// with `unreachable` saying why, so the console lists it instead of dropping it silently. Pure.
std::vector<TapTarget> tapTargets(const std::vector<TapAdvert>& adverts);

// True for a unix socket address and a TCP address on a loopback host (127.0.0.0/8, ::1,
// localhost). Pure.
bool isHostLocalAddress(const std::string& address);

}  // namespace meshx::telemetry
