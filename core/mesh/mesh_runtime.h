#pragma once

#include <QObject>
#include <QThread>

#include <memory>
#include <optional>
#include <type_traits>

namespace meshx::mesh {

// The engine's event-loop thread. TTL workers' timers, proxy supervisors' QProcesses and dummy
// listeners live here, so they keep running while a blocking command (start waiting for passing,
// a slow agent) holds its caller's thread.
class MeshRuntime {
  public:
    MeshRuntime();
    // Runs pending work, then stops the thread; objects still parented to context() are deleted on
    // it first.
    ~MeshRuntime();

    // Parent for objects that must live on the runtime thread. Any thread.
    QObject* context() const { return context_; }

    // Runs `f` on the runtime thread and returns its result, blocking the caller. Runs inline when
    // called from the runtime thread itself. Any thread.
    template <typename F>
    auto run(F&& f) -> std::invoke_result_t<F> {
        using R = std::invoke_result_t<F>;
        if (QThread::currentThread() == &thread_) {
            return f();
        }
        if constexpr (std::is_void_v<R>) {
            QMetaObject::invokeMethod(context_, std::forward<F>(f), Qt::BlockingQueuedConnection);
        } else {
            std::optional<R> result;
            QMetaObject::invokeMethod(
                context_, [&] { result.emplace(f()); }, Qt::BlockingQueuedConnection);
            return std::move(*result);
        }
    }

  private:
    QThread thread_;
    QObject* context_;
};

}  // namespace meshx::mesh
