#include "agent/agent_log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace meshx::agent {

Result<LogLevel> parseLogLevel(std::string_view text) {
    std::string t;
    for (char c : text) {
        t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    if (t == "trace") {
        return LogLevel::Trace;
    }
    if (t == "debug") {
        return LogLevel::Debug;
    }
    if (t == "info") {
        return LogLevel::Info;
    }
    if (t == "warn") {
        return LogLevel::Warn;
    }
    if (t == "err" || t == "error") {
        return LogLevel::Error;
    }
    if (t == "off") {
        return LogLevel::Off;
    }
    return makeError(Code::InvalidArgument, "unknown log level '" + std::string(text) +
                                                "' (use trace, debug, info, warn or err)");
}

void AgentLog::log(LogLevel level, std::string_view logger, std::string_view message,
                   std::initializer_list<std::pair<std::string_view, std::string>> fields) {
    if (!enabled(level) || !sink_) {
        return;
    }
    const auto now = std::chrono::system_clock::now();
    const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - secs).count();
    const std::time_t tt = std::chrono::system_clock::to_time_t(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char stamp[40];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    static constexpr const char* kTags[] = {"[TRACE]",  "[DEBUG]", "[INFO]  ",
                                            "[WARN]  ", "[ERROR]", "[OFF]"};
    char head[96];
    std::snprintf(head, sizeof head, "%s.%03dZ %s", stamp, static_cast<int>(ms),
                  kTags[static_cast<int>(level)]);
    std::string line = head;
    if (level == LogLevel::Trace || level == LogLevel::Debug || level == LogLevel::Error) {
        line += ' ';
    }
    line += logger;
    line += ": ";
    line += message;
    bool first = true;
    for (const auto& [k, v] : fields) {
        line += first ? ": " : " ";
        first = false;
        line += k;
        line += '=';
        if (v.find_first_of(" \t\"") != std::string::npos || v.empty()) {
            line += '"';
            for (char c : v) {
                if (c == '"' || c == '\\') {
                    line += '\\';
                }
                line += c;
            }
            line += '"';
        } else {
            line += v;
        }
    }
    std::lock_guard lock(mutex_);
    sink_(level, line);
}

AgentLog::Sink AgentLog::stdoutSink() {
    return [](LogLevel, const std::string& line) {
        std::fprintf(stdout, "%s\n", line.c_str());
        std::fflush(stdout);
    };
}

AgentLog::Sink AgentLog::stderrSink() {
    return [](LogLevel, const std::string& line) {
        std::fprintf(stderr, "%s\n", line.c_str());
        std::fflush(stderr);
    };
}

}  // namespace meshx::agent
