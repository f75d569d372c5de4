#include "telemetry/request_trip.h"

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdlib>

namespace meshx::ui {

using telemetry::RpcRecord;

namespace {

const QString kClientWorker = QStringLiteral("client pool worker");
const QString kTransit = QStringLiteral("upstream listener → provider sidecar");
const QString kProvider = QStringLiteral("provider worker");
const QString kTransitBack = QStringLiteral("provider sidecar → upstream listener");

bool sameRequest(const RpcRecord& client, const RpcRecord& server) {
    return client.reqRef && server.reqRef && *client.reqRef == *server.reqRef &&
           client.localConn == server.remoteConn && client.event == server.event;
}

// "tcp://127.0.0.1:5000" and "127.0.0.1:5000" name the same listener.
std::string bare(const std::string& address) {
    return address.rfind("tcp://", 0) == 0 ? address.substr(6) : address;
}

// The flow through `address` (as `field` of the flow) nearest in time to `timeUs`: a pooled
// connection carries many requests, so its flow may have opened long before.
const telemetry::FlowRecord* nearestFlow(const std::deque<telemetry::FlowRecord>& flows,
                                         std::string telemetry::FlowRecord::*field,
                                         const std::string& address, int64_t timeUs) {
    if (address.empty())
        return nullptr;
    const std::string want = bare(address);
    const telemetry::FlowRecord* best = nullptr;
    int64_t bestGap = 0;
    for (const auto& f : flows) {
        if (f.denied || bare(f.*field) != want)
            continue;
        const int64_t gap = std::abs(f.timeUs - timeUs);
        if (best == nullptr || gap < bestGap) {
            best = &f;
            bestGap = gap;
        }
    }
    return best;
}

QString ms(int64_t us) {
    return QStringLiteral("%1 ms").arg(double(us) / 1000.0, 0, 'f', 3);
}

}  // namespace

RequestTrip RequestTrip::find(const RpcRecord& picked, const std::deque<RpcRecord>& history,
                              const std::deque<telemetry::FlowRecord>& flows) {
    RequestTrip trip;
    if (!picked.isRequest() || !picked.reqRef) {
        trip.note =
            QStringLiteral("Pick a call or cast event (one with a req_ref) to see its trip.");
        return trip;
    }
    const bool pickedClient = picked.source == "rpc.client";
    if (pickedClient)
        trip.client = picked;
    else
        trip.server = picked;
    // The other end is usually close by: search from the newest backwards.
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
        const RpcRecord& r = *it;
        if (!r.isRequest() || !r.reqRef || *r.reqRef != *picked.reqRef)
            continue;
        if (pickedClient && r.source == "rpc.server" && sameRequest(picked, r)) {
            trip.server = r;
            break;
        }
        if (!pickedClient && r.source == "rpc.client" && sameRequest(r, picked)) {
            trip.client = r;
            break;
        }
    }
    const RpcRecord* c = trip.client ? &*trip.client : nullptr;
    const RpcRecord* s = trip.server ? &*trip.server : nullptr;
    const QString cs = QStringLiteral("rpc.client"), ss = QStringLiteral("rpc.server");
    const QString derived = QStringLiteral("derived");
    if (c != nullptr) {
        trip.steps.push_back({kClientWorker, QStringLiteral("ser"), c->tSer, cs});
        trip.steps.push_back({kClientWorker, QStringLiteral("send"), c->tSend, cs});
    }
    if (s != nullptr) {
        // The provider reads while the client writes: its recv overlaps the client's send.
        trip.steps.push_back({kProvider, QStringLiteral("recv"), s->tRecv, ss, c != nullptr});
    }
    // The sidecars, measured by their own flow events when their taps are read.
    using telemetry::FlowRecord;
    if (c != nullptr) {
        if (const FlowRecord* f = nearestFlow(flows, &FlowRecord::listener, c->address, c->timeUs))
            trip.clientSidecar = *f;
    }
    if (s != nullptr) {
        if (const FlowRecord* f = nearestFlow(flows, &FlowRecord::upstream, s->address, s->timeUs))
            trip.providerSidecar = *f;
    }
    if (!trip.providerSidecar && trip.clientSidecar) {
        if (const FlowRecord* f =
                nearestFlow(flows, &FlowRecord::listener, trip.clientSidecar->upstream,
                            trip.clientSidecar->timeUs))
            trip.providerSidecar = *f;
    }
    // Each measured time of a sidecar's flow is a step of its own ("from" names the sidecar
    // process); they are subtracted from the client's wait, and only what is left is derived.
    int64_t measuredUs = 0;
    auto sidecarSteps = [&](const std::optional<FlowRecord>& f, const QString& where,
                            bool forward) {
        if (!f)
            return;
        const QString from = QStringLiteral("flow %1").arg(QString::fromStdString(f->process));
        for (const auto& [name, us] : f->times) {
            if (name.find(forward ? "back" : "forth") != std::string::npos)
                continue;
            const bool perRequest = name.find("relay") != std::string::npos ||
                                    name.find("hop") != std::string::npos ||
                                    name.find("transit") != std::string::npos;
            // Per-connection times (connect, handshake) are not part of this request's wait.
            trip.steps.push_back({where, QString::fromStdString(name), us, from, !perRequest});
            if (perRequest)
                measuredUs += us;
        }
    };
    const int64_t providerWork = s != nullptr ? s->tDser + s->tExec + s->tSer + s->tSend : 0;
    const int64_t wait =
        c != nullptr && s != nullptr ? std::max<int64_t>(0, c->tRecv - providerWork) : 0;
    if (trip.clientSidecar)
        sidecarSteps(trip.clientSidecar,
                     QStringLiteral("client sidecar %1 (upstream listener)")
                         .arg(QString::fromStdString(trip.clientSidecar->process)),
                     true);
    if (trip.providerSidecar)
        sidecarSteps(trip.providerSidecar,
                     QStringLiteral("provider sidecar %1 (public listener)")
                         .arg(QString::fromStdString(trip.providerSidecar->process)),
                     true);
    const bool measured = measuredUs > 0;
    if (c != nullptr && s != nullptr && !measured) {
        trip.steps.push_back({kTransit, QStringLiteral("transit"), wait / 2, derived});
    }
    if (s != nullptr) {
        trip.steps.push_back({kProvider, QStringLiteral("dser"), s->tDser, ss});
        trip.steps.push_back({kProvider, QStringLiteral("exec"), s->tExec, ss});
        trip.steps.push_back({kProvider, QStringLiteral("ser"), s->tSer, ss});
        trip.steps.push_back({kProvider, QStringLiteral("send"), s->tSend, ss});
    }
    if (c != nullptr && s != nullptr) {
        if (!measured) {
            trip.steps.push_back(
                {kTransitBack, QStringLiteral("transit"), wait - wait / 2, derived});
        } else if (wait > measuredUs) {
            // What the sidecars' own measurements do not cover: sockets and the kernel.
            trip.steps.push_back({QStringLiteral("loopback / kernel"),
                                  QStringLiteral("rest of the wait"), wait - measuredUs, derived});
        }
    }
    if (c != nullptr && s == nullptr) {
        trip.steps.push_back({QStringLiteral("upstream → provider → back"),
                              QStringLiteral("recv (wait)"), c->tRecv, cs});
    }
    if (c != nullptr)
        trip.steps.push_back({kClientWorker, QStringLiteral("dser"), c->tDser, cs});
    for (const Step& step : trip.steps) {
        if (!step.overlaps)
            trip.totalUs += step.us;
    }
    if (c == nullptr) {
        trip.note = QStringLiteral(
                        "The client's end of req_ref %1 is not in the history (another process, "
                        "or trimmed).")
                        .arg(*picked.reqRef);
    } else if (s == nullptr) {
        trip.note = QStringLiteral(
                        "The provider's end of req_ref %1 is not in the history (another "
                        "process, or trimmed).")
                        .arg(*picked.reqRef);
    }
    return trip;
}

