#include "ui/telemetry/telemetry_stream_model.h"

#include "telemetry/export/record_export.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QIODevice>

#include <algorithm>

namespace meshx::ui {

using telemetry::RpcRecord;

namespace {

struct ColumnSpec {
    const char* title;
    const char* field;
};

constexpr ColumnSpec kColumns[TelemetryStreamModel::ColumnCount] = {
    {"Time", "time"},
    {"Process", "process"},
    {"Service", "service"},
    {"Source", "source"},
    {"Event", "event"},
    {"Function", "fun"},
    {"Kind", "kind"},
    {"Result", "result"},
    {"hsk_ref", "hsk_ref"},
    {"req_ref", "req_ref"},
    {"Local conn", "local.conn_ref"},
    {"Remote conn", "remote.conn_ref"},
    {"Remote svc", "remote.svc_ref"},
    {"Remote node", "remote.node_ref"},
    {"Blocks sent", "blocks.send"},
    {"Blocks recv", "blocks.recv"},
    {"Bytes sent", "size.send"},
    {"Bytes recv", "size.recv"},
    {"ser µs", "t.ser"},
    {"dser µs", "t.dser"},
    {"exec µs", "t.exec"},
    {"send µs", "t.send"},
    {"recv µs", "t.recv"},
    {"hsk µs", "t.hsk"},
    {"idle µs", "t.idle"},
    {"req µs", "t.req"},
};

// Microseconds from nanoseconds, keeping what a whole-µs column would lose: 412 ns is "0.4",
// 38 ns "0.038", 2500 ns "2.5"; from 10 µs on whole microseconds.
QString microsText(int64_t ns) {
    if (ns % 1000 == 0 || ns >= 10000 || ns <= -10000)
        return QString::number(ns / 1000);
    const double us = double(ns) / 1000.0;
    return QString::number(us, 'f', ns < 100 && ns > -100 ? 3 : 1);
}

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

}  // namespace

TelemetryStreamModel::TelemetryStreamModel(size_t historyLimit, QObject* parent)
    : QAbstractTableModel(parent), limit_(std::max<size_t>(historyLimit, 1)) {}

std::vector<RpcRecord> TelemetryStreamModel::append(std::vector<RpcRecord>&& batch) {
    if (batch.empty())
        return std::move(batch);
    if (batch.size() > limit_) {
        // More than the whole history: the batch's head would leave at once (a tiny limit).
        const size_t skip = batch.size() - limit_;
        batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(skip));
        trimTo(0);
        trimmed_ += skip;
    }
    // The oldest records that make room for this batch: at most the batch's size, since the
    // history never holds more than the limit.
    const size_t total = history_.size() + batch.size();
    const size_t leave =
        std::min({total > limit_ ? total - limit_ : 0, history_.size(), batch.size()});
    if (leave > 0) {
        const size_t rows = visibleRowsBefore(trimmed_ + leave);
        if (rows > 0) {
            // Only visible_ changes inside the bracket; the records it no longer names stay in
            // history_ until below, so every row the view can ask for is still there.
            beginRemoveRows({}, 0, static_cast<int>(rows) - 1);
            visible_.erase(visible_.begin(), visible_.begin() + static_cast<std::ptrdiff_t>(rows));
            endRemoveRows();
        }
    }
    // A new record's absolute index does not depend on the trim: trimmed_ grows by `leave` as
    // the history shrinks by it.
    shown_.clear();
    uint64_t abs = trimmed_ + history_.size();
    for (const RpcRecord& r : batch) {
        if (filter_.matches(r))
            shown_.push_back(abs);
        ++abs;
    }
    // Outside any bracket (no signal, no view reads): the oldest records change places with the
    // new ones, so their memory leaves with the batch's vector.
    for (size_t i = 0; i < batch.size(); ++i) {
        if (i < leave) {
            RpcRecord incoming = std::move(batch[i]);
            batch[i] = std::move(history_.front());
            history_.pop_front();
            history_.push_back(std::move(incoming));
        } else {
            history_.push_back(std::move(batch[i]));
        }
    }
    trimmed_ += leave;
    if (!shown_.empty()) {
        const int first = static_cast<int>(visible_.size());
        beginInsertRows({}, first, first + static_cast<int>(shown_.size()) - 1);
        visible_.insert(visible_.end(), shown_.begin(), shown_.end());
        endInsertRows();
    }
    return std::move(batch);
}

size_t TelemetryStreamModel::visibleRowsBefore(uint64_t firstKept) const {
    // visible_ is ascending, and a trim removes only a few rows from its front.
    size_t rows = 0;
    while (rows < visible_.size() && visible_[rows] < firstKept)
        ++rows;
    return rows;
}

void TelemetryStreamModel::trimTo(size_t limit) {
    if (history_.size() <= limit)
        return;
    const size_t drop = history_.size() - limit;
    const uint64_t firstKept = trimmed_ + drop;
    const size_t rows = visibleRowsBefore(firstKept);
    if (rows > 0) {
        beginRemoveRows({}, 0, static_cast<int>(rows) - 1);
        visible_.erase(visible_.begin(), visible_.begin() + static_cast<std::ptrdiff_t>(rows));
    }
    history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(drop));
    trimmed_ = firstKept;
    if (rows > 0)
        endRemoveRows();
}

void TelemetryStreamModel::setFilter(const telemetry::EventFilter& filter) {
    beginResetModel();
    filter_ = filter;
    visible_.clear();
    uint64_t abs = trimmed_;
    for (const RpcRecord& r : history_) {
        if (filter_.matches(r))
            visible_.push_back(abs);
        ++abs;
    }
    endResetModel();
}

