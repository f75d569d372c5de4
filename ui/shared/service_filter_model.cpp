#include "ui/shared/service_filter_model.h"

#include "ui/shared/services_model.h"

namespace meshx::ui {

ServiceFilterModel::ServiceFilterModel(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setSortLocaleAware(true);
}

void ServiceFilterModel::setSearch(const QString& text, bool regex) {
    text_ = text.trimmed();
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

void ServiceFilterModel::setShowSidecars(bool show) {
    showSidecars_ = show;
    invalidateFilter();
}

void ServiceFilterModel::setOnlyWithSidecar(bool only) {
    onlyWithSidecar_ = only;
    invalidateFilter();
}

bool ServiceFilterModel::matches(const QStringList& fields) const {
    if (text_.isEmpty()) {
        return true;
    }
    if (regexMode_) {
        if (!searchError_.isEmpty()) {
            return false;
        }
        for (const QString& f : fields) {
            // Each field both with its prefix and without, so `^web` finds name:web too.
            const QString bare = f.mid(f.indexOf(QLatin1Char(':')) + 1);
            if (regex_.match(f).hasMatch() || regex_.match(bare).hasMatch()) {
                return true;
            }
        }
        return false;
    }
    const QStringList words = text_.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (const QString& word : words) {
        const qsizetype colon = word.indexOf(QLatin1Char(':'));
        const QString field = colon > 0 ? word.left(colon + 1).toLower() : QString();
        const bool known = field == QLatin1String("name:") || field == QLatin1String("id:") ||
                           field == QLatin1String("tag:") || field == QLatin1String("meta:");
        const QString needle = known ? word.mid(colon + 1) : word;
        bool found = false;
        for (const QString& f : fields) {
            if (known) {
                found = f.startsWith(field) &&
                        f.mid(field.size()).contains(needle, Qt::CaseInsensitive);
            } else {
                found =
                    f.mid(f.indexOf(QLatin1Char(':')) + 1).contains(needle, Qt::CaseInsensitive);
            }
            if (found) {
                break;
            }
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

bool ServiceFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
    const bool sidecar = idx.data(ServicesModel::IsSidecarRole).toBool();
    if (sidecar && !showSidecars_) {
        return false;
    }
    if (onlyWithSidecar_ && !idx.data(ServicesModel::HasSidecarRole).toBool()) {
        return false;
    }
    return matches(idx.data(ServicesModel::SearchFieldsRole).toStringList());
}

bool ServiceFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    if (left.column() == ServicesModel::Health) {
        const int l = left.data(ServicesModel::SeverityRole).toInt();
        const int r = right.data(ServicesModel::SeverityRole).toInt();
        if (l != r) {
            return l < r;
        }
    }
    return QSortFilterProxyModel::lessThan(left, right);
}

}  // namespace meshx::ui
