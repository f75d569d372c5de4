#include "ui/demo/demo_process.h"

#include <sys/prctl.h>

#include <csignal>

namespace meshx::ui {

namespace {
constexpr int kMaxLines = 2000;
}

DemoProcess::DemoProcess(const QString& label, QObject* parent) : QObject(parent), label_(label) {
    process_.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    connect(&process_, &QProcess::readyReadStandardOutput, this,
            [this] { readChannel(QProcess::StandardOutput); });
    connect(&process_, &QProcess::readyReadStandardError, this,
            [this] { readChannel(QProcess::StandardError); });
    connect(&process_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        readChannel(QProcess::StandardOutput);
        readChannel(QProcess::StandardError);
        exited_ = true;
        emit finished(label_, code, status == QProcess::CrashExit);
    });
    connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart) {
            exited_ = true;
            emit line(label_, tr("cannot start: %1").arg(process_.errorString()));
            emit finished(label_, 127, true);
        }
    });
}

DemoProcess::~DemoProcess() {
    if (running()) {
        process_.kill();
        process_.waitForFinished(5000);
    }
}

void DemoProcess::start(const QString& program, const QStringList& args,
                        const QProcessEnvironment& env, const QString& shownCommand) {
    process_.setProcessEnvironment(env);
    emit line(label_, QStringLiteral("$ ") + shownCommand);
    process_.start(program, args);
}

QString DemoProcess::findLine(const std::function<bool(const QString&)>& match) const {
    for (const QString& l : lines_) {
        if (match(l)) {
            return l;
        }
    }
    return {};
}

void DemoProcess::terminate() {
    if (running()) {
        process_.terminate();
    }
}

void DemoProcess::kill() {
    if (running()) {
        process_.kill();
    }
}

bool DemoProcess::waitForExit(int ms) {
    if (!running()) {
        return true;
    }
    return process_.waitForFinished(ms);
}

void DemoProcess::readChannel(QProcess::ProcessChannel channel) {
    process_.setReadChannel(channel);
    QByteArray& buf = pending_[channel == QProcess::StandardOutput ? 0 : 1];
    buf += process_.readAll();
    qsizetype nl = 0;
    while ((nl = buf.indexOf('\n')) >= 0) {
        const QString text = QString::fromUtf8(buf.left(nl)).trimmed();
        buf.remove(0, nl + 1);
        if (text.isEmpty()) {
            continue;
        }
        if (lines_.size() < kMaxLines) {
            lines_ << text;
        }
        emit line(label_, text);
    }
}

}  // namespace meshx::ui
