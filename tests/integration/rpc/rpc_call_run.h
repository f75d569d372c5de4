#pragma once

// `meshx rpc-call` as a child process whose per-call lines are read while it runs, each stamped
// with the time it arrived (the command flushes every line), so a test or a benchmark can act
// mid-run (kill something after N calls) and compute throughput over time windows.

#include <QByteArray>
#include <QElapsedTimer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "process_runner.h"

class RpcCallRun {
  public:
    struct Call {
        double atMs = 0;  // when its line arrived, since start()
        bool ok = false;
        double ms = 0;  // the call's own duration, as the command measured it
        std::string servedBy;
        std::string error;
    };

    RpcCallRun() = default;
    RpcCallRun(const RpcCallRun&) = delete;
    RpcCallRun& operator=(const RpcCallRun&) = delete;
    ~RpcCallRun() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(5000);
        }
    }

    // Starts `meshx rpc-call ARGS` with stderr in `errFile`. False when it did not start.
    bool start(const QStringList& args, const QProcessEnvironment& env, const QString& errFile) {
        process_.setProcessEnvironment(env);
        process_.setStandardErrorFile(errFile);
        clock_.start();
        process_.start(meshxBinary(QStringLiteral("meshx")), QStringList{"rpc-call"} + args);
        return process_.waitForStarted(10000);
    }
    // Waits up to `ms` for output and takes in every complete line. False once it has exited
    // and everything it printed was read.
    bool poll(int ms) {
        process_.waitForReadyRead(ms);
        consume();
        if (process_.state() == QProcess::NotRunning) {
            consume();
            return false;
        }
        return true;
    }
    void kill() {
        process_.kill();
        process_.waitForFinished(5000);
    }
    double elapsedMs() const { return static_cast<double>(clock_.nsecsElapsed()) / 1e6; }
    int exitCode() const {
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }

    const std::vector<Call>& calls() const { return calls_; }
    const nlohmann::json& summary() const { return summary_; }
    int failed() const {
        return static_cast<int>(
            std::count_if(calls_.begin(), calls_.end(), [](const Call& c) { return !c.ok; }));
    }
    // The longest call, among those that completed at or after `fromMs` of the run.
    double slowestMs(double fromMs = 0) const {
        double m = 0;
        for (const auto& c : calls_) {
            if (c.atMs >= fromMs) {
                m = std::max(m, c.ms);
            }
        }
        return m;
    }
    std::map<std::string, int> servedBy() const {
        std::map<std::string, int> out;
        for (const auto& c : calls_) {
            if (c.ok) {
                out[c.servedBy] += 1;
            }
        }
        return out;
    }
    // Calls completed per second in [fromMs, toMs) of the run.
    double callsPerSecond(double fromMs, double toMs) const {
        if (toMs <= fromMs) {
            return 0;
        }
        auto n = std::count_if(calls_.begin(), calls_.end(),
                               [&](const Call& c) { return c.atMs >= fromMs && c.atMs < toMs; });
        return static_cast<double>(n) * 1000.0 / (toMs - fromMs);
    }

  private:
    void consume() {
        pending_ += process_.readAllStandardOutput();
        const double now = elapsedMs();
        qsizetype nl;
        while ((nl = pending_.indexOf('\n')) >= 0) {
            const std::string line = pending_.left(nl).toStdString();
            pending_.remove(0, nl + 1);
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (!j.is_object()) {
                continue;
            }
            if (j.value("summary", false)) {
                summary_ = std::move(j);
                continue;
            }
            Call c;
            c.atMs = now;
            c.ok = j.value("ok", false);
            c.ms = j.value("ms", 0.0);
            if (j.contains("served_by") && j["served_by"].is_string()) {
                c.servedBy = j["served_by"].get<std::string>();
            }
            if (j.contains("error") && j["error"].is_string()) {
                c.error = j["error"].get<std::string>();
            }
            calls_.push_back(std::move(c));
        }
    }

    QProcess process_;
    QElapsedTimer clock_;
    QByteArray pending_;
    std::vector<Call> calls_;
    nlohmann::json summary_;
};
