#include "proxy/logger.h"

#include <sys/time.h>

#include <cctype>
#include <cstdio>
#include <ctime>

namespace meshx::proxy {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

// hclog's time layout: 2006-01-02T15:04:05.000Z0700 (Z for UTC, else +hhmm).
std::string timestamp() {
    timeval tv{};
    ::gettimeofday(&tv, nullptr);
    std::tm tm{};
    ::localtime_r(&tv.tv_sec, &tm);
    char base[32];
    std::strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    char zone[8];
    if (tm.tm_gmtoff == 0) {
        zone[0] = 'Z';
        zone[1] = '\0';
    } else {
        std::strftime(zone, sizeof zone, "%z", &tm);
    }
    char out[64];
    std::snprintf(out, sizeof out, "%s.%03d%s", base, static_cast<int>(tv.tv_usec / 1000), zone);
    return out;
}

bool needsQuotes(std::string_view v) {
    if (v.empty()) {
        return true;
    }
    for (char c : v) {
        auto u = static_cast<unsigned char>(c);
        if (u <= ' ' || c == '"' || c == '=' || u >= 0x7f) {
            return true;
        }
    }
    return false;
}

void appendQuoted(std::string& out, std::string_view v) {
    out.push_back('"');
    for (char c : v) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (static_cast<unsigned char>(c) < ' ') {
                    char esc[8];
                    std::snprintf(esc, sizeof esc, "\\x%02x", static_cast<unsigned char>(c));
                    out += esc;
                } else {
                    out.push_back(c);
                }
        }
    }
    out.push_back('"');
}

const char* levelTag(Logger::Level level) {
    switch (level) {
        case Logger::Level::Trace:
            return "[TRACE]";
        case Logger::Level::Debug:
            return "[DEBUG]";
        case Logger::Level::Info:
            return "[INFO] ";
        case Logger::Level::Warn:
            return "[WARN] ";
        case Logger::Level::Error:
        case Logger::Level::Off:
            return "[ERROR]";
    }
    return "[ERROR]";
}

}  // namespace

Result<Logger::Level> Logger::parseLevel(std::string_view text) {
    std::string l = lower(text);
    if (l == "trace") {
        return Level::Trace;
    }
    if (l == "debug") {
        return Level::Debug;
    }
    if (l == "info") {
        return Level::Info;
    }
    if (l == "warn" || l == "warning") {
        return Level::Warn;
    }
    if (l == "err" || l == "error") {
        return Level::Error;
    }
    return makeError(Code::InvalidArgument, "unknown log level '" + std::string(text) +
                                                "' (trace, debug, info, warn, err)");
}

Logger::Logger(Level minimum, std::string indent)
    : minimum_(minimum),
      sink_([](const std::string& line) {
          std::fwrite(line.data(), 1, line.size(), stdout);
          std::fflush(stdout);
      }),
      indent_(std::move(indent)) {}

Logger::Logger(Level minimum, Sink sink, std::string indent)
    : minimum_(minimum), sink_(std::move(sink)), indent_(std::move(indent)) {}

std::string Logger::format(Level level, std::string_view name, std::string_view message,
                           std::initializer_list<Field> fields, const std::string& ts) {
    std::string line = ts;
    line += ' ';
    line += levelTag(level);
    line += ' ';
    line += name;
    line += ": ";
    line += message;
    if (fields.size() > 0) {
        line += ':';
        for (const auto& [key, value] : fields) {
            line += ' ';
            line += key;
            line += '=';
            if (needsQuotes(value)) {
                appendQuoted(line, value);
            } else {
                line += value;
            }
        }
    }
    return line;
}

void Logger::log(Level level, std::string_view name, std::string_view message,
                 std::initializer_list<Field> fields) {
    if (!enabled(level)) {
        return;
    }
    std::string line = indent_ + format(level, name, message, fields, timestamp()) + "\n";
    std::lock_guard lock(mutex_);
    sink_(line);
}

}  // namespace meshx::proxy
