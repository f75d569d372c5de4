#pragma once

#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"

namespace meshx::proxy {

// hclog-style lines, the format of Consul's proxy so tools that read one read the other:
//
//     2024-05-01T10:00:00.123+0200 [ERROR] proxy.inbound: failed to dial: error="dial tcp ..."
//
// `[INFO]` and `[WARN]` carry one extra space so messages align; values with spaces, quotes or
// `=` are double-quoted with Go escaping. Lines are indented by `indent` (Consul's CLI prints
// its log through an indenting writer).
class Logger {
  public:
    enum class Level { Trace, Debug, Info, Warn, Error, Off };
    using Field = std::pair<std::string_view, std::string_view>;
    using Sink = std::function<void(const std::string& line)>;

    // `trace`, `debug`, `info`, `warn`, `err`/`error` (any case). Error: InvalidArgument.
    static Result<Level> parseLevel(std::string_view text);

    // Any thread. Writes each line to stdout and flushes it (a supervisor reads it live).
    explicit Logger(Level minimum = Level::Info, std::string indent = "    ");
    // Any thread. Lines go to `sink` (tests capture them).
    Logger(Level minimum, Sink sink, std::string indent = "");

    // Any thread.
    bool enabled(Level level) const { return level >= minimum_; }
    void log(Level level, std::string_view name, std::string_view message,
             std::initializer_list<Field> fields = {});
    void error(std::string_view name, std::string_view message,
               std::initializer_list<Field> fields = {}) {
        log(Level::Error, name, message, fields);
    }
    void warn(std::string_view name, std::string_view message,
              std::initializer_list<Field> fields = {}) {
        log(Level::Warn, name, message, fields);
    }
    void info(std::string_view name, std::string_view message,
              std::initializer_list<Field> fields = {}) {
        log(Level::Info, name, message, fields);
    }
    void debug(std::string_view name, std::string_view message,
               std::initializer_list<Field> fields = {}) {
        log(Level::Debug, name, message, fields);
    }

    // The line log() would write, without indent (exposed for tests).
    static std::string format(Level level, std::string_view name, std::string_view message,
                              std::initializer_list<Field> fields, const std::string& timestamp);

  private:
    Level minimum_;
    Sink sink_;
    std::string indent_;
    std::mutex mutex_;
};

}  // namespace meshx::proxy
