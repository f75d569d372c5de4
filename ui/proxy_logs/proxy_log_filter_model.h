#pragma once

#include <QRegularExpression>
#include <QSortFilterProxyModel>

namespace meshx::ui {

// Which proxy log rows show: one service (or all), a search (substring or regular expression,
// on the line's text), and which kinds (stdout, stderr, lifecycle events). Never sorts: rows stay
// in arrival order.
//
// Thread: GUI thread.
class ProxyLogFilterModel : public QSortFilterProxyModel {
    Q_OBJECT

  public:
    explicit ProxyLogFilterModel(QObject* parent = nullptr);

    // Empty: every service.
    void setServiceId(const QString& id);
    const QString& serviceId() const { return serviceId_; }
    void setSearch(const QString& text, bool regex);
    const QString& searchError() const { return searchError_; }
    void setKinds(bool stdoutLines, bool stderrLines, bool events);

  protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

  private:
    QString serviceId_;
    QString text_;
    bool regexMode_ = false;
    QRegularExpression regex_;
    QString searchError_;
    bool stdout_ = true;
    bool stderr_ = true;
    bool events_ = true;
};

}  // namespace meshx::ui
