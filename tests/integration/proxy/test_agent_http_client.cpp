// AgentHttpClient (meshx-proxy's libcurl- and Qt-free agent client) against the real dev agent
// process: plain requests, blocking queries (index and wait, return on change), the ACL token,
// unix sockets, cancel, async requests, BlockingQueryLoop on top of it; and the typed errors for
// an agent that is not there or answers with broken HTTP.

#include "meshx_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QTemporaryDir>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent_process.h"
#include "canned_reply_server.h"
#include "consul/agent_endpoints.h"
#include "consul/blocking_query_loop.h"
#include "consul/catalog_endpoints.h"
#include "consul/consul_error.h"
#include "proxy/agent_http_client.h"
#include "proxy/service_read_check.h"

using meshx::Code;
using meshx::consul::Request;
using meshx::proxy::AgentHttpClient;
using namespace meshx::consul::endpoints;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using meshx::test::msSince;
using meshx::test::ok;

namespace {

std::unique_ptr<AgentHttpClient> clientFor(const std::string& address, std::string token = {},
                                           meshx::consul::ClientOptions options = {}) {
    meshx::MeshConfig config;
    auto ep = meshx::AgentEndpoint::parse(address);
    if (!ep) {
        return nullptr;
    }
    config.agent = *ep;
    config.token = std::move(token);
    auto client = AgentHttpClient::create(config, options);
    return client ? std::move(*client) : nullptr;
}

std::string httpAddress(const CannedReplyServer& fake) {
    return "http://127.0.0.1:" + std::to_string(fake.port());
}

nlohmann::json service(const std::string& id) {
    return {{"ID", id}, {"Name", "db"}, {"Port", 5432}};
}

}  // namespace

class TestAgentHttpClient : public QObject {
    Q_OBJECT

  private:
    AgentProcess agent_;
    std::unique_ptr<AgentHttpClient> client_;

  private slots:
    void initTestCase() {
        QVERIFY2(agent_.start(), qPrintable(agent_.error()));
        client_ = clientFor(agent_.addressString());
        QVERIFY(client_);
    }

