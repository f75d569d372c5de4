#include "ui/shell/page_registry.h"

#include <QtGlobal>

#include <algorithm>

namespace meshx::ui {

Status PageRegistry::tryAdd(PageSpec spec) {
    auto invalid = [&spec](const QString& why) {
        return Error{Code::InvalidArgument,
                     QStringLiteral("page \"%1\": %2").arg(spec.id, why).toStdString()};
    };
    if (spec.id.isEmpty()) {
        return invalid(QStringLiteral("no id"));
    }
    if (bool(spec.perSession) == bool(spec.perWindow)) {
        return invalid(QStringLiteral("needs exactly one of perSession and perWindow"));
    }
    for (const PageSpec& other : pages_) {
        if (other.id == spec.id) {
            return invalid(QStringLiteral("registered twice"));
        }
        if (other.order == spec.order) {
            return invalid(
                QStringLiteral("order %1 is taken by \"%2\"").arg(spec.order).arg(other.id));
        }
        if (!spec.shortcut.isEmpty() && other.shortcut == spec.shortcut) {
            return invalid(QStringLiteral("shortcut %1 is taken by \"%2\"")
                               .arg(spec.shortcut.toString(), other.id));
        }
    }
    const auto at = std::upper_bound(pages_.begin(), pages_.end(), spec.order,
                                     [](int order, const PageSpec& p) { return order < p.order; });
    pages_.insert(at, std::move(spec));
    return {};
}

void PageRegistry::add(PageSpec spec) {
    const Status added = tryAdd(std::move(spec));
    if (!added) {
        qFatal("PageRegistry: %s", added.error().message.c_str());
    }
}

void PageRegistry::addWindowExtension(WindowExtension extension) {
    extensions_.push_back(std::move(extension));
}

const PageSpec* PageRegistry::find(const QString& id) const {
    for (const PageSpec& p : pages_) {
        if (p.id == id) {
            return &p;
        }
    }
    return nullptr;
}

QStringList PageRegistry::ids() const {
    QStringList ids;
    for (const PageSpec& p : pages_) {
        ids << p.id;
    }
    return ids;
}

const PageRegistry& PageRegistry::console() {
    static const PageRegistry registry = [] {
        PageRegistry r;
        registerConsolePages(r);
        return r;
    }();
    return registry;
}

}  // namespace meshx::ui
