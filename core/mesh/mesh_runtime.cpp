#include "mesh/mesh_runtime.h"

namespace meshx::mesh {

MeshRuntime::MeshRuntime() : context_(new QObject) {
    thread_.setObjectName(QStringLiteral("meshx-runtime"));
    context_->moveToThread(&thread_);
    thread_.start();
}

MeshRuntime::~MeshRuntime() {
    // Children (supervisors, workers, listeners) are destroyed on their own thread, where their
    // QProcesses and timers live.
    QMetaObject::invokeMethod(
        context_, [this] { delete context_; }, Qt::BlockingQueuedConnection);
    thread_.quit();
    thread_.wait();
}

}  // namespace meshx::mesh
