#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace meshx::proxy {

// Passive health of the instances of one upstream, learned from the connections the sidecar
// makes itself (Envoy calls it outlier detection): an instance that just failed is ejected from
// the round-robin for a while, long before the agent's health check marks it critical (a TTL of
// 10 s, a TCP check every 10 s).
//
// What counts as a failure is the caller's business (OutboundSession: a refused or timed-out
// dial, a failed TLS handshake, or an instance that accepted and then closed without sending a
// byte back). The numbers, and why they differ from Envoy's defaults:
//
//  - Ejected on the first failure (Envoy: 5 consecutive). Our failures are local-origin
//    (connect, TLS, immediate close) on a loopback or LAN mesh, where one refused connect is
//    conclusive; waiting for five would hand five more connections, and the calls on them, to a
//    dead instance. A wrong ejection costs little: see the panic rule below.
//  - Ejection time 1 s, doubled for each ejection in a row: 1, 2, 4, 8, 16, then 30 s at most
//    (Envoy: 30 s times the number of ejections, 300 s at most). Meshx meshes are small (often
//    two instances) and a sidecar killed and restarted by its supervisor listens again within
//    about a second, so a 30 s ejection would pile all the load on the survivor for 30 s. A dead
//    instance costs one failed attempt (retried at once on another instance, so no client sees
//    it) after 1, 3, 7, 15 and 31 s and then every 30 s, until discovery drops it.
//  - A failure while ejected does not extend the ejection nor count as another one: connections
//    dialled before the ejection fail together, and counting each would jump straight to 30 s.
//  - One success (the instance sent bytes back) clears the record (Envoy decays it over time).
//  - Panic: when every instance not yet tried is ejected, the one whose ejection ends first is
//    used anyway (Envoy: max_ejection_percent and panic routing). Never black-hole.
//
// Single thread (the loop's). The clock is passed in, so tests control time.
class OutlierDetector {
  public:
    using Clock = std::chrono::steady_clock;

    struct Settings {
        std::chrono::milliseconds baseEjection{1000};
        std::chrono::milliseconds maxEjection{30000};
    };

    // What recordFailure() did, for the log line.
    struct Ejection {
        std::chrono::milliseconds duration{0};
        uint32_t consecutive = 0;  // ejections in a row, this one included
    };

    OutlierDetector() : OutlierDetector(Settings{}) {}
    explicit OutlierDetector(Settings settings) : settings_(settings) {}

    // A connection to `id` failed. Returns the ejection it caused; nullopt when `id` was ejected
    // already (the failure is not counted).
    std::optional<Ejection> recordFailure(const std::string& id, Clock::time_point now);
    // `id` proved usable. True when it had been ejected before (its record is now clear).
    bool recordSuccess(const std::string& id);

    bool ejected(const std::string& id, Clock::time_point now) const;
    // When the current or last ejection of `id` ends (the epoch when it has none).
    Clock::time_point ejectedUntil(const std::string& id) const;
    // Forgets every instance not in `present`: one that comes back starts with a clean slate.
    void retain(const std::vector<std::string>& present);

    const Settings& settings() const { return settings_; }

  private:
    struct Record {
        Clock::time_point until{};
        uint32_t consecutive = 0;
    };
    Settings settings_;
    std::unordered_map<std::string, Record> records_;
};

}  // namespace meshx::proxy
