#include "ui/rpc/rpc_workbench.h"

#include <QElapsedTimer>
#include <QPointer>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "rpc/serialize/serializer_registry.h"
#include "ui/rpc/demo_functions.h"

namespace meshx::ui {

namespace {

constexpr int kMaxConcurrency = 64;
constexpr int kMaxCalls = 100000;

QString errorText(const rpc::RpcError& e) {
    return QString::fromStdString(e.toString());
}

}  // namespace

RpcWorkbench::RpcWorkbench(QObject* parent) : QObject(parent), lane_(4) {
    loadThreads_.setMaxThreadCount(kMaxConcurrency);
    loadThreads_.setExpiryTimeout(10000);
    drawTimer_.setInterval(33);
    connect(&drawTimer_, &QTimer::timeout, this, &RpcWorkbench::drawLoad);
}

RpcWorkbench::~RpcWorkbench() {
    drawTimer_.stop();
    if (load_) {
        load_->cancel = true;
    }
    if (pool_) {
        pool_->stop();  // calls in flight fail at once, so the load threads end
    }
    loadThreads_.waitForDone();
    lane_.waitForIdle();
    if (server_) {
        server_->stop();
    }
}

Status RpcWorkbench::startServer(const net::Address& at, const QString& instanceId) {
    if (server_) {
        return makeError(Code::AlreadyStarted, "an RPC server is running already");
    }
    rpc::RpcServerOptions options;
    options.address = at;
    options.id = "console";
    auto server = std::make_shared<rpc::RpcServer>(options);
    if (auto s = addDemoFunctions(*server, instanceId.toStdString()); !s) {
        return s;
    }
    if (auto s = server->start(); !s) {
        return s;
    }
    server_ = std::move(server);
    serverInstance_ = instanceId;
    emit stateChanged();
    return {};
}

void RpcWorkbench::stopServer(std::function<void()> done) {
    auto server = std::move(server_);
    server_.reset();
    serverInstance_.clear();
    emit stateChanged();
    lane_.run<int>(
        this,
        [server] {
            if (server) {
                server->stop();
            }
            return 0;
        },
        [done](int) {
            if (done) {
                done();
            }
        });
}

QString RpcWorkbench::serverAddress() const {
    return server_ ? QString::fromStdString(server_->address().toString()) : QString();
}

Status RpcWorkbench::openPool(const net::Address& at, int size) {
    if (pool_) {
        return makeError(Code::AlreadyStarted, "a client pool is open already");
    }
    rpc::RpcClientOptions options;
    options.address = at;
    options.id = "console";
    options.size = static_cast<size_t>(std::clamp(size, 1, kMaxConcurrency));
    options.maxOverflow = 10;
    options.callTimeout = rpc::Millis(30000);
    options.timeoutConnect = rpc::Millis(5000);
    auto pool = std::make_shared<rpc::RpcClientPool>(options);
    if (auto s = pool->start(); !s) {
        return s;
    }
    pool_ = std::move(pool);
    poolAddress_ = QString::fromStdString(at.toString());
    poolSize_ = static_cast<int>(options.size);
    emit stateChanged();
    return {};
}

void RpcWorkbench::openPoolWhenListening(const net::Address& at, int size,
                                         std::chrono::milliseconds timeout, QObject* receiver,
                                         std::function<void(Status)> done) {
    QPointer<QObject> target(receiver);
    lane_.run<Status>(
        this, [at, timeout] { return waitListening(at, timeout); },
        [this, at, size, target, done](Status s) {
            if (s) {
                s = openPool(at, size);
            }
            if (target) {
                done(s);
            }
        });
}

void RpcWorkbench::waitForAnswer(const QString& function, std::chrono::milliseconds timeout,
                                 QObject* receiver, std::function<void(Result<int>)> done) {
    if (!pool_) {
        done(makeError(Code::InvalidState, "no client pool"));
        return;
    }
    auto pool = pool_;
    lane_.run<Result<int>>(
        receiver,
        [pool, fun = function.toStdString(), timeout]() -> Result<int> {
            const auto deadline = std::chrono::steady_clock::now() + timeout;
            rpc::CallOptions once;
            once.retries = 0;
            once.timeout = rpc::Millis(5000);
            for (int attempt = 1;; ++attempt) {
                auto r = pool->callJson(fun, nullptr, once);
                if (r.ok()) {
                    return attempt;
                }
                if (std::chrono::steady_clock::now() >= deadline) {
                    return makeError(Code::Timeout, "no answer within " +
                                                        std::to_string(timeout.count() / 1000) +
                                                        " s: " + r.error().toString());
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
        },
        std::move(done));
}

Status RpcWorkbench::waitListening(const net::Address& at, std::chrono::milliseconds timeout) {
    if (at.isUds()) {
        return {};  // a unix socket is there or not; the pool reports it
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::milliseconds(10);
    for (;;) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(at.port());
        if (::inet_pton(AF_INET, at.host().c_str(), &sa.sin_addr) != 1) {
            return makeError(Code::InvalidArgument, "not an IPv4 address: " + at.toString());
        }
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return makeError(Code::IoError, "socket() failed");
        }
        const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
        ::close(fd);
        if (ok) {
            return {};
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return makeError(Code::Timeout, "nothing listens at " + at.toString());
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(200));
    }
}

void RpcWorkbench::closePool(std::function<void()> done) {
    cancelLoad();
    auto pool = std::move(pool_);
    pool_.reset();
    poolAddress_.clear();
    poolSize_ = 0;
    emit stateChanged();
    lane_.run<int>(
        this,
        [pool] {
            if (pool) {
                pool->stop();
            }
            return 0;
        },
        [done](int) {
            if (done) {
                done();
            }
        });
}

void RpcWorkbench::call(const QString& function, const nlohmann::json& arg, bool cast,
                        QObject* receiver, std::function<void(CallOutcome)> done) {
    if (!pool_) {
        CallOutcome out;
        out.text = tr("no client pool: open one on an upstream first");
        done(out);
        return;
    }
    auto pool = pool_;
    lane_.run<CallOutcome>(
        receiver,
        [pool, fun = function.toStdString(), arg, cast] {
            CallOutcome out;
            QElapsedTimer clock;
            clock.start();
            if (cast) {
                rpc::Payload payload;
                auto flag = rpc::SerializerRegistry::global().serialize(pool->options().serializer,
                                                                        arg, payload.bytes);
                if (!flag) {
                    out.text = QString::fromStdString(flag.error().message);
                    return out;
                }
                payload.serFlag = *flag;
                auto r = pool->cast(fun, payload);
                out.ok = r.ok();
                out.text = r.ok() ? QStringLiteral("ok (cast acknowledged)") : errorText(r.error());
            } else {
                auto r = pool->callJson(fun, arg);
                out.ok = r.ok();
                if (r.ok()) {
                    out.text = QString::fromStdString(r.value().dump());
                    out.instance = QString::fromStdString(instanceOf(r.value()));
                } else {
                    out.text = errorText(r.error());
                }
            }
            out.millis = static_cast<double>(clock.nsecsElapsed()) / 1e6;
            return out;
        },
        std::move(done));
}

Status RpcWorkbench::runLoad(const LoadSpec& spec) {
    if (!pool_) {
        return makeError(Code::InvalidState, "no client pool: open one on an upstream first");
    }
    if (load_) {
        return makeError(Code::InvalidState, "a load run is going already");
    }
    if (spec.calls < 1 || spec.calls > kMaxCalls) {
        return makeError(Code::InvalidArgument, "calls must be 1.." + std::to_string(kMaxCalls));
    }
    auto state = std::make_shared<LoadState>();
    state->total = spec.calls;
    const int workers = std::clamp(spec.concurrency, 1, std::min(kMaxConcurrency, spec.calls));
    state->workersLeft = workers;
    const QString label =
        spec.label.isEmpty() ? tr("run %1").arg(counts_.runCount() + 1) : spec.label;
    state->run = counts_.addRun(label);
    load_ = state;
    loadClock_.start();
    const nlohmann::json arg = nlohmann::json::array({spec.minSleepMs, spec.maxSleepMs});
    auto pool = pool_;
    const std::string fun = spec.function.toStdString();
    for (int i = 0; i < workers; ++i) {
        loadThreads_.start([state, pool, fun, arg] {
            while (!state->cancel.load()) {
                const int n = state->next.fetch_add(1);
                if (n >= state->total) {
                    break;
                }
                auto r = pool->callJson(fun, arg);
                std::lock_guard lock(state->mutex);
                if (r.ok()) {
                    const std::string who = instanceOf(r.value());
                    ++state->counts[who.empty() ? std::string("(unnamed)") : who];
                    ++state->ok;
                } else {
                    if (state->firstError.empty()) {
                        state->firstError = r.error().toString();
                    }
                    ++state->failed;
                }
            }
            --state->workersLeft;
        });
    }
    drawTimer_.start();
    emit stateChanged();
    return {};
}

void RpcWorkbench::cancelLoad() {
    if (load_) {
        load_->cancel = true;
    }
}

void RpcWorkbench::drawLoad() {
    if (!load_) {
        drawTimer_.stop();
        return;
    }
    std::map<std::string, int> counts;
    std::string firstError;
    {
        std::lock_guard lock(load_->mutex);
        counts = load_->counts;
        firstError = load_->firstError;
    }
    counts_.setCounts(load_->run, counts);
    const int ok = load_->ok.load();
    const int failed = load_->failed.load();
    emit loadProgress(ok + failed, load_->total, failed);
    if (load_->workersLeft.load() > 0) {
        return;
    }
    // Every worker has finished: read the totals again. The ones above may predate the last
    // calls of workers that finished between those reads and this check.
    {
        std::lock_guard lock(load_->mutex);
        counts = load_->counts;
        firstError = load_->firstError;
    }
    counts_.setCounts(load_->run, counts);
    drawTimer_.stop();
    LoadSummary summary;
    summary.run = load_->run;
    summary.calls = load_->total;
    summary.ok = load_->ok.load();
    summary.failed = load_->failed.load();
    emit loadProgress(summary.ok + summary.failed, summary.calls, summary.failed);
    summary.seconds = static_cast<double>(loadClock_.nsecsElapsed()) / 1e9;
    summary.firstError = QString::fromStdString(firstError);
    summary.counts = std::move(counts);
    load_.reset();
    lastLoad_ = summary;
    emit stateChanged();
    emit loadFinished(lastLoad_);
}

}  // namespace meshx::ui
