#include "ui/proxy_logs/proxy_log_filter_model.h"

#include "ui/shared/proxy_log_model.h"

namespace meshx::ui {

ProxyLogFilterModel::ProxyLogFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {
    setDynamicSortFilter(true);
}

void ProxyLogFilterModel::setServiceId(const QString& id) {
    serviceId_ = id;
    invalidateFilter();
}

void ProxyLogFilterModel::setSearch(const QString& text, bool regex) {
    text_ = text;
    regexMode_ = regex;
    searchError_.clear();
    if (regexMode_ && !text_.isEmpty()) {
        regex_ = QRegularExpression(text_, QRegularExpression::CaseInsensitiveOption);
        if (!regex_.isValid()) {
            searchError_ = tr("Invalid regular expression at %1: %2")
                               .arg(regex_.patternErrorOffset())
                               .arg(regex_.errorString());
        }
    }
    invalidateFilter();
}

void ProxyLogFilterModel::setKinds(bool stdoutLines, bool stderrLines, bool events) {
    stdout_ = stdoutLines;
    stderr_ = stderrLines;
    events_ = events;
    invalidateFilter();
}

bool ProxyLogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!serviceId_.isEmpty() && idx.data(ProxyLogModel::ServiceIdRole).toString() != serviceId_) {
        return false;
    }
    switch (static_cast<ProxyLogModel::Kind>(idx.data(ProxyLogModel::KindRole).toInt())) {
        case ProxyLogModel::Kind::Stdout:
            if (!stdout_) {
                return false;
            }
            break;
        case ProxyLogModel::Kind::Stderr:
            if (!stderr_) {
                return false;
            }
            break;
        case ProxyLogModel::Kind::Event:
            if (!events_) {
                return false;
            }
            break;
    }
    if (text_.isEmpty()) {
        return true;
    }
    const QString text = idx.data(ProxyLogModel::FullTextRole).toString();
    if (regexMode_) {
        return searchError_.isEmpty() && regex_.match(text).hasMatch();
    }
    return text.contains(text_, Qt::CaseInsensitive);
}

}  // namespace meshx::ui
