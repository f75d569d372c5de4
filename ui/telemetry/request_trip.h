#pragma once

#include <QString>
#include <QWidget>

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "telemetry/rpc_record.h"
#include "telemetry/watch/flow_record.h"

class QLabel;
class QTreeWidget;

namespace meshx::ui {

// One request's path, client pool worker -> upstream listener -> provider sidecar -> provider
// worker and back, with each step's time taken from both ends' telemetry. The ends, and the
// sidecar flows and turns that carried the request, are matched by telemetry::TripMatcher
// (core/telemetry/watch/trip_matcher.h): req_ref and conn_ref for the two RPC ends, connection
// address and turn number for the sidecars.
//
// When both sidecars timed the request (their `turn` events matched), the hops are measured per
// request:
//
//   client   ser | send |------------------------------ recv -----------------------------| dser
//   client sidecar      | req |----------------------- wait ----------------------| ans |
//   provider sidecar          (mTLS) | req |------------ wait ------------| ans | (mTLS)
//   provider                               | recv dser exec ser send |
//
// each sidecar's relay of the request and of the answer as it measured them; the transit between
// the sidecars is the client sidecar's wait minus the provider sidecar's whole turn; what the
// provider sidecar waited beyond the provider's own time, and what the client waited beyond its
// sidecar's turn, are the loopback hops to the apps (derived, both ways each).
//
// Otherwise (turn timing off, or the turn events not read), the sidecars' connection set-up times
// are listed "per connection" and the transit is derived as before: client.recv minus the
// provider's dser+exec+ser+send, split evenly both ways, and the provider's recv overlaps the
// client's send. Without sidecars it is the loopback transit. The total is the client's request
// time (ser+send+recv+dser) in both cases.
struct RequestTrip {
    struct Step {
        QString where;  // client pool worker, upstream listener -> provider sidecar, ...
        QString what;   // ser, send, exec...
        int64_t us = 0;
        QString from;           // which telemetry says so: rpc.client, rpc.server, derived
        bool overlaps = false;  // runs alongside the step before (not added to the total)
    };
    std::optional<telemetry::RpcRecord> client, server;
    // The sidecar flows the request went through, when their taps are read: the client's
    // sidecar (its upstream listener is the client's address) and the provider's sidecar (its
    // local app is the provider's address). Their measured times replace the derived transit.
    std::optional<telemetry::FlowRecord> clientSidecar, providerSidecar;
    // This request's turn in each sidecar (`turn` flow events): the hops measured per request.
    std::optional<telemetry::FlowRecord> clientTurn, providerTurn;
    std::vector<Step> steps;
    int64_t totalUs = 0;
    QString note;  // what could not be matched

    bool complete() const { return client.has_value() && server.has_value(); }
    // The sidecar hops were measured per request (both sidecars' turns matched).
    bool hopsMeasured() const { return complete() && clientTurn && providerTurn; }

    // Builds the trip of the request `picked` belongs to, looking for the other end in
    // `history`. `picked` must be a call or cast record (with a req_ref); else the trip is empty
    // with a note.
    static RequestTrip find(const telemetry::RpcRecord& picked,
                            const std::deque<telemetry::RpcRecord>& history,
                            const std::deque<telemetry::FlowRecord>& flows = {});
};

// Shows a RequestTrip: a bar of the steps drawn to scale and a table of steps with their times.
// Thread: GUI thread.
class RequestTripView : public QWidget {
    Q_OBJECT

  public:
    explicit RequestTripView(QWidget* parent = nullptr);
    void setTrip(const RequestTrip& trip);
    const RequestTrip& trip() const { return trip_; }
    QTreeWidget* steps() const { return steps_; }

  private:
    class Bar;
    RequestTrip trip_;
    QLabel* title_ = nullptr;
    Bar* bar_ = nullptr;
    QTreeWidget* steps_ = nullptr;
};

}  // namespace meshx::ui