// The steps to scale, one coloured segment each, left to right.
class RequestTripView::Bar : public QWidget {
  public:
    explicit Bar(QWidget* parent) : QWidget(parent) { setMinimumHeight(28); }
    void setTrip(const RequestTrip* trip) {
        trip_ = trip;
        update();
    }

  protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        const QRectF area = rect().adjusted(1, 4, -1, -4);
        p.fillRect(area, palette().base());
        if (trip_ == nullptr || trip_->steps.empty())
            return;
        int64_t total = 0;
        for (const auto& s : trip_->steps)
            total += s.overlaps ? 0 : s.us;
        if (total <= 0)
            return;
        static const QColor kColours[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e),
                                          QColor(0x2c, 0xa0, 0x2c), QColor(0x94, 0x67, 0xbd),
                                          QColor(0x8c, 0x56, 0x4b)};
        double x = area.left();
        int i = 0;
        for (const auto& s : trip_->steps) {
            if (s.overlaps)
                continue;
            const double w = area.width() * double(s.us) / double(total);
            const QColor c = s.from == QLatin1String("derived")
                                 ? QColor(0xbb, 0xbb, 0xbb)
                                 : kColours[(i++) % int(std::size(kColours))];
            p.fillRect(QRectF(x, area.top(), w, area.height()), c);
            if (w > 40) {
                p.setPen(Qt::white);
                p.drawText(QRectF(x, area.top(), w, area.height()), Qt::AlignCenter, s.what);
            }
            x += w;
        }
    }

  private:
    const RequestTrip* trip_ = nullptr;
};

