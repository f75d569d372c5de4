#pragma once

// Real processes for the proxy integration tests: `meshx-agent -dev` (address read from its
// banner) and `meshx-proxy` sidecars whose output goes to a file (a pipe nobody drains could
// block the proxy's logging).

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <string>

#include "meshx_test.h"
#include "process_runner.h"

class MeshProcess {
  public:
    explicit MeshProcess(QString logFile) : logFile_(std::move(logFile)) {}
    MeshProcess(const MeshProcess&) = delete;
    MeshProcess& operator=(const MeshProcess&) = delete;
    ~MeshProcess() { kill(); }

    bool start(const QString& program, const QStringList& args) {
        process_.setStandardOutputFile(logFile_);
        process_.setStandardErrorFile(logFile_ + ".err");
        process_.start(meshxBinary(program), args);
        return process_.waitForStarted(10000);
    }
    // SIGTERM, then the exit code (-1 when it had to be killed or crashed).
    int terminate(int timeoutMs = 15000) {
        if (process_.state() == QProcess::NotRunning) {
            return exitCode();
        }
        process_.terminate();
        if (!process_.waitForFinished(timeoutMs)) {
            kill();
            return -1;
        }
        return exitCode();
    }
    void kill() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(5000);
        }
    }
    bool running() const { return process_.state() != QProcess::NotRunning; }
    QString output() const { return read(logFile_); }
    QString errors() const { return read(logFile_ + ".err"); }

  private:
    int exitCode() const {
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }
    static QString read(const QString& path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }
    QString logFile_;
    QProcess process_;
};

// `meshx-agent -dev -http-port PORT` (0 = any); address() once the banner names it.
class DevAgent {
  public:
    explicit DevAgent(const QString& dir) : process_(dir + "/agent.log") {}

    bool start(uint16_t port = 0) {
        if (!process_.start("meshx-agent",
                            {"-dev", "-http-port", QString::number(port), "-node", "proxy-it"})) {
            return false;
        }
        static const QRegularExpression kAddress(QStringLiteral("HTTP address: (\\S+)"));
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 30000 && process_.running()) {
            if (auto m = kAddress.match(process_.output()); m.hasMatch()) {
                address_ = m.captured(1).toStdString();
                return true;
            }
            QTest::qWait(20);
        }
        return false;
    }
    const std::string& address() const { return address_; }
    QString output() const { return process_.output(); }

  private:
    MeshProcess process_;
    std::string address_;
};
