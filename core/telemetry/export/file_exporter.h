#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace meshx::telemetry {

class TelemetryBus;

// Writes a process's RPC telemetry to a file as CSV or JSON lines (record_export.h), for
// programs without the console (`meshx rpc-bench`, a service embedding the RPC, a test). It
// holds one bounded bus subscription and drains it on a thread of its own every `period`,
// reading the typed events (no JSON tree per event; JSON lines are written from RpcRecords), so
// producers only pay the bus push. When the file cannot keep up the bus queue drops and counts
// (dropped()); producers never wait.
class FileExporter {
  public:
    enum class Format { Csv, JsonLines };

    struct Options {
        std::string path;
        Format format = Format::JsonLines;
        std::vector<std::string> fields;  // CSV columns; empty: record_export::csvFields()
        TelemetryBus* bus = nullptr;      // null: TelemetryBus::global()
        size_t queueCapacity = 65536;
        std::chrono::milliseconds period{100};
    };

    explicit FileExporter(Options options);
    // Stops (see stop()). The owning thread.
    ~FileExporter();
    FileExporter(const FileExporter&) = delete;
    FileExporter& operator=(const FileExporter&) = delete;

    // Opens (truncates) the file, writes the CSV header, subscribes and starts the thread.
    // Errors: IoError (the file), InvalidArgument (an unknown CSV field), AlreadyStarted.
    // Owning thread.
    Status start();
    // Writes what is queued, closes the file and joins the thread. Idempotent. Owning thread.
    void stop();

    // Records written so far. Any thread.
    uint64_t written() const;
    // Events the bus queue dropped because this exporter fell behind. Any thread.
    uint64_t dropped() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meshx::telemetry
