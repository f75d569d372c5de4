#include <QDateTime>
#include <QtTest>

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "telemetry/rpc_record.h"
#include "ui/telemetry/telemetry_plots.h"
#include "ui/telemetry/telemetry_stream_model.h"

using meshx::telemetry::RpcRecord;
using meshx::ui::TelemetryPlots;

// What the plots draw, asserted against values computed here from the same requests: latency
// p50/p95/p99 per second, the per-step split, the time window's range, and the axis before any
// event (the last minutes of wall-clock time).
class TestTelemetryPlotValues : public QObject {
    Q_OBJECT

  private:
    // Requests of three seconds, each with its own times: the expected values below are
    // computed from these, never read back from CallSeries.
    struct Req {
        int64_t second;
        int64_t ser, dser, exec, send, recv;
    };
    std::vector<Req> requests_;
    int64_t base_ = 0;

    static RpcRecord record(const Req& r) {
        RpcRecord rec;
        rec.timeUs = r.second * 1000000 + 1000;
        rec.source = "rpc.client";
        rec.event = "call";
        rec.kind = "call";
        rec.result = "ok";
        rec.remoteSvc = "svc-a";
        rec.remoteConn = "1";
        rec.tSer = r.ser;
        rec.tDser = r.dser;
        rec.tExec = r.exec;
        rec.tSend = r.send;
        rec.tRecv = r.recv;
        return rec;
    }

    // Nearest rank, as the plots promise (ceil(p/100 * n)-th smallest).
    static double nearestRank(std::vector<int64_t> v, double p) {
        std::sort(v.begin(), v.end());
        const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
        return static_cast<double>(v[std::clamp<size_t>(rank, 1, v.size()) - 1]);
    }

    static std::map<double, double> points(QCustomPlot* plot, const QString& name) {
        std::map<double, double> out;
        for (int i = 0; i < plot->graphCount(); ++i) {
            if (plot->graph(i)->name() == name) {
                for (auto it = plot->graph(i)->data()->constBegin();
                     it != plot->graph(i)->data()->constEnd(); ++it) {
                    out[it->key] = it->value;
                }
            }
        }
        return out;
    }

    void feed(TelemetryPlots& plots) {
        for (const Req& r : requests_) {
            plots.series().add(record(r));
        }
        plots.markDirty();
        plots.refresh();
    }

  private slots:
    void initTestCase() {
        base_ = QDateTime::currentSecsSinceEpoch() - 100;
        // Second 0: 40 requests with exec 100..4000 us; second 1: 7 requests; second 2: one.
        for (int i = 1; i <= 40; ++i) {
            requests_.push_back({base_, 10, 20, 100 * i, 5, 7});
        }
        for (int i = 0; i < 7; ++i) {
            requests_.push_back({base_ + 1, 30 * i, 0, 1000 + 250 * ((i * 3) % 7), 40, 0});
        }
        requests_.push_back({base_ + 2, 1, 2, 30000, 3, 4});
    }

    void percentilesEqualThoseOfTheEvents() {
        TelemetryPlots plots;
        plots.setMetric(TelemetryPlots::Metric::Latency);
        plots.setInstance(QStringLiteral("all"));
        plots.setWindowSeconds(300);
        feed(plots);
        std::map<int64_t, std::vector<int64_t>> bySecond;
        for (const Req& r : requests_) {
            bySecond[r.second].push_back(r.ser + r.dser + r.exec + r.send + r.recv);
        }
        for (double p : {50.0, 95.0, 99.0}) {
            const auto drawn = points(plots.plot(), QStringLiteral("p%1").arg(p));
            QCOMPARE(drawn.size(), bySecond.size());
            for (const auto& [second, times] : bySecond) {
                const double expected = nearestRank(times, p) / 1000.0;
                QVERIFY2(drawn.count(double(second)) == 1, "a second without a point");
                QCOMPARE(drawn.at(double(second)), expected);
            }
        }
        // Nearest rank of 40 samples at 99 %: the 40th, the slowest.
        QCOMPARE(points(plots.plot(), QStringLiteral("p99")).at(double(base_)),
                 (10 + 20 + 4000 + 5 + 7) / 1000.0);
    }

