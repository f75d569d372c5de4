#include "ui/telemetry/request_trip.h"

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

#include "telemetry/watch/trip_matcher.h"

namespace meshx::ui {

using telemetry::FlowRecord;
using telemetry::RpcRecord;
using telemetry::TripMatcher;

namespace {

const QString kClientWorker = QStringLiteral("client pool worker");
const QString kTransit = QStringLiteral("upstream listener → provider sidecar");
const QString kProvider = QStringLiteral("provider worker");
const QString kTransitBack = QStringLiteral("provider sidecar → upstream listener");
const QString kDerived = QStringLiteral("derived");

QString ms(int64_t us) {
    return QStringLiteral("%1 ms").arg(double(us) / 1000.0, 0, 'f', 3);
}

// Nanoseconds to the steps' microseconds, rounded (a relay step takes a few microseconds).
int64_t usOf(int64_t ns) {
    return ns <= 0 ? 0 : (ns + 500) / 1000;
}

QString process(const FlowRecord& f) {
    return QString::fromStdString(f.process);
}

// Which telemetry measured a step: "turn 7 meshx-proxy[4243]".
QString turnFrom(const FlowRecord& t) {
    return QStringLiteral("turn %1 %2").arg(t.turn).arg(process(t));
}

// The sidecars' connection set-up, measured once per connection (mTLS handshake, intention
// check, dialling): listed, not added to this request's total.
void addSetupSteps(RequestTrip& trip) {
    const QString measured = QStringLiteral("flow %1");
    if (trip.clientSidecar) {
        const FlowRecord& f = *trip.clientSidecar;
        trip.steps.push_back({QStringLiteral("client sidecar %1 → %2")
                                  .arg(process(f), QString::fromStdString(f.instance)),
                              QStringLiteral("connection setup (mTLS to the provider sidecar)"),
                              f.setupUs, measured.arg(process(f)), true});
    }
    if (trip.providerSidecar) {
        const FlowRecord& f = *trip.providerSidecar;
        trip.steps.push_back({QStringLiteral("provider sidecar %1 → %2")
                                  .arg(process(f), QString::fromStdString(f.dst)),
                              QStringLiteral("connection setup (intention, local app)"), f.setupUs,
                              measured.arg(process(f)), true});
    }
}

// Both sidecars timed the request: their relays measured, the rest derived from measured spans.
void addMeasuredSteps(RequestTrip& trip) {
    const RpcRecord& c = *trip.client;
    const RpcRecord& s = *trip.server;
    const FlowRecord& ct = *trip.clientTurn;
    const FlowRecord& pt = *trip.providerTurn;
    const telemetry::SidecarHops h = TripMatcher::hops(ct, pt);
    const QString cs = QStringLiteral("rpc.client"), ss = QStringLiteral("rpc.server");
    const QString clientSide = QStringLiteral("client sidecar %1").arg(process(ct));
    const QString providerSide = QStringLiteral("provider sidecar %1").arg(process(pt));
    trip.steps.push_back({kClientWorker, QStringLiteral("ser"), c.tSer, cs});
    trip.steps.push_back({kClientWorker, QStringLiteral("send"), c.tSend, cs});
    addSetupSteps(trip);
    trip.steps.push_back(
        {clientSide, QStringLiteral("request relay"), usOf(h.clientRequestNs), turnFrom(ct)});
    trip.steps.push_back({QStringLiteral("client sidecar ⇄ provider sidecar"),
                          QStringLiteral("mTLS transit, both ways"), usOf(h.transitNs),
                          QStringLiteral("turns: client wait − provider turn")});
    trip.steps.push_back(
        {providerSide, QStringLiteral("request relay"), usOf(h.providerRequestNs), turnFrom(pt)});
    trip.steps.push_back({kProvider, QStringLiteral("recv"), s.tRecv, ss});
    trip.steps.push_back({kProvider, QStringLiteral("dser"), s.tDser, ss});
    trip.steps.push_back({kProvider, QStringLiteral("exec"), s.tExec, ss});
    trip.steps.push_back({kProvider, QStringLiteral("ser"), s.tSer, ss});
    trip.steps.push_back({kProvider, QStringLiteral("send"), s.tSend, ss});
    const int64_t providerWorkNs = (s.tRecv + s.tExec + s.tSend) * 1000 + s.tSerNs + s.tDserNs;
    trip.steps.push_back({QStringLiteral("provider sidecar ⇄ provider"),
                          QStringLiteral("loopback, both ways"),
                          usOf(std::max<int64_t>(0, h.providerWaitNs - providerWorkNs)), kDerived});
    trip.steps.push_back(
        {providerSide, QStringLiteral("answer relay"), usOf(h.providerAnswerNs), turnFrom(pt)});
    trip.steps.push_back(
        {clientSide, QStringLiteral("answer relay"), usOf(h.clientAnswerNs), turnFrom(ct)});
    const int64_t clientTurnNs = std::max<int64_t>(0, ct.requestNs) +
                                 std::max<int64_t>(0, ct.waitNs) +
                                 std::max<int64_t>(0, ct.answerNs);
    trip.steps.push_back({QStringLiteral("client ⇄ client sidecar"),
                          QStringLiteral("loopback, both ways"),
                          usOf(std::max<int64_t>(0, c.tRecv * 1000 - clientTurnNs)), kDerived});
    trip.steps.push_back({kClientWorker, QStringLiteral("dser"), c.tDser, cs});
}

// No turns: the sidecars' set-up per connection, the transit derived from the two RPC ends.
void addDerivedSteps(RequestTrip& trip) {
    const RpcRecord* c = trip.client ? &*trip.client : nullptr;
    const RpcRecord* s = trip.server ? &*trip.server : nullptr;
    const QString cs = QStringLiteral("rpc.client"), ss = QStringLiteral("rpc.server");
    if (c != nullptr) {
        trip.steps.push_back({kClientWorker, QStringLiteral("ser"), c->tSer, cs});
        trip.steps.push_back({kClientWorker, QStringLiteral("send"), c->tSend, cs});
    }
    if (s != nullptr) {
        // The provider reads while the client writes: its recv overlaps the client's send.
        trip.steps.push_back({kProvider, QStringLiteral("recv"), s->tRecv, ss, c != nullptr});
    }
    addSetupSteps(trip);
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
        trip.steps.push_back({forth, QStringLiteral("transit"), wait / 2, kDerived});
    if (s != nullptr) {
        trip.steps.push_back({kProvider, QStringLiteral("dser"), s->tDser, ss});
        trip.steps.push_back({kProvider, QStringLiteral("exec"), s->tExec, ss});
        trip.steps.push_back({kProvider, QStringLiteral("ser"), s->tSer, ss});
        trip.steps.push_back({kProvider, QStringLiteral("send"), s->tSend, ss});
    }
    if (c != nullptr && s != nullptr)
        trip.steps.push_back({back, QStringLiteral("transit"), wait - wait / 2, kDerived});
    if (c != nullptr && s == nullptr) {
        trip.steps.push_back({QStringLiteral("upstream → provider → back"),
                              QStringLiteral("recv (wait)"), c->tRecv, cs});
    }
    if (c != nullptr)
        trip.steps.push_back({kClientWorker, QStringLiteral("dser"), c->tDser, cs});
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
    telemetry::TripMatch m = TripMatcher::match(picked, history, flows);
    trip.client = std::move(m.client);
    trip.server = std::move(m.server);
    trip.clientSidecar = std::move(m.clientFlow);
    trip.providerSidecar = std::move(m.providerFlow);
    trip.clientTurn = std::move(m.clientTurn);
    trip.providerTurn = std::move(m.providerTurn);
    if (trip.hopsMeasured())
        addMeasuredSteps(trip);
    else
        addDerivedSteps(trip);
    for (const Step& step : trip.steps) {
        if (!step.overlaps)
            trip.totalUs += step.us;
    }
    if (!trip.client) {
        trip.note = QStringLiteral(
                        "The client's end of req_ref %1 is not in the history (another process, "
                        "or trimmed).")
                        .arg(*picked.reqRef);
    } else if (!trip.server) {
        trip.note = QStringLiteral(
                        "The provider's end of req_ref %1 is not in the history (another "
                        "process, or trimmed).")
                        .arg(*picked.reqRef);
    } else if (!trip.hopsMeasured() && (trip.clientSidecar || trip.providerSidecar ||
                                        trip.clientTurn || trip.providerTurn)) {
        // Through sidecars, but not timed per request: say why the transit is derived.
        trip.note = QStringLiteral("Sidecar hops derived, not measured per request: %1.")
                        .arg(QString::fromStdString(m.turnNote));
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
    if (trip_.hopsMeasured()) {
        title += tr("\nsidecar hops measured per request: %1 turn %2 → %3 turn %4")
                     .arg(QString::fromStdString(trip_.clientTurn->process))
                     .arg(trip_.clientTurn->turn)
                     .arg(QString::fromStdString(trip_.providerTurn->process))
                     .arg(trip_.providerTurn->turn);
    }
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
