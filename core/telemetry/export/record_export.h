#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "telemetry/rpc_record.h"

namespace meshx::telemetry::record_export {

// The formats of a telemetry export, shared by the console's Export buttons and headless
// programs (FileExporter), so a CSV or JSON-lines file means the same whoever wrote it.
//
// CSV: a header of field names (the display filter's names: time, source, event, fun, t.ser...),
// then one row per record. `time` is microseconds since the epoch; t.ser/t.dser are microseconds
// with the nanoseconds kept (0.412); other times whole microseconds; sizes in bytes. A cell with
// a comma, quote or line break is quoted ("" for a quote).
//
// JSON lines: one RpcRecord::toJson() object per line (seq, time_us, source, event, meta,
// metrics; metrics.time_ns when ser/dser are known in nanoseconds).
//
// Pure; any thread.

// Every field CSV knows, in the console's column order.
const std::vector<std::string>& csvFields();
// True when `field` is one of csvFields().
bool isCsvField(std::string_view field);
// One record's value for `field` ("" for an unknown field or an absent value).
std::string fieldText(const RpcRecord& record, std::string_view field);

void appendCsvHeader(std::string& out, const std::vector<std::string>& fields);
void appendCsvRow(std::string& out, const RpcRecord& record,
                  const std::vector<std::string>& fields);
void appendJsonLine(std::string& out, const RpcRecord& record);

// Microseconds from nanoseconds, exact: 412 -> "0.412", 3000 -> "3", 2500 -> "2.5".
std::string exactMicros(int64_t ns);

}  // namespace meshx::telemetry::record_export
