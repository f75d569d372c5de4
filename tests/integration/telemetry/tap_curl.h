#pragma once

// A tap read as docs/taps.md tells an outside client to: /usr/bin/curl as a process, nothing of
// Meshx linked. `tcp://HOST:PORT` is fetched from http://HOST:PORT, `unix:///PATH` with
// --unix-socket PATH. The stream's lines are parsed as they arrive.

#include <QDeadlineTimer>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

class TapCurl {
  public:
    TapCurl() = default;
    TapCurl(const TapCurl&) = delete;
    TapCurl& operator=(const TapCurl&) = delete;
    ~TapCurl() { stop(); }

    // The curl arguments for `path` (e.g. "/v1/tap?source=proxy") of the tap at `address`.
    static QStringList args(const std::string& address, const std::string& path,
                            const QStringList& extra = {}) {
        QStringList a = {QStringLiteral("-sN")};
        a += extra;
        const QString addr = QString::fromStdString(address);
        if (addr.startsWith(QStringLiteral("unix://"))) {
            a << QStringLiteral("--unix-socket") << addr.mid(7)
              << QStringLiteral("http://localhost") + QString::fromStdString(path);
        } else {
            QString host = addr;
            host.remove(QStringLiteral("tcp://"));
            a << QStringLiteral("http://") + host + QString::fromStdString(path);
        }
        return a;
    }

    bool start(const std::string& address, const std::string& path, const QStringList& extra = {}) {
        process_.start(QStringLiteral("/usr/bin/curl"), args(address, path, extra));
        return process_.waitForStarted(10000);
    }

    // Reads until `enough(lines so far)` or the deadline; true when enough.
    bool waitFor(const std::function<bool(const std::vector<nlohmann::json>&)>& enough,
                 int timeoutMs = 60000) {
        QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            take();
            if (enough(lines_)) {
                return true;
            }
            if (deadline.hasExpired() || process_.state() == QProcess::NotRunning) {
                take();
                return enough(lines_);
            }
            process_.waitForReadyRead(100);
        }
    }

    const std::vector<nlohmann::json>& lines() const { return lines_; }
    // Every raw byte curl printed so far (for a secret search and for failure messages).
    const QString& text() const { return text_; }

    void stop() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(5000);
        }
        take();
    }

    // A whole bodied answer (info, errors): `curl -s ADDRESS PATH`, stdout of the finished run.
    static QString fetch(const std::string& address, const std::string& path,
                         const QStringList& extra = {}) {
        QProcess p;
        p.start(QStringLiteral("/usr/bin/curl"), args(address, path, extra));
        if (!p.waitForStarted(10000) || !p.waitForFinished(30000)) {
            p.kill();
            p.waitForFinished(5000);
            return {};
        }
        return QString::fromUtf8(p.readAllStandardOutput());
    }

  private:
    void take() {
        partial_ += process_.readAllStandardOutput();
        qsizetype nl;
        while ((nl = partial_.indexOf('\n')) >= 0) {
            const QByteArray line = partial_.left(nl);
            partial_.remove(0, nl + 1);
            text_ += QString::fromUtf8(line) + QLatin1Char('\n');
            auto j = nlohmann::json::parse(line.toStdString(), nullptr, false);
            if (j.is_object()) {
                lines_.push_back(std::move(j));
            }
        }
    }

    QProcess process_;
    QByteArray partial_;
    QString text_;
    std::vector<nlohmann::json> lines_;
};
