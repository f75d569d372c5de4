#include "ui/graph/service_graph_view.h"

#include <QLineF>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <cmath>
#include <numbers>

namespace meshx::ui {

namespace {

constexpr double kNodeRadius = 34;
constexpr double kClickDistance = 14;

QString edgeLabel(const telemetry::ServiceGraph::Edge& e) {
    QString text;
    if (e.calls > 0) {
        text = QStringLiteral("%1/s · %2% err · p99 %3 ms")
                   .arg(e.callsPerSec, 0, 'f', 1)
                   .arg(100.0 * e.errorRate, 0, 'f', 1)
                   .arg(double(e.p99Us) / 1000.0, 0, 'f', 2);
    }
    if (e.flows > 0) {
        if (!text.isEmpty())
            text += QStringLiteral("\n");
        text += QStringLiteral("%1 flows").arg(e.flows);
    }
    if (e.denied > 0)
        text += QStringLiteral(" · %1 denied").arg(e.denied);
    return text;
}

double distanceToSegment(const QPointF& p, const QPointF& a, const QPointF& b) {
    const QPointF ab = b - a;
    const double len2 = QPointF::dotProduct(ab, ab);
    const double t = len2 <= 0 ? 0 : std::clamp(QPointF::dotProduct(p - a, ab) / len2, 0.0, 1.0);
    return QLineF(p, a + t * ab).length();
}

}  // namespace

ServiceGraphView::ServiceGraphView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("serviceGraphView"));
    setMinimumSize(320, 240);
    setMouseTracking(false);
}

void ServiceGraphView::setSnapshot(telemetry::ServiceGraph::Snapshot snapshot) {
    const bool sameNodes = snapshot.nodes == snapshot_.nodes;
    snapshot_ = std::move(snapshot);
    if (selected_ >= static_cast<int>(snapshot_.edges.size()))
        selected_ = -1;
    if (!sameNodes)
        layoutNodes();
    update();
}

void ServiceGraphView::setSelectedEdge(int edge) {
    selected_ = edge;
    update();
}

void ServiceGraphView::resizeEvent(QResizeEvent*) {
    layoutNodes();
}

void ServiceGraphView::layoutNodes() {
    // A circle, in name order: stable while services come and go, readable up to a few dozen.
    positions_.clear();
    const size_t n = snapshot_.nodes.size();
    const QPointF centre = QRectF(rect()).center();
    const double r = std::max(40.0, std::min(width(), height()) / 2.0 - kNodeRadius - 40);
    for (size_t i = 0; i < n; ++i) {
        const double a = 2 * std::numbers::pi * double(i) / double(std::max<size_t>(n, 1)) -
                         std::numbers::pi / 2;
        positions_[snapshot_.nodes[i]] =
            n == 1 ? centre : centre + QPointF(r * 1.35 * std::cos(a), r * std::sin(a));
    }
}

QPointF ServiceGraphView::nodePosition(const std::string& node) const {
    auto it = positions_.find(node);
    return it == positions_.end() ? QPointF(-1, -1) : it->second;
}

std::pair<QPointF, QPointF> ServiceGraphView::edgeLine(int edge) const {
    const auto& e = snapshot_.edges[static_cast<size_t>(edge)];
    QPointF a = nodePosition(e.from), b = nodePosition(e.to);
    QLineF line(a, b);
    if (line.length() < 1)
        return {a, b};
    // Both directions present: offset each side so the two arrows do not overlap.
    QPointF normal(-(b - a).y(), (b - a).x());
    normal /= line.length();
    for (const auto& other : snapshot_.edges) {
        if (other.from == e.to && other.to == e.from) {
            a += 8 * normal;
            b += 8 * normal;
            break;
        }
    }
    const QPointF unit = (b - a) / QLineF(a, b).length();
    return {a + kNodeRadius * unit, b - kNodeRadius * unit};
}

QPointF ServiceGraphView::edgeMidpoint(int edge) const {
    const auto [a, b] = edgeLine(edge);
    return (a + b) / 2;
}

int ServiceGraphView::edgeAt(const QPointF& at) const {
    int best = -1;
    double bestD = kClickDistance;
    for (int i = 0; i < static_cast<int>(snapshot_.edges.size()); ++i) {
        const auto [a, b] = edgeLine(i);
        const double d = distanceToSegment(at, a, b);
        if (d < bestD) {
            best = i;
            bestD = d;
        }
    }
    return best;
}

void ServiceGraphView::mousePressEvent(QMouseEvent* event) {
    const int edge = edgeAt(event->position());
    if (edge >= 0) {
        setSelectedEdge(edge);
        emit edgeClicked(edge);
    }
}

void ServiceGraphView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    p.fillRect(rect(), palette().base());
    if (snapshot_.nodes.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("No calls or flows seen yet. Services appear here as their taps report "
                      "RPC calls and sidecar flows."));
        return;
    }
    const QColor ok = palette().color(QPalette::Text);
    const QColor bad(0xd6, 0x27, 0x28);
    for (int i = 0; i < static_cast<int>(snapshot_.edges.size()); ++i) {
        const auto& e = snapshot_.edges[static_cast<size_t>(i)];
        const auto [a, b] = edgeLine(i);
        const bool alarm = e.denied > 0 || e.errorRate > 0;
        QPen pen(alarm ? bad : ok, i == selected_ ? 3.5 : 1.6);
        if (e.calls == 0)
            pen.setStyle(Qt::DashLine);  // flows only, no RPC seen
        p.setPen(pen);
        p.drawLine(a, b);
        // Arrow head.
        const QLineF line(b, a);
        const double angle = std::atan2(-line.dy(), line.dx());
        const QPointF h1 = b + QPointF(std::sin(angle + std::numbers::pi / 3) * 10,
                                       std::cos(angle + std::numbers::pi / 3) * 10);
        const QPointF h2 =
            b + QPointF(std::sin(angle + std::numbers::pi - std::numbers::pi / 3) * 10,
                        std::cos(angle + std::numbers::pi - std::numbers::pi / 3) * 10);
        QPainterPath head;
        head.moveTo(b);
        head.lineTo(h1);
        head.lineTo(h2);
        head.closeSubpath();
        p.fillPath(head, pen.color());
        // Label at the middle, on a background box so crossing lines do not hide it.
        const QString label = edgeLabel(e);
        const QRectF box = p.fontMetrics()
                               .boundingRect(QRect(0, 0, 260, 60), Qt::AlignCenter, label)
                               .adjusted(-4, -2, 4, 2);
        const QRectF at(edgeMidpoint(i) - box.center(), box.size());
        p.fillRect(at, palette().window());
        p.setPen(alarm ? bad : ok);
        p.drawText(at, Qt::AlignCenter, label);
    }
    for (const auto& [name, pos] : positions_) {
        p.setPen(QPen(palette().color(QPalette::Highlight), 2));
        p.setBrush(palette().alternateBase());
        p.drawEllipse(pos, kNodeRadius, kNodeRadius);
        p.setPen(palette().color(QPalette::Text));
        const QRectF textBox(pos.x() - 80, pos.y() - 10, 160, 20);
        p.drawText(textBox, Qt::AlignCenter,
                   p.fontMetrics().elidedText(QString::fromStdString(name), Qt::ElideMiddle, 150));
    }
}

}  // namespace meshx::ui