    void splitEqualsTheMeanOfEachStep() {
        TelemetryPlots plots;
        plots.setMetric(TelemetryPlots::Metric::Split);
        plots.setInstance(QStringLiteral("all"));
        plots.setWindowSeconds(300);
        feed(plots);
        struct Step {
            const char* name;
            int64_t Req::*field;
        };
        for (const Step& step :
             {Step{"ser", &Req::ser}, Step{"dser", &Req::dser}, Step{"exec", &Req::exec},
              Step{"send", &Req::send}, Step{"recv", &Req::recv}}) {
            std::map<int64_t, std::pair<int64_t, int64_t>> sums;  // second -> (sum, count)
            for (const Req& r : requests_) {
                sums[r.second].first += r.*step.field;
                sums[r.second].second += 1;
            }
            const auto drawn = points(plots.plot(), QString::fromLatin1(step.name));
            for (const auto& [second, sc] : sums) {
                QCOMPARE(drawn.at(double(second)), double(sc.first) / double(sc.second) / 1000.0);
            }
        }
        const auto calls = [&] {
            TelemetryPlots c;
            c.setMetric(TelemetryPlots::Metric::Calls);
            c.setInstance(QStringLiteral("all"));
            c.setWindowSeconds(300);
            feed(c);
            return points(c.plot(), QStringLiteral("calls/s"));
        }();
        QCOMPARE(calls.at(double(base_)), 40.0);
        QCOMPARE(calls.at(double(base_ + 1)), 7.0);
        QCOMPARE(calls.at(double(base_ + 2)), 1.0);
    }

    // ser/dser are measured in ns (a small term takes well under a microsecond): the split plot
    // and the stream's columns show the fraction instead of 0 (issue 17.4).
    void subMicrosecondTimesAreShownAsSuch() {
        RpcRecord rec = record({base_, 0, 0, 100, 5, 7});
        rec.tSerNs = 412;
        rec.tDserNs = 38;
        TelemetryPlots plots;
        plots.setMetric(TelemetryPlots::Metric::Split);
        plots.setInstance(QStringLiteral("all"));
        plots.setWindowSeconds(300);
        plots.series().add(rec);
        plots.markDirty();
        plots.refresh();
        QCOMPARE(points(plots.plot(), QStringLiteral("ser")).at(double(base_)), 0.000412);
        QCOMPARE(points(plots.plot(), QStringLiteral("dser")).at(double(base_)), 0.000038);
        using Model = meshx::ui::TelemetryStreamModel;
        QCOMPARE(Model::cellText(rec, Model::TSer), QStringLiteral("0.4"));
        QCOMPARE(Model::cellText(rec, Model::TDser), QStringLiteral("0.038"));
        rec.tSerNs = 2500;
        QCOMPARE(Model::cellText(rec, Model::TSer), QStringLiteral("2.5"));
        rec.tSerNs = 0;
        rec.tSer = 7;  // a record from an older tap: whole microseconds only
        QCOMPARE(Model::cellText(rec, Model::TSer), QStringLiteral("7"));
    }

    void windowChangesThePlottedRange() {
        TelemetryPlots plots;
        plots.setMetric(TelemetryPlots::Metric::Calls);
        plots.setInstance(QStringLiteral("all"));
        // An old request, 200 s before the others: inside a 5-minute window, outside 1 minute.
        requests_.push_back({base_ - 200, 1, 1, 1, 1, 1});
        plots.setWindowSeconds(300);
        feed(plots);
        QCPRange x = plots.plot()->xAxis->range();
        QCOMPARE(x.upper - x.lower, 301.0);
        QCOMPARE(x.upper, double(base_ + 2 + 1));
        QVERIFY(points(plots.plot(), QStringLiteral("calls/s")).count(double(base_ - 200)) == 1);
        plots.setWindowSeconds(60);
        plots.markDirty();
        plots.refresh();
        x = plots.plot()->xAxis->range();
        QCOMPARE(x.upper - x.lower, 61.0);
        const auto drawn = points(plots.plot(), QStringLiteral("calls/s"));
        QVERIFY(drawn.count(double(base_ - 200)) == 0);
        for (const auto& [key, value] : drawn) {
            QVERIFY(key > x.lower && key < x.upper);
        }
        requests_.pop_back();
    }

    void withoutEventsTheAxisIsTheLastMinuteOfNow() {
        TelemetryPlots plots;
        plots.setWindowSeconds(60);
        plots.markDirty();
        plots.refresh();
        const double now = double(QDateTime::currentSecsSinceEpoch());
        const QCPRange x = plots.plot()->xAxis->range();
        QVERIFY2(std::abs(x.upper - now) < 5, qPrintable(QString::number(x.upper - now)));
        QCOMPARE(x.upper - x.lower, 61.0);
        // And it keeps sliding: the next refresh redraws without new data.
        plots.refresh();
        QVERIFY(plots.plot()->xAxis->range().upper >= x.upper);
    }
};

QTEST_MAIN(TestTelemetryPlotValues)
#include "test_telemetry_plot_values.moc"