RequestTripView::RequestTripView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    title_ = new QLabel(tr("Pick a call in the stream to see its trip."), this);
    title_->setWordWrap(true);
    bar_ = new Bar(this);
    steps_ = new QTreeWidget(this);
    steps_->setObjectName(QStringLiteral("tripSteps"));
    steps_->setRootIsDecorated(false);
    steps_->setHeaderLabels({tr("Where"), tr("Step"), tr("Time"), tr("Share"), tr("From")});
    steps_->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    layout->addWidget(title_);
    layout->addWidget(bar_);
    layout->addWidget(steps_, 1);
}

void RequestTripView::setTrip(const RequestTrip& trip) {
    trip_ = trip;
    steps_->clear();
    const RpcRecord* any = trip_.client ? &*trip_.client : trip_.server ? &*trip_.server : nullptr;
    if (any == nullptr) {
        title_->setText(trip_.note);
        bar_->setTrip(nullptr);
        return;
    }
    QString title = tr("%1 %2 · req_ref %3 · client conn %4 → %5 · total %6")
                        .arg(QString::fromStdString(any->kind.empty() ? any->event : any->kind),
                             QString::fromStdString(any->fun))
                        .arg(any->reqRef.value_or(0))
                        .arg(QString::fromStdString(trip_.client ? trip_.client->localConn
                                                                 : trip_.server->remoteConn),
                             QString::fromStdString(trip_.server ? trip_.server->instance()
                                                                 : trip_.client->instance()),
                             ms(trip_.totalUs));
    if (trip_.clientSidecar || trip_.providerSidecar) {
        auto side = [](const std::optional<telemetry::FlowRecord>& f) {
            if (!f)
                return QStringLiteral("?");
            QString t = QString::fromStdString(f->process);
            if (!f->peerIdentity.empty())
                t += QStringLiteral(" peer ") + QString::fromStdString(f->peerIdentity);
            if (!f->intention.empty())
                t += QStringLiteral(" intention ") + QString::fromStdString(f->intention);
            return t;
        };
        title += tr("\nvia sidecars (their flow events): %1 → %2")
                     .arg(side(trip_.clientSidecar), side(trip_.providerSidecar));
    }
    if (!trip_.note.isEmpty())
        title += QStringLiteral("\n") + trip_.note;
    title_->setText(title);
    int64_t sum = 0;
    for (const auto& s : trip_.steps)
        sum += s.overlaps ? 0 : s.us;
    for (const auto& s : trip_.steps) {
        auto* item = new QTreeWidgetItem(steps_);
        item->setText(0, s.where);
        item->setText(1, s.what);
        item->setText(2, ms(s.us));
        item->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(
            3, s.overlaps ? (s.from.startsWith(QLatin1String("flow")) ? tr("per connection")
                                                                      : tr("overlaps send"))
               : sum > 0 ? QStringLiteral("%1 %").arg(100.0 * double(s.us) / double(sum), 0, 'f', 1)
                         : QString());
        item->setText(4, s.from);
    }
    bar_->setTrip(&trip_);
}

}  // namespace meshx::ui
