#include "telemetry/export/record_export.h"

#include <algorithm>

namespace meshx::telemetry::record_export {

namespace {

std::string csvCell(const std::string& v) {
    if (v.find_first_of(",\"\r\n") == std::string::npos) {
        return v;
    }
    std::string e = "\"";
    for (const char c : v) {
        if (c == '"') {
            e += '"';
        }
        e += c;
    }
    e += '"';
    return e;
}

std::string ref(const std::optional<uint64_t>& v) {
    return v ? std::to_string(*v) : std::string();
}

int64_t nsOr(int64_t ns, int64_t us) {
    return ns != 0 ? ns : us * 1000;
}

}  // namespace

const std::vector<std::string>& csvFields() {
    static const std::vector<std::string> kFields = {"time",           "process",
                                                     "service",        "source",
                                                     "event",          "fun",
                                                     "kind",           "result",
                                                     "hsk_ref",        "req_ref",
                                                     "local.conn_ref", "remote.conn_ref",
                                                     "remote.svc_ref", "remote.node_ref",
                                                     "blocks.send",    "blocks.recv",
                                                     "size.send",      "size.recv",
                                                     "t.ser",          "t.dser",
                                                     "t.exec",         "t.send",
                                                     "t.recv",         "t.hsk",
                                                     "t.idle",         "t.req"};
    return kFields;
}

bool isCsvField(std::string_view field) {
    const auto& f = csvFields();
    return std::find(f.begin(), f.end(), field) != f.end();
}

std::string exactMicros(int64_t ns) {
    const bool negative = ns < 0;
    const uint64_t a = negative ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
    std::string text = (negative ? "-" : "") + std::to_string(a / 1000);
    if (const uint64_t frac = a % 1000; frac != 0) {
        std::string digits = std::to_string(frac);
        digits.insert(0, 3 - digits.size(), '0');
        while (digits.back() == '0') {
            digits.pop_back();
        }
        text += '.' + digits;
    }
    return text;
}

std::string fieldText(const RpcRecord& r, std::string_view f) {
    if (f == "time")
        return std::to_string(r.timeUs);
    if (f == "process")
        return r.process;
    if (f == "service")
        return r.service;
    if (f == "source")
        return r.source;
    if (f == "event")
        return r.event;
    if (f == "fun")
        return r.fun;
    if (f == "kind")
        return r.kind;
    if (f == "result")
        return r.result;
    if (f == "hsk_ref")
        return ref(r.hskRef);
    if (f == "req_ref")
        return ref(r.reqRef);
    if (f == "local.conn_ref")
        return r.localConn;
    if (f == "remote.conn_ref")
        return r.remoteConn;
    if (f == "remote.svc_ref")
        return r.remoteSvc;
    if (f == "remote.node_ref")
        return r.remoteNode;
    if (f == "blocks.send")
        return std::to_string(r.blocksSend);
    if (f == "blocks.recv")
        return std::to_string(r.blocksRecv);
    if (f == "size.send")
        return std::to_string(r.sizeSend);
    if (f == "size.recv")
        return std::to_string(r.sizeRecv);
    if (f == "t.ser")
        return exactMicros(nsOr(r.tSerNs, r.tSer));
    if (f == "t.dser")
        return exactMicros(nsOr(r.tDserNs, r.tDser));
    if (f == "t.exec")
        return std::to_string(r.tExec);
    if (f == "t.send")
        return std::to_string(r.tSend);
    if (f == "t.recv")
        return std::to_string(r.tRecv);
    if (f == "t.hsk")
        return std::to_string(r.tHsk);
    if (f == "t.idle")
        return std::to_string(r.tIdle);
    if (f == "t.req")
        return std::to_string(r.requestUs());
    return {};
}

void appendCsvHeader(std::string& out, const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += csvCell(fields[i]);
    }
    out += '\n';
}

void appendCsvRow(std::string& out, const RpcRecord& record,
                  const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        out += csvCell(fieldText(record, fields[i]));
    }
    out += '\n';
}

void appendJsonLine(std::string& out, const RpcRecord& record) {
    out += record.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
}

}  // namespace meshx::telemetry::record_export
