#pragma once

#include <QObject>

#include <memory>
#include <string>
#include <vector>

#include "consul/connect_types.h"
#include "engine/intention_verdicts.h"

namespace meshx::consul {
class BlockingWatcher;
class ConsulApi;
}  // namespace meshx::consul

namespace meshx::engine {

// The agent's intentions, kept current by a blocking query on /connect/intentions (a change
// arrives at once), with the verdicts they make. The console's intentions and upstreams models
// read it; it holds no widget.
//
// Thread: the thread that creates it (the GUI thread in the console); signals are emitted there.
// `api` must outlive it.
class IntentionsWatch : public QObject {
    Q_OBJECT

  public:
    explicit IntentionsWatch(consul::ConsulApi& api, QObject* parent = nullptr);
    ~IntentionsWatch() override;

    // Starts the blocking query (no-op when running). Owner's thread.
    void start();

    const std::vector<consul::Intention>& intentions() const { return intentions_; }
    // The verdicts of the last list the agent gave that was valid.
    const IntentionVerdicts& verdicts() const { return verdicts_; }
    // Empty while the watch works; the last error in words otherwise (no secret in it: the
    // client redacts tokens).
    const std::string& lastError() const { return lastError_; }
    // The agent answers again (the agent monitor said so): forget the error. A watch that still
    // fails says so again at its next retry. (BlockingWatcher reports errors but not recovery,
    // and a restarted agent may answer with the very index we already had.)
    void agentRecovered();

  signals:
    void changed();
    // The watch failed (agent gone...) or recovered (empty text).
    void errorChanged(const QString& error);

  private:
    void setError(std::string error);

    consul::ConsulApi& api_;
    std::unique_ptr<consul::BlockingWatcher> watcher_;
    std::vector<consul::Intention> intentions_;
    IntentionVerdicts verdicts_;
    std::string lastError_;
};

}  // namespace meshx::engine
