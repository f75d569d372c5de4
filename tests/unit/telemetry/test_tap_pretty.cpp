// The human form `meshx tap` prints: sub-microsecond ser/dser shown as such (from time_ns), and
// a sidecar flow event as peer -> service with bytes, duration, reason and intention.

#include <QtTest>

#include <nlohmann/json.hpp>

#include "telemetry/tap/tap_pretty.h"

using meshx::telemetry::formatTapLine;
using nlohmann::json;

class TestTapPretty : public QObject {
    Q_OBJECT

  private slots:
    void rpcCallShowsSubMicrosecondTimes() {
        const json line = {
            {"type", "event"},
            {"time_us", 1796553662123456},
            {"source", "rpc.client"},
            {"name", "call"},
            {"process", {{"pid", 7}, {"program", "meshx rpc-call"}}},
            {"meta", {{"fun_name", "echo"}, {"result", "ok"}}},
            {"metrics",
             {{"time", {{"ser", 0.412}, {"dser", 1.5}, {"exec", 12}, {"send", 0}, {"recv", 30}}},
              {"time_ns", {{"ser", 412}, {"dser", 1500}}},
              {"size", {{"send", 40}, {"recv", 38}}}}}};
        const std::string out = formatTapLine(line);
        QVERIFY2(out.find("t.ser=0.412us") != std::string::npos, out.c_str());
        QVERIFY2(out.find("t.dser=1.5us") != std::string::npos, out.c_str());
        QVERIFY2(out.find("t.req=43.912us") != std::string::npos, out.c_str());
        QVERIFY2(out.find("size=40/38") != std::string::npos, out.c_str());
    }
    void flowEventReadsLikeAConnection() {
        const json line = {
            {"type", "event"},
            {"time_us", 1796553662123456},
            {"source", "proxy.flow"},
            {"name", "refused"},
            {"process",
             {{"pid", 8}, {"program", "meshx-proxy"}, {"service_id", "db-sidecar-proxy"}}},
            {"meta",
             {{"direction", "inbound"},
              {"service", "db"},
              {"peer_id", "spiffe://t.consul/ns/default/dc/dc1/svc/web"},
              {"reason", "denied: Matched L4 intention: web => db"},
              {"intention", "Matched L4 intention: web => db"}}},
            {"metrics", {{"time", {{"duration", 2500}}}}}};
        const std::string out = formatTapLine(line);
        QVERIFY2(out.find("proxy.flow  refused  inbound  spiffe://t.consul/ns/default/dc/dc1/svc/"
                          "web -> db") != std::string::npos,
                 out.c_str());
        QVERIFY2(out.find("dur=2500us") != std::string::npos, out.c_str());
        QVERIFY2(out.find("intention=\"Matched L4 intention: web => db\"") != std::string::npos,
                 out.c_str());
    }
};

QTEST_GUILESS_MAIN(TestTapPretty)
#include "test_tap_pretty.moc"
