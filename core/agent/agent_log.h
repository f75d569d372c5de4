#pragma once

#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace meshx::agent {

enum class LogLevel { Trace = 0, Debug, Info, Warn, Error, Off };

// "trace", "debug", "info", "warn", "err"/"error" (Consul's -log-level values).
Result<LogLevel> parseLogLevel(std::string_view text);

// hclog-style lines like Consul's agent writes them:
//   2024-05-01T10:00:00.123Z [INFO]  agent: Synced service: service=web
// Never give it secrets (tokens are redacted by the callers). Any thread.
class AgentLog {
  public:
    using Sink = std::function<void(LogLevel level, const std::string& line)>;

    AgentLog(LogLevel level, Sink sink) : level_(level), sink_(std::move(sink)) {}

    bool enabled(LogLevel level) const { return level >= level_ && level_ != LogLevel::Off; }
    void log(LogLevel level, std::string_view logger, std::string_view message,
             std::initializer_list<std::pair<std::string_view, std::string>> fields = {});

    // Writes to stdout (or stderr) and flushes each line.
    static Sink stdoutSink();
    static Sink stderrSink();

  private:
    LogLevel level_;
    Sink sink_;
    std::mutex mutex_;
};

}  // namespace meshx::agent
