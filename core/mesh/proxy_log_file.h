#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "common/result.h"
#include "telemetry/log_line.h"

namespace meshx::mesh {

// Appends a supervised proxy's output lines to `<dir>/<service-id>.log` (config key
// `proxy_log_dir`), one line each: `2026-12-06T20:55:08.123Z stderr <text>`.
//
// Why on disk as well as in the ring and on the bus: the ring dies with the engine, and an
// operator (or a test) asking why a sidecar ejected an instance a minute ago needs the lines
// after the `meshx` command that ran it has exited. Proxies never print secrets, so the file
// holds none either; it is opened in append mode so restarts of one service share a file.
//
// Thread: one owner thread (the supervisor's engine thread).
class ProxyLogFile {
  public:
    // Opens (creating `dir` when missing) the file for `serviceId`. IoError naming the path when
    // the directory or file cannot be used.
    static Result<std::unique_ptr<ProxyLogFile>> open(const std::string& dir,
                                                      const std::string& serviceId);
    ~ProxyLogFile();
    ProxyLogFile(const ProxyLogFile&) = delete;
    ProxyLogFile& operator=(const ProxyLogFile&) = delete;

    // Writes one line and flushes it, so a reader sees it even if the engine is killed next.
    void append(const telemetry::LogLine& line);

    // `<dir>/<serviceId>.log`, with characters that cannot be in one file name ('/' and NUL)
    // replaced by '_'.
    static std::string pathFor(const std::string& dir, const std::string& serviceId);
    const std::string& path() const { return path_; }

  private:
    ProxyLogFile(std::FILE* file, std::string path) : file_(file), path_(std::move(path)) {}

    std::FILE* file_;
    const std::string path_;
};

}  // namespace meshx::mesh