    void plainRequestsAndTypedCalls() {
        auto self = client_->call(agentSelf());
        QVERIFY(ok(self));
        QCOMPARE(self->nodeName, std::string("test-node"));
        QVERIFY(ok(client_->call(registerService(service("db-1"), false))));
        auto services = client_->call(agentServices());
        QVERIFY(ok(services));
        QVERIFY(services->count("db-1"));
        // A non-2xx answer is a typed error carrying status and body.
        auto missing = client_->call(agentService("no-such-service"));
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, Code::NotFound);
        QCOMPARE(meshx::consul::httpStatus(missing.error()).value_or(0), 404);
        QVERIFY(ok(client_->call(deregisterService("db-1"))));
    }

    void blockingQueryReturnsOnChangeWithANewIndex() {
        auto first = client_->send(Request::get("/catalog/service/db"));
        QVERIFY(ok(first));
        QVERIFY(first->hasIndex);
        const uint64_t index = first->index;

        // Nothing changes: the query blocks for its wait and comes back with the same index.
        Request idle = Request::get("/catalog/service/db");
        idle.blocking.index = index;
        idle.blocking.wait = milliseconds(600);
        const auto t0 = Clock::now();
        auto unchanged = client_->send(idle);
        QVERIFY(ok(unchanged));
        QVERIFY2(msSince(t0) >= 500, qPrintable(QString::number(msSince(t0))));
        QCOMPARE(unchanged->index, index);

        // A registration while it waits: it returns at once with a higher index.
        Request watch = Request::get("/catalog/service/db");
        watch.blocking.index = index;
        watch.blocking.wait = milliseconds(60000);
        const auto t1 = Clock::now();
        auto pending = std::async(std::launch::async, [&] { return client_->send(watch); });
        QVERIFY(pending.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
        auto other = clientFor(agent_.addressString());
        QVERIFY(ok(other->call(registerService(service("db-2"), false))));
        QVERIFY(pending.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
        auto changed = pending.get();
        QVERIFY(ok(changed));
        QVERIFY2(msSince(t1) < 20000, "the blocking query did not return on the change");
        QVERIFY(changed->index > index);
        QVERIFY(changed->body.find("db-2") != std::string::npos);
        QVERIFY(ok(client_->call(deregisterService("db-2"))));
    }

    void blockingQueryLoopDeliversEachChange() {
        std::atomic<int> seen{0};
        std::atomic<uint64_t> lastIndex{0};
        std::mutex mutex;
        std::vector<std::string> ids;
        meshx::consul::BlockingQueryLoop::Options options;
        options.wait = milliseconds(30000);
        auto loop = meshx::consul::BlockingQueryLoop::typed<
            meshx::consul::Indexed<std::vector<meshx::consul::CatalogServiceNode>>>(
            *client_, catalogService("db"), options,
            [&](const meshx::consul::Indexed<std::vector<meshx::consul::CatalogServiceNode>>& r,
                uint64_t index) {
                std::lock_guard lock(mutex);
                ids.clear();
                for (const auto& s : r.value) {
                    ids.push_back(s.serviceId);
                }
                lastIndex = index;
                ++seen;
            });
        loop->start();
        QTRY_VERIFY_WITH_TIMEOUT(seen.load() >= 1, 20000);
        QVERIFY(ok(client_->call(registerService(service("db-3"), false))));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                std::lock_guard lock(mutex);
                return ids.size() == 1 && ids[0] == "db-3";
            }(),
            20000);
        QVERIFY(loop->nextIndex() == lastIndex.load());
        // stop() interrupts a query in the middle of its 30 s wait.
        const auto t0 = Clock::now();
        loop->stop();
        QVERIFY2(msSince(t0) < 5000, qPrintable(QString::number(msSince(t0))));
        QVERIFY(ok(client_->call(deregisterService("db-3"))));
    }

    void cancelEndsABlockingQueryAsClosed() {
        auto first = client_->send(Request::get("/catalog/service/db"));
        QVERIFY(ok(first));
        Request watch = Request::get("/catalog/service/db");
        watch.blocking.index = first->index;
        watch.blocking.wait = milliseconds(60000);
        meshx::consul::CancelToken cancel = watch.cancel;
        auto pending = std::async(std::launch::async, [&] { return client_->send(watch); });
        QVERIFY(pending.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
        const auto t0 = Clock::now();
        cancel.cancel();
        QVERIFY(pending.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        auto result = pending.get();
        QVERIFY(!result);
        QCOMPARE(result.error().code, Code::Closed);
        QVERIFY(msSince(t0) < 10000);
    }

    void asyncRequestsRunOnAWorkerThread() {
        std::promise<std::pair<bool, std::thread::id>> done;
        client_->callAsync<meshx::consul::AgentSelf>(
            agentSelf(), nullptr, [&done](meshx::Result<meshx::consul::AgentSelf> self) {
                done.set_value(
                    {self.ok() && self->nodeName == "test-node", std::this_thread::get_id()});
            });
        auto future = done.get_future();
        QVERIFY(future.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
        const auto [good, thread] = future.get();
        QVERIFY(good);
        QVERIFY(thread != std::this_thread::get_id());
    }

    void aclTokenIsSentAndNeverShown() {
        AgentProcess secured;
        const std::string token = "proxy-master-token-51c2";
        QVERIFY2(secured.start({"-acl-master-token", QString::fromStdString(token)}),
                 qPrintable(secured.error()));
        auto anonymous = clientFor(secured.addressString());
        auto denied = anonymous->call(agentSelf());
        QVERIFY(!denied);
        QCOMPARE(denied.error().code, Code::PermissionDenied);
        auto wrong = clientFor(secured.addressString(), "not-the-token-9d");
        auto wrongResult = wrong->call(agentSelf());
        QVERIFY(!wrongResult);
        QCOMPARE(wrongResult.error().code, Code::PermissionDenied);
        QVERIFY(wrongResult.error().message.find("not-the-token-9d") == std::string::npos);
        auto admin = clientFor(secured.addressString(), token);
        QVERIFY(ok(admin->call(agentSelf())));
        QVERIFY(ok(admin->call(registerService(service("db-acl"), false))));

        // The sidecar tap's read check rides on the same client.
        meshx::MeshConfig config;
        config.agent = *meshx::AgentEndpoint::parse(secured.addressString());
        QCOMPARE(meshx::proxy::tokenCanReadService(config, token, "db-acl").valueOr(false), true);
        QCOMPARE(meshx::proxy::tokenCanReadService(config, "nope", "db-acl").valueOr(true), false);
        QCOMPARE(meshx::proxy::tokenCanReadService(config, "bad\ntoken", "db-acl").valueOr(true),
                 false);
    }

    void tokenHeaderAsSent() {
        CannedReplyServer fake("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        auto client = clientFor(httpAddress(fake), "header-token-3e");
        QVERIFY(ok(client->send(Request::get("/agent/self"))));
        QVERIFY2(
            fake.lastRequest().find("\r\nX-Consul-Token: header-token-3e\r\n") != std::string::npos,
            fake.lastRequest().c_str());
        QVERIFY(fake.lastRequest().starts_with("GET /v1/agent/self HTTP/1.1\r\n"));
        // A token that would inject a header is refused before anything is sent.
        meshx::MeshConfig config;
        config.agent = *meshx::AgentEndpoint::parse(httpAddress(fake));
        config.token = "a\r\nX-Evil: 1";
        auto bad = AgentHttpClient::create(config);
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, Code::InvalidArgument);
        QVERIFY(bad.error().message.find("X-Evil") == std::string::npos);
    }

    void unixSocketAgent() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("agent.sock"));
        AgentProcess local;
        QVERIFY2(local.start({"-client", "unix://" + path}), qPrintable(local.error()));
        auto client = clientFor(local.addressString());
        QVERIFY(client);
        auto self = client->call(agentSelf());
        QVERIFY(ok(self));
        QCOMPARE(self->nodeName, std::string("test-node"));
        auto first = client->send(Request::get("/catalog/service/db"));
        QVERIFY(ok(first));
        QVERIFY(first->hasIndex);
    }

    void unreachableAgentIsATypedError() {
        // A port nobody listens on: bound, read back and closed again.
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        ::close(fd);
        const std::string address = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
        auto client = clientFor(address, "secret-token-0a");
        auto r = client->call(agentSelf());
        QVERIFY(!r);
        QCOMPARE(r.error().code, Code::AgentUnreachable);
        QVERIFY2(r.error().message.find(address) != std::string::npos, r.error().message.c_str());
        QVERIFY(r.error().message.find("secret-token-0a") == std::string::npos);

        auto socketless = clientFor("unix:///nonexistent/meshx/agent.sock");
        auto u = socketless->call(agentSelf());
        QVERIFY(!u);
        QCOMPARE(u.error().code, Code::AgentUnreachable);
    }

    void brokenRepliesAreTypedErrors() {
        {
            CannedReplyServer fake("this is not HTTP\r\n\r\n");
            auto r = clientFor(httpAddress(fake))->send(Request::get("/agent/self"));
            QVERIFY(!r);
            QCOMPARE(r.error().code, Code::ProtocolError);
        }
        {
            CannedReplyServer fake(
                "HTTP/1.1 200 OK\r\nX-Consul-Index: 12ab\r\nContent-Length: 2\r\n\r\n[]");
            auto r = clientFor(httpAddress(fake))->send(Request::get("/catalog/services"));
            QVERIFY(!r);
            QCOMPARE(r.error().code, Code::ProtocolError);
        }
        {
            CannedReplyServer fake("");  // closes without a word
            auto r = clientFor(httpAddress(fake))->send(Request::get("/agent/self"));
            QVERIFY(!r);
            QCOMPARE(r.error().code, Code::AgentUnreachable);
        }
        {
            CannedReplyServer fake("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"cut\":");
            auto r = clientFor(httpAddress(fake))->send(Request::get("/agent/self"));
            QVERIFY(!r);
            QCOMPARE(r.error().code, Code::AgentUnreachable);
        }
        {
            CannedReplyServer fake("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{x");
            auto r = clientFor(httpAddress(fake))->call(agentSelf());
            QVERIFY(!r);
            QCOMPARE(r.error().code, Code::ParseError);
        }
        {
            // Chunked and split oddly: read whole.
            CannedReplyServer fake(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Consul-Index: 7\r\n\r\n"
                "3\r\n[1,\r\n2\r\n2]\r\n0\r\n\r\n");
            auto r = clientFor(httpAddress(fake))->send(Request::get("/catalog/services"));
            QVERIFY(ok(r));
            QCOMPARE(r->body, std::string("[1,2]"));
            QCOMPARE(r->index, uint64_t{7});
        }
        // Larger than the client allows, from the real agent.
        meshx::consul::ClientOptions tiny;
        tiny.maxResponseBytes = 64;
        auto small = clientFor(agent_.addressString(), {}, tiny);
        auto big = small->send(Request::get("/agent/self"));
        QVERIFY(!big);
        QCOMPARE(big.error().code, Code::ProtocolError);
    }
};

QTEST_GUILESS_MAIN(TestAgentHttpClient)
#include "test_agent_http_client.moc"
