#include "ui/telemetry/telemetry_plots.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <qcustomplot.h>

#include <functional>

namespace meshx::ui {

namespace {

const QColor kPalette[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e),
                           QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28),
                           QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b),
                           QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f)};

}  // namespace

TelemetryPlots::TelemetryPlots(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    metric_ = new QComboBox(this);
    metric_->setObjectName(QStringLiteral("plotMetric"));
    metric_->addItem(tr("Calls per second"), int(Metric::Calls));
    metric_->addItem(tr("Latency p50 / p95 / p99"), int(Metric::Latency));
    metric_->addItem(tr("Time split ser / dser / exec / send / recv"), int(Metric::Split));
    metric_->addItem(tr("Blocks per second"), int(Metric::Blocks));
    metric_->addItem(tr("Bytes per second"), int(Metric::Bytes));
    instance_ = new QComboBox(this);
    instance_->setObjectName(QStringLiteral("plotInstance"));
    instance_->addItem(tr("All instances"), QStringLiteral("all"));
    instance_->addItem(tr("Each instance"), QStringLiteral("each"));
    instance_->setMinimumContentsLength(24);
    window_ = new QComboBox(this);
    window_->setObjectName(QStringLiteral("plotWindow"));
    for (int s : {30, 60, 300, 900})
        window_->addItem(s < 60 ? tr("%1 s").arg(s) : tr("%1 min").arg(s / 60), s);
    window_->setCurrentIndex(1);
    summary_ = new QLabel(this);
    bar->addWidget(new QLabel(tr("Plot"), this));
    bar->addWidget(metric_);
    bar->addWidget(new QLabel(tr("instances"), this));
    bar->addWidget(instance_);
    bar->addWidget(new QLabel(tr("window"), this));
    bar->addWidget(window_);
    bar->addWidget(summary_, 1);
    layout->addLayout(bar);

    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("telemetryPlot"));
    plot_->setMinimumHeight(160);
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    QSharedPointer<QCPAxisTickerDateTime> ticker(new QCPAxisTickerDateTime);
    ticker->setDateTimeFormat(QStringLiteral("HH:mm:ss"));
    plot_->xAxis->setTicker(ticker);
    plot_->setNoAntialiasingOnDrag(true);
    layout->addWidget(plot_, 1);

    auto changed = [this] {
        dirty_ = true;
        refresh();
    };
    connect(metric_, &QComboBox::currentIndexChanged, this, changed);
    connect(instance_, &QComboBox::currentIndexChanged, this, changed);
    connect(window_, &QComboBox::currentIndexChanged, this, changed);
}

void TelemetryPlots::setMetric(Metric metric) {
    metric_->setCurrentIndex(metric_->findData(int(metric)));
}

void TelemetryPlots::setInstance(const QString& instance) {
    rebuildInstances();
    const int i = instance_->findData(instance);
    if (i >= 0)
        instance_->setCurrentIndex(i);
}

void TelemetryPlots::setWindowSeconds(int seconds) {
    const int i = window_->findData(seconds);
    if (i >= 0)
        window_->setCurrentIndex(i);
}

void TelemetryPlots::rebuildInstances() {
    const auto names = series_.instances();
    if (names.size() == knownInstances_)
        return;
    knownInstances_ = names.size();
    const QString current = instance_->currentData().toString();
    const QSignalBlocker block(instance_);
    while (instance_->count() > 2)
        instance_->removeItem(2);
    for (const auto& n : names) {
        const QString name = QString::fromStdString(n);
        instance_->addItem(name.isEmpty() ? tr("(unknown)") : name, name);
    }
    const int i = instance_->findData(current);
    instance_->setCurrentIndex(i >= 0 ? i : 0);
}

