#include "ui/telemetry/request_trip.h"

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdlib>
#include <functional>

namespace meshx::ui {

using telemetry::FlowRecord;
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

// "tcp://127.0.0.1:5000" and "127.0.0.1:5000" name the same address.
std::string bare(const std::string& address) {
    return address.rfind("tcp://", 0) == 0 ? address.substr(6) : address;
}

// The accepted flow of a sidecar that carried the request: `fits` says it is the right path;
// among those, the latest accepted at or before the request (a pooled connection opens before
// the requests it carries), else the nearest in time.
const telemetry::FlowRecord* carryingFlow(
    const std::deque<telemetry::FlowRecord>& flows, int64_t timeUs,
    const std::function<bool(const telemetry::FlowRecord&)>& fits) {
    const telemetry::FlowRecord* before = nullptr;
    const telemetry::FlowRecord* nearest = nullptr;
    for (const auto& f : flows) {
        if (f.event != "accepted" || !fits(f))
            continue;
        if (f.timeUs <= timeUs && (before == nullptr || f.timeUs > before->timeUs))
            before = &f;
        if (nearest == nullptr || std::abs(f.timeUs - timeUs) < std::abs(nearest->timeUs - timeUs))
            nearest = &f;
    }
    return before != nullptr ? before : nearest;
}

// "watch-consumer-sidecar-proxy" is the sidecar of "watch-consumer".
bool sidecarOf(const std::string& proxyService, const std::string& service) {
    return service.empty() || proxyService.rfind(service, 0) == 0;
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
    // The two sidecars on the way, from their own flow events when their taps are read: the
    // client's (outbound, towards the provider's sidecar) and the provider's (inbound, to the
    // provider's address).
    if (c != nullptr) {
        const std::string target = s != nullptr ? s->localSvc : c->remoteSvc;
        if (const FlowRecord* f = carryingFlow(flows, c->timeUs, [&](const FlowRecord& x) {
                return !x.inbound() && sidecarOf(x.proxyService, c->service) && !target.empty() &&
                       x.instance.find("/" + target) != std::string::npos;
            }))
            trip.clientSidecar = *f;
    }
    if (s != nullptr) {
        if (const FlowRecord* f = carryingFlow(flows, s->timeUs, [&](const FlowRecord& x) {
                return x.inbound() && sidecarOf(x.proxyService, s->service) &&
                       bare(x.dst) == bare(s->address);
            }))
            trip.providerSidecar = *f;
    }
    // Each sidecar's own measurement of the connection the request travelled on: set up once
    // per connection (mTLS handshake, intention check, dialling), so listed but not added to
    // this request's total.
    const QString measured = QStringLiteral("flow %1");
    if (trip.clientSidecar) {
        const FlowRecord& f = *trip.clientSidecar;
        trip.steps.push_back(
            {QStringLiteral("client sidecar %1 → %2")
                 .arg(QString::fromStdString(f.process), QString::fromStdString(f.instance)),
             QStringLiteral("connection setup (mTLS to the provider sidecar)"), f.setupUs,
             measured.arg(QString::fromStdString(f.process)), true});
    }
    if (trip.providerSidecar) {
        const FlowRecord& f = *trip.providerSidecar;
        trip.steps.push_back(
            {QStringLiteral("provider sidecar %1 → %2")
                 .arg(QString::fromStdString(f.process), QString::fromStdString(f.dst)),
             QStringLiteral("connection setup (intention, local app)"), f.setupUs,
             measured.arg(QString::fromStdString(f.process)), true});
    }
    const int64_t providerWork = s != nullptr ? s->tDser + s->tExec + s->tSer + s->tSend : 0;
    const int64_t wait =
        c != nullptr && s != nullptr ? std::max<int64_t>(0, c->tRecv - providerWork) : 0;
    const QString forth = trip.clientSidecar && trip.providerSidecar
                              ? QStringLiteral("client sidecar → provider sidecar")
                              : kTransit;
    const QString back = trip.clientSidecar && trip.providerSidecar
                             ? QStringLiteral("provider sidecar → client sidecar")
                             : kTransitBack;
    if (c != nullptr && s != nullptr)
        trip.steps.push_back({forth, QStringLiteral("transit"), wait / 2, derived});
    if (s != nullptr) {
        trip.steps.push_back({kProvider, QStringLiteral("dser"), s->tDser, ss});
        trip.steps.push_back({kProvider, QStringLiteral("exec"), s->tExec, ss});
        trip.steps.push_back({kProvider, QStringLiteral("ser"), s->tSer, ss});
        trip.steps.push_back({kProvider, QStringLiteral("send"), s->tSend, ss});
    }
    if (c != nullptr && s != nullptr)
        trip.steps.push_back({back, QStringLiteral("transit"), wait - wait / 2, derived});
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
            t += QStringLiteral(" flow %1").arg(f->flowRef);
            if (!f->peerId.empty())
                t += QStringLiteral(", peer ") +
                     QString::fromStdString(FlowRecord::serviceOfIdentity(f->peerId));
            if (!f->intention.empty())
                t += QStringLiteral(", ") + QString::fromStdString(f->intention);
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
