#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "telemetry/telemetry_bus.h"
#include "telemetry/watch/tap_discovery.h"

namespace meshx::telemetry {

// Subscribes to many taps (docs/taps.md) at once and merges their events into one bounded queue,
// read like a bus subscription (drain / dropped), so the console ingests remote processes the
// way it ingests its own bus:
//
//   setTargets([tapA, tapB])        any thread; targets found through the agent
//        |
//   subscriber thread: poll() over every tap's socket
//        |  hello -> the tap's process; event -> Event (+ meta.process); heartbeat -> drops
//        v
//   RingSubscription (bounded; the newest dropped and counted)  --drain()-->  GUI timer
//
// Each event keeps its tap's seq, time, source, name, metrics and meta, and gets
// `meta.process` = {"pid","program","service_id","tap"} (+ "node" for another node's tap) so
// merged rows stay attributable. A target marked unreachable is listed and never dialled. The
// filter and sources of `Options::filter/sources` are pushed down: the tapped process applies
// them. A tap that cannot be reached, refuses, ends or falls silent for three heartbeats is
// retried with exponential back-off (min..max); a tap whose hello names this very process
// (same pid) is not read (the local bus already has those events). Never blocks the caller:
// connects, reads and back-off run on the subscriber's own thread.
class TapSubscriber final : public Subscription {
  public:
    struct Options {
        std::string filter;   // console filter language, applied inside each tapped process
        std::string sources;  // comma-separated sources, e.g. "rpc,proxy"
        std::string token;    // sent as X-Consul-Token when non-empty; never shown
        size_t capacity = 60000;
        std::chrono::milliseconds backoffMin{250};
        std::chrono::milliseconds backoffMax{5000};
        std::chrono::milliseconds connectTimeout{2000};
        bool skipOwnProcess = true;
    };

    // What the console shows about one tap. Plain data.
    struct TapState {
        std::string address;
        std::vector<std::string> services;
        std::string node;          // another node's tap (found in the catalog); empty: local
        bool unreachable = false;  // listed, never dialled: lastError says why
        bool connected = false;
        bool ownProcess = false;  // this process's own tap: not read
        long pid = 0;
        std::string program;
        std::string serviceId;
        uint64_t events = 0;      // event lines received
        uint64_t tapDropped = 0;  // the tap's own count of dropped events (heartbeats)
        int connects = 0;         // successful connects (1 + reconnects)
        std::string lastError;    // why the last connection failed or ended
    };

    explicit TapSubscriber(Options options);
    // Stops the thread and closes every connection. Any thread but the subscriber's.
    ~TapSubscriber() override;
    TapSubscriber(const TapSubscriber&) = delete;
    TapSubscriber& operator=(const TapSubscriber&) = delete;

    // Replaces the set of taps: new ones are connected, gone ones closed, kept ones untouched.
    // Any thread; returns at once.
    void setTargets(std::vector<TapTarget> targets);
    // Changes the pushed-down filter and sources; every tap reconnects with them. Any thread.
    void setSelection(std::string filter, std::string sources);
    // Every target's state, in target order. Any thread.
    std::vector<TapState> taps() const;

    // Subscription. Any thread.
    size_t drain(std::vector<Event>& out, size_t max = SIZE_MAX) override;
    // Dropped here (queue full) plus dropped by the taps themselves (their heartbeats).
    uint64_t dropped() const override;

    // An event line of a tap (`type` "event") as an Event with meta.process set from `process`
    // (the line's own "process" object wins when present) and meta.process.tap = `tap`. False
    // when the line is not an event. Pure; any thread.
    static bool eventFromLine(const std::string& line, const std::string& tap, Event& out);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meshx::telemetry