void TelemetryPlots::refresh() {
    if (!dirty_)
        return;
    dirty_ = false;
    rebuildInstances();

    const auto metric = Metric(metric_->currentData().toInt());
    const QString inst = instance_->currentData().toString();
    const int window = window_->currentData().toInt();
    // With no events yet the window is the last minutes of wall-clock time (not the epoch's
    // first second, which a UTC+0 desktop showed as 23:59:00 -> 00:00:00); it keeps sliding
    // until the first event arrives.
    const bool noEvents = series_.buckets().empty();
    const int64_t last = noEvents ? QDateTime::currentSecsSinceEpoch() : series_.lastSecond();
    const int64_t from = last - window;
    if (noEvents) {
        dirty_ = true;
    }

    using Cell = CallSeries::Cell;
    struct Line {
        QString name;
        std::function<double(Cell&)> value;
        std::string instance;  // empty: all instances merged (or the chosen one)
    };
    std::vector<Line> lines;
    std::vector<std::string> perInstance;
    if (inst == QLatin1String("each"))
        perInstance = series_.instances();

    auto addLines = [&](const QString& name, const std::function<double(Cell&)>& value) {
        if (perInstance.empty()) {
            lines.push_back({name, value, {}});
            return;
        }
        for (const auto& i : perInstance) {
            lines.push_back({QString::fromStdString(i) + QLatin1Char(' ') + name, value, i});
        }
    };
    auto perCallMs = [](int64_t Cell::*field) {
        return [field](Cell& c) {
            return c.calls == 0 ? 0.0 : double(c.*field) / double(c.calls) / 1000.0;
        };
    };
    auto perCallMsOfNs = [](int64_t Cell::*field) {
        return [field](Cell& c) {
            return c.calls == 0 ? 0.0 : double(c.*field) / double(c.calls) / 1e6;
        };
    };
    QString yLabel;
    switch (metric) {
        case Metric::Calls:
            yLabel = tr("calls/s");
            addLines(tr("calls/s"), [](Cell& c) { return double(c.calls); });
            break;
        case Metric::Latency:
            yLabel = tr("request time (ms)");
            if (perInstance.empty()) {
                for (double p : {50.0, 95.0, 99.0}) {
                    addLines(tr("p%1").arg(p), [p](Cell& c) {
                        return CallSeries::percentile(c.samples, p) / 1000.0;
                    });
                }
            } else {
                addLines(tr("p95"),
                         [](Cell& c) { return CallSeries::percentile(c.samples, 95) / 1000.0; });
            }
            break;
        case Metric::Split:
            yLabel = tr("mean time per call (ms)");
            addLines(tr("ser"), perCallMsOfNs(&Cell::serNs));
            addLines(tr("dser"), perCallMsOfNs(&Cell::dserNs));
            addLines(tr("exec"), perCallMs(&Cell::exec));
            addLines(tr("send"), perCallMs(&Cell::send));
            addLines(tr("recv"), perCallMs(&Cell::recv));
            break;
        case Metric::Blocks:
            yLabel = tr("blocks/s");
            addLines(tr("sent"), [](Cell& c) { return double(c.blocksSend); });
            addLines(tr("received"), [](Cell& c) { return double(c.blocksRecv); });
            break;
        case Metric::Bytes:
            yLabel = tr("bytes/s");
            addLines(tr("sent"), [](Cell& c) { return double(c.bytesSend); });
            addLines(tr("received"), [](Cell& c) { return double(c.bytesRecv); });
            break;
    }

    plot_->clearGraphs();
    const bool single = inst != QLatin1String("all") && inst != QLatin1String("each");
    const std::string chosen = inst.toStdString();
    uint64_t calls = 0;
    int colour = 0;
    for (const Line& line : lines) {
        QVector<double> keys, values;
        for (auto it = series_.buckets().lower_bound(from + 1); it != series_.buckets().end();
             ++it) {
            Cell merged;
            for (const auto& [name, cell] : it->second) {
                if ((single && name != chosen) || (!line.instance.empty() && name != line.instance))
                    continue;
                merged.merge(cell);
            }
            // Seconds with no request: calls and rates are zero, times have no point.
            if (merged.calls == 0 && metric != Metric::Calls && metric != Metric::Blocks &&
                metric != Metric::Bytes) {
                continue;
            }
            keys << double(it->first);
            values << line.value(merged);
        }
        QCPGraph* g = plot_->addGraph();
        g->setName(line.name);
        QPen pen(kPalette[colour++ % std::size(kPalette)]);
        pen.setWidthF(1.6);
        g->setPen(pen);
        g->setLineStyle(QCPGraph::lsLine);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 4));
        g->setData(keys, values, true);
    }
    // Requests in the window over every instance shown (not only the first line's, which with
    // "each" is one instance).
    for (auto it = series_.buckets().lower_bound(from + 1); it != series_.buckets().end(); ++it) {
        for (const auto& [name, cell] : it->second) {
            if (!single || name == chosen)
                calls += cell.calls;
        }
    }
    plot_->xAxis->setRange(double(from), double(last + 1));
    plot_->yAxis->setLabel(yLabel);
    plot_->rescaleAxes(true);
    plot_->xAxis->setRange(double(from), double(last + 1));
    bool found = false;
    const QCPRange y =
        plot_->graphCount() > 0 ? plot_->graph(0)->getValueRange(found) : QCPRange(0, 1);
    double top = found ? y.upper : 1;
    for (int i = 1; i < plot_->graphCount(); ++i) {
        bool f = false;
        const QCPRange r = plot_->graph(i)->getValueRange(f);
        if (f)
            top = std::max(top, r.upper);
    }
    plot_->yAxis->setRange(0, top > 0 ? top * 1.15 : 1);
    summary_->setText(tr("%n request(s) in the window", nullptr, int(calls)));
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

int TelemetryPlots::pointCount() const {
    int n = 0;
    for (int i = 0; i < plot_->graphCount(); ++i)
        n += plot_->graph(i)->dataCount();
    return n;
}

QStringList TelemetryPlots::graphNames() const {
    QStringList names;
    for (int i = 0; i < plot_->graphCount(); ++i)
        names << plot_->graph(i)->name();
    return names;
}

}  // namespace meshx::ui
