#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "net/address.h"
#include "ui/rpc/instance_count_model.h"
#include "ui/shared/background_lane.h"

namespace meshx::rpc {
class RpcClientPool;
class RpcServer;
}  // namespace meshx::rpc

namespace meshx::ui {

// The RPC page's engine-side state, kept out of the widgets: an in-process RPC server with the
// demo functions (on the endpoint of a mesh service), a client pool (on an upstream's local
// address), single calls and casts, and load runs whose per-instance tally feeds an
// InstanceCountModel. The guided demos drive the same object.
//
// Every RPC runs on worker threads; results come back on the GUI thread. Load runs follow the
// tap-then-draw rule: workers add to a locked tally, a ~30 Hz GUI timer copies it into the model.
// Thread: GUI thread.
class RpcWorkbench : public QObject {
    Q_OBJECT

  public:
    struct CallOutcome {
        bool ok = false;
        QString text;      // the result as JSON, or the error in words
        QString instance;  // the serving instance when the result names one
        double millis = 0;
    };

    struct LoadSpec {
        QString function = QStringLiteral("do_work");
        int calls = 20;
        int concurrency = 20;
        int minSleepMs = 50;
        int maxSleepMs = 200;
        QString label;  // column title; empty: "run N"
    };

    struct LoadSummary {
        int run = -1;
        int calls = 0;
        int ok = 0;
        int failed = 0;
        double seconds = 0;
        QString firstError;
        std::map<std::string, int> counts;
    };

    explicit RpcWorkbench(QObject* parent = nullptr);
    // Cancels a load run, stops the pool and the server, and waits for their threads.
    ~RpcWorkbench() override;

    // Server: binds `at` and serves echo, ping, do_work, hostname as `instanceId`.
    Status startServer(const net::Address& at, const QString& instanceId);
    // Stops the server off the GUI thread (a do_work in progress is waited for); `done` after.
    void stopServer(std::function<void()> done = {});
    bool serverRunning() const { return server_ != nullptr; }
    QString serverAddress() const;
    QString serverInstance() const { return serverInstance_; }

    // Client pool of `size` workers on `at` (workers connect in the background).
    Status openPool(const net::Address& at, int size);
    // The same once something accepts TCP connections at `at` (a sidecar learns about a new
    // upstream from the agent a moment after connect() returns): polled off the GUI thread for
    // up to `timeout`, then the pool opens; `done` on the GUI thread.
    void openPoolWhenListening(const net::Address& at, int size, std::chrono::milliseconds timeout,
                               QObject* receiver, std::function<void(Status)> done);
    // Calls `function` (no argument) through the pool until one call succeeds or `timeout`
    // passes: a fresh mesh path (sidecar certificates, the upstream's view of healthy instances)
    // may refuse the first connections. `done` gets the number of calls it took, or the last
    // error. GUI thread; the calls run off it.
    void waitForAnswer(const QString& function, std::chrono::milliseconds timeout,
                       QObject* receiver, std::function<void(Result<int>)> done);
    // Blocks up to `timeout` until a TCP connect to `at` succeeds. Any thread.
    static Status waitListening(const net::Address& at, std::chrono::milliseconds timeout);
    void closePool(std::function<void()> done = {});
    bool poolOpen() const { return pool_ != nullptr; }
    QString poolAddress() const { return poolAddress_; }
    int poolSize() const { return poolSize_; }

    // One call (or cast) with a JSON argument.
    void call(const QString& function, const nlohmann::json& arg, bool cast, QObject* receiver,
              std::function<void(CallOutcome)> done);

    // Starts a load run (NotConnected-style InvalidState when no pool or a run is going).
    Status runLoad(const LoadSpec& spec);
    bool loadRunning() const { return load_ != nullptr; }
    void cancelLoad();
    const LoadSummary& lastLoad() const { return lastLoad_; }

    InstanceCountModel& counts() { return counts_; }

  signals:
    void stateChanged();
    void loadProgress(int done, int total, int failed);
    void loadFinished(const meshx::ui::RpcWorkbench::LoadSummary& summary);

  private:
    struct LoadState {
        std::mutex mutex;
        std::map<std::string, int> counts;
        std::string firstError;
        std::atomic<int> next{0};
        std::atomic<int> ok{0};
        std::atomic<int> failed{0};
        std::atomic<int> workersLeft{0};
        std::atomic<bool> cancel{false};
        int total = 0;
        int run = -1;
    };

    void drawLoad();

    BackgroundLane lane_;
    QThreadPool loadThreads_;
    std::shared_ptr<rpc::RpcServer> server_;
    QString serverInstance_;
    std::shared_ptr<rpc::RpcClientPool> pool_;
    QString poolAddress_;
    int poolSize_ = 0;
    std::shared_ptr<LoadState> load_;
    QElapsedTimer loadClock_;
    QTimer drawTimer_;
    LoadSummary lastLoad_;
    InstanceCountModel counts_;
};

}  // namespace meshx::ui
