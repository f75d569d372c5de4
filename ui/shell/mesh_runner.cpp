#include "ui/shell/mesh_runner.h"

#include <QCoreApplication>

namespace meshx::ui {

MeshRunner::MeshRunner(QObject* parent) : QObject(parent) {
    commands_.setMaxThreadCount(1);
    queries_.setMaxThreadCount(1);
    // Threads stay for the session: a command after a quiet minute should not pay a thread start.
    commands_.setExpiryTimeout(-1);
    queries_.setExpiryTimeout(-1);
}

MeshRunner::~MeshRunner() {
    commands_.waitForDone();
    queries_.waitForDone();
}

void MeshRunner::waitForIdle() {
    commands_.waitForDone();
    queries_.waitForDone();
    // Deliver what the workers posted, so callers see the results applied.
    QCoreApplication::sendPostedEvents(this);
}

void MeshRunner::commandQueued(const QString& label) {
    labels_.push_back(label);
    emit busyChanged(true, labels_.front());
}

void MeshRunner::commandFinished() {
    if (!labels_.isEmpty()) {
        labels_.pop_front();
    }
    emit busyChanged(!labels_.isEmpty(), currentLabel());
}

}  // namespace meshx::ui
