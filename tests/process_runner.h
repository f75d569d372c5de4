#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

// Runs a program of the build tree to completion (bounded by a deadline) and keeps its output.
struct ProcessRun {
    int exitCode = -1;
    bool finished = false;
    QString out;
    QString err;
};

inline QString meshxBinary(const QString& name) {
    return QStringLiteral(MESHX_BIN_DIR) + QLatin1Char('/') + name;
}

inline ProcessRun runProcess(const QString& program, const QStringList& args, int timeoutMs = 30000,
                             const QByteArray& stdinData = {}) {
    QProcess p;
    p.start(program, args);
    ProcessRun r;
    if (!p.waitForStarted(timeoutMs)) {
        r.err = p.errorString();
        return r;
    }
    if (!stdinData.isEmpty()) {
        p.write(stdinData);
    }
    p.closeWriteChannel();
    r.finished = p.waitForFinished(timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}
