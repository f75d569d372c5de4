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
// worker and back, with each step's time taken from both ends' telemetry. The two ends are
// matched by req_ref (the client's ref, carried in the request frame) and conn_ref (the client's
// local conn_ref is the server's remote conn_ref):
//
//   client  ser | send |----------------------- recv ----------------------| dser
//   server      | recv | transit | dser | exec | ser | send | transit |
//
// The provider reads while the client writes (its recv overlaps the client's send). The transit
// through the upstream listener and the provider's sidecar (both ways, shown split evenly) is
// what the client waited beyond the provider worker's own time: client.recv minus the provider's
// dser+exec+ser+send. Without sidecars it is the loopback transit. The total is the client's
// request time (ser+send+recv+dser).
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
    std::vector<Step> steps;
    int64_t totalUs = 0;
    QString note;  // what could not be matched

    bool complete() const { return client.has_value() && server.has_value(); }

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
