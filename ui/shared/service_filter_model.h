#pragma once

#include <QRegularExpression>
#include <QSortFilterProxyModel>

namespace meshx::ui {

// Search, sort and kind filter over ServicesModel.
//
// Search text: words must all match (case-insensitive substring) one of the row's fields; a word
// may name its field: `name:web`, `id:web-1`, `tag:v2`, `meta:version=2` (or `meta:version`).
// In regex mode the whole text is one regular expression matched against every field, e.g.
// `^tag:v[0-9]+$` or `name:(web|api)`; an invalid one shows nothing and says why (searchError).
// The Health column sorts by severity.
//
// Thread: GUI thread.
class ServiceFilterModel : public QSortFilterProxyModel {
    Q_OBJECT

  public:
    explicit ServiceFilterModel(QObject* parent = nullptr);

    void setSearch(const QString& text, bool regex);
    // Empty when the search is valid; the regex error in words otherwise.
    const QString& searchError() const { return searchError_; }
    // Sidecar rows are hidden unless asked for (their parent's Sidecar column shows them).
    void setShowSidecars(bool show);
    // Only services that have a sidecar (the proxy view's list).
    void setOnlyWithSidecar(bool only);

  protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

  private:
    bool matches(const QStringList& fields) const;

    QString text_;
    bool regexMode_ = false;
    QRegularExpression regex_;
    QString searchError_;
    bool showSidecars_ = false;
    bool onlyWithSidecar_ = false;
};

}  // namespace meshx::ui