void TelemetryStreamModel::clear() {
    beginResetModel();
    trimmed_ += history_.size();
    history_.clear();
    visible_.clear();
    endResetModel();
}

void TelemetryStreamModel::setHistoryLimit(size_t limit) {
    limit_ = std::max<size_t>(limit, 1);
    trimTo(limit_);
}

const RpcRecord* TelemetryStreamModel::record(int row) const {
    if (row < 0 || static_cast<size_t>(row) >= visible_.size())
        return nullptr;
    return &history_[static_cast<size_t>(visible_[static_cast<size_t>(row)] - trimmed_)];
}

QString TelemetryStreamModel::columnName(int column) {
    if (column < 0 || column >= ColumnCount)
        return {};
    return QString::fromUtf8(kColumns[column].title);
}

QString TelemetryStreamModel::columnField(int column) {
    if (column < 0 || column >= ColumnCount)
        return {};
    return QString::fromLatin1(kColumns[column].field);
}

QString TelemetryStreamModel::cellText(const RpcRecord& r, int column) {
    auto ref = [](const std::optional<uint64_t>& v) { return v ? QString::number(*v) : QString(); };
    switch (column) {
        case Time:
            return QDateTime::fromMSecsSinceEpoch(r.timeUs / 1000)
                       .toString(QStringLiteral("HH:mm:ss.zzz")) +
                   QString::number(r.timeUs % 1000).rightJustified(3, QLatin1Char('0'));
        case Process:
            return r.process.empty() ? QStringLiteral("console") : q(r.process);
        case Service:
            return q(r.service);
        case Source:
            // A received OpenTelemetry span is tagged with its service.name (filter field
            // local.svc_ref); the source itself stays "otlp" for the filter.
            if (r.isSpan() && !r.localSvc.empty())
                return q(r.source + " · " + r.localSvc);
            return q(r.source);
        case Event:
            return q(r.event);
        case Fun:
            return q(r.fun);
        case Kind:
            return q(r.kind);
        case Result:
            return q(r.result);
        case HskRef:
            return ref(r.hskRef);
        case ReqRef:
            return ref(r.reqRef);
        case LocalConn:
            return q(r.localConn);
        case RemoteConn:
            return q(r.remoteConn);
        case RemoteSvc:
            return q(r.remoteSvc);
        case RemoteNode:
            return q(r.remoteNode);
        case BlocksSend:
            return QString::number(r.blocksSend);
        case BlocksRecv:
            return QString::number(r.blocksRecv);
        case SizeSend:
            return QString::number(r.sizeSend);
        case SizeRecv:
            return QString::number(r.sizeRecv);
        case TSer:
            return microsText(r.tSerNs != 0 ? r.tSerNs : r.tSer * 1000);
        case TDser:
            return microsText(r.tDserNs != 0 ? r.tDserNs : r.tDser * 1000);
        case TExec:
            return QString::number(r.tExec);
        case TSend:
            return QString::number(r.tSend);
        case TRecv:
            return QString::number(r.tRecv);
        case THsk:
            return QString::number(r.tHsk);
        case TIdle:
            return QString::number(r.tIdle);
        case TReq:
            return QString::number(r.requestUs());
        default:
            return {};
    }
}

int TelemetryStreamModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(visible_.size());
}

int TelemetryStreamModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TelemetryStreamModel::data(const QModelIndex& index, int role) const {
    const RpcRecord* r = record(index.row());
    if (r == nullptr)
        return {};
    if (role == Qt::DisplayRole)
        return cellText(*r, index.column());
    if (role == Qt::ForegroundRole && index.column() == Result && !r->result.empty() && !r->ok())
        return QBrush(QColor(0xd0, 0x40, 0x40));
    if (role == Qt::TextAlignmentRole && index.column() >= BlocksSend)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant TelemetryStreamModel::headerData(int section, Qt::Orientation orientation,
                                          int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole)
        return columnName(section);
    if (role == Qt::ToolTipRole)
        return QStringLiteral("filter field: %1").arg(columnField(section));
    return {};
}

// Both formats are core's (telemetry/export/record_export.h), shared with headless programs.
bool TelemetryStreamModel::exportCsv(QIODevice& out, const QList<int>& columns) const {
    std::vector<std::string> fields;
    for (int c : columns)
        fields.push_back(columnField(c).toStdString());
    std::string chunk;
    telemetry::record_export::appendCsvHeader(chunk, fields);
    for (int row = 0; row < rowCount(); ++row) {
        telemetry::record_export::appendCsvRow(chunk, *record(row), fields);
        if (chunk.size() > (1 << 16)) {
            if (out.write(chunk.data(), qint64(chunk.size())) != qint64(chunk.size()))
                return false;
            chunk.clear();
        }
    }
    return out.write(chunk.data(), qint64(chunk.size())) == qint64(chunk.size());
}

bool TelemetryStreamModel::exportJsonLines(QIODevice& out) const {
    std::string chunk;
    for (int row = 0; row < rowCount(); ++row) {
        telemetry::record_export::appendJsonLine(chunk, *record(row));
        if (chunk.size() > (1 << 16)) {
            if (out.write(chunk.data(), qint64(chunk.size())) != qint64(chunk.size()))
                return false;
            chunk.clear();
        }
    }
    return out.write(chunk.data(), qint64(chunk.size())) == qint64(chunk.size());
}

}  // namespace meshx::ui
