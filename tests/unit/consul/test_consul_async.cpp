// ConsulClient::sendAsync / callAsync: results arrive on the context's thread, never on the
// caller's stack, and are dropped when the context or the client goes away first.

#include "meshx_test.h"

#include <atomic>
#include <set>

#include <nlohmann/json.hpp>

#include "consul/agent_endpoints.h"
#include "consul_test_support.h"
#include "fake_consul_server.h"

using meshx::Code;
using meshx::Result;
using meshx::consul::Request;
using meshx::consul::Response;
using namespace meshx::consul::endpoints;
using consul_test::httpConfig;
using consul_test::makeClient;
using nlohmann::json;

namespace {
FakeReply selfReply() {
    return FakeReply::json({{"Config", {{"Datacenter", "dc1"}, {"NodeName", "n1"}}}});
}
}  // namespace

class TestConsulAsync : public QObject {
    Q_OBJECT

  private slots:
    void resultArrivesOnTheCallersThreadLater() {
        FakeConsulServer server([](const FakeRequest&) { return selfReply(); });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        bool returned = false;
        bool calledBeforeReturn = false;
        QThread* calledOn = nullptr;
        std::string node;
        client->callAsync<meshx::consul::AgentSelf>(
            agentSelf(), this, [&](Result<meshx::consul::AgentSelf> self) {
                calledBeforeReturn = !returned;
                calledOn = QThread::currentThread();
                node = self ? self->nodeName : self.error().toString();
            });
        returned = true;
        QTRY_VERIFY_WITH_TIMEOUT(calledOn != nullptr, 10000);
        QVERIFY(!calledBeforeReturn);
        QCOMPARE(calledOn, QThread::currentThread());
        QCOMPARE(node, std::string("n1"));
    }

    void resultArrivesOnAnEngineThread() {
        FakeConsulServer server([](const FakeRequest&) { return FakeReply::text(503, "down"); });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        QThread engine;
        engine.start();
        QObject context;
        context.moveToThread(&engine);
        std::atomic<QThread*> calledOn{nullptr};
        std::atomic<int> code{-1};
        client->sendAsync(Request::get("/agent/self"), &context, [&](Result<Response> r) {
            code = r ? 0 : int(r.error().code);
            calledOn = QThread::currentThread();
        });
        QVERIFY(consul_test::waitFor([&] { return calledOn.load() != nullptr; }));
        engine.quit();
        QVERIFY(engine.wait(5000));
        QCOMPARE(calledOn.load(), &engine);
        QCOMPARE(code.load(), int(Code::HttpError));
    }

    void manyConcurrentRequestsAllComplete() {
        FakeConsulServer server([](const FakeRequest& r) {
            auto reply = FakeReply::json(r.param("n"));
            reply.delay = std::chrono::milliseconds(20);
            return reply;
        });
        QVERIFY(server.listenTcp());
        meshx::consul::ClientOptions options;
        options.asyncThreads = 3;
        auto client = makeClient(httpConfig(server.port()), options);
        std::set<std::string> seen;
        for (int i = 0; i < 30; ++i) {
            client->sendAsync(Request::get("/kv/x").param("n", std::to_string(i)), this,
                              [&](Result<Response> r) { seen.insert(r ? r->body : "error"); });
        }
        QTRY_VERIFY_WITH_TIMEOUT(seen.size() == 30, 15000);
        QVERIFY(!seen.count("error"));
        // Reused, not one per request: at most one slot per worker thread.
        QVERIFY(client->handlesCreated() <= 3);
    }

    void destroyedContextDropsTheResult() {
        std::atomic<bool> release{false};
        FakeConsulServer server([&](const FakeRequest&) {
            consul_test::waitFor([&] { return release.load(); });
            return selfReply();
        });
        QVERIFY(server.listenTcp());
        // One worker: the second request below starts only after the first one finished.
        meshx::consul::ClientOptions options;
        options.asyncThreads = 1;
        auto client = makeClient(httpConfig(server.port()), options);
        bool called = false;
        auto* context = new QObject;
        client->callAsync<meshx::consul::AgentSelf>(
            agentSelf(), context, [&](Result<meshx::consul::AgentSelf>) { called = true; });
        QVERIFY(consul_test::waitFor([&] { return server.requestCount() == 1; }));
        delete context;
        release = true;
        // Proof of completion: a second request on another context is delivered after it.
        bool second = false;
        client->callAsync<meshx::consul::AgentSelf>(
            agentSelf(), this, [&](Result<meshx::consul::AgentSelf>) { second = true; });
        QTRY_VERIFY_WITH_TIMEOUT(second, 10000);
        QCoreApplication::processEvents();
        QVERIFY(!called);
    }

    void destroyingTheClientCancelsAndDropsCallbacks() {
        FakeConsulServer server([](const FakeRequest&) {
            FakeReply reply;
            reply.hold = true;
            return reply;
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        bool called = false;
        auto request = Request::get("/health/service/web");
        request.blocking = {9, {}, std::chrono::minutes(5)};
        client->sendAsync(request, this, [&](Result<Response>) { called = true; });
        QVERIFY(consul_test::waitFor([&] { return server.requestCount() == 1; }));
        const auto started = std::chrono::steady_clock::now();
        client.reset();
        QVERIFY2(consul_test::msSince(started) < 900, "destructor waited for the 5 min wait");
        QCoreApplication::processEvents();
        QVERIFY(!called);
        QVERIFY(consul_test::waitFor([&] { return server.clientHangups() == 1; }));
    }

    void asyncCancelThroughTheToken() {
        FakeConsulServer server([](const FakeRequest&) {
            FakeReply reply;
            reply.hold = true;
            return reply;
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        auto request = Request::get("/health/service/web");
        request.blocking = {9, {}, std::chrono::minutes(5)};
        auto token = request.cancel;
        int code = -1;
        client->sendAsync(request, this,
                          [&](Result<Response> r) { code = r ? 0 : int(r.error().code); });
        QVERIFY(consul_test::waitFor([&] { return server.requestCount() == 1; }));
        token.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(code, int(Code::Closed), 2000);
    }
};

QTEST_GUILESS_MAIN(TestConsulAsync)
#include "test_consul_async.moc"
