#include "mesh/proxy_log_file.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <system_error>

namespace meshx::mesh {

namespace {

// `2026-12-06T20:55:08.123Z` for microseconds since the epoch.
std::string utcStamp(int64_t timeUs) {
    const std::time_t seconds = static_cast<std::time_t>(timeUs / 1000000);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char text[40];
    const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(timeUs / 1000 % 1000));
    return text;
}

}  // namespace

std::string ProxyLogFile::pathFor(const std::string& dir, const std::string& serviceId) {
    std::string name = serviceId;
    for (char& c : name) {
        if (c == '/' || c == '\0') {
            c = '_';
        }
    }
    return (std::filesystem::path(dir) / (name + ".log")).string();
}

Result<std::unique_ptr<ProxyLogFile>> ProxyLogFile::open(const std::string& dir,
                                                         const std::string& serviceId) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return makeError(Code::IoError,
                         "proxy_log_dir " + dir + " cannot be created: " + ec.message());
    }
    std::string path = pathFor(dir, serviceId);
    // "e": O_CLOEXEC, so the proxies we fork never inherit the descriptor.
    std::FILE* file = std::fopen(path.c_str(), "ae");
    if (file == nullptr) {
        return makeError(Code::IoError,
                         "proxy log " + path + " cannot be opened: " + std::strerror(errno));
    }
    return std::unique_ptr<ProxyLogFile>(new ProxyLogFile(file, std::move(path)));
}

ProxyLogFile::~ProxyLogFile() {
    std::fclose(file_);
}

void ProxyLogFile::append(const telemetry::LogLine& line) {
    const std::string stamp = utcStamp(line.timeUs);
    std::fprintf(file_, "%s %s %s%s\n", stamp.c_str(), telemetry::LogLine::streamName(line.stream),
                 line.line.c_str(), line.truncated ? " [truncated]" : "");
    std::fflush(file_);
}

}  // namespace meshx::mesh
