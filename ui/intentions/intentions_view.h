#pragma once

#include <QWidget>

class QComboBox;
class QLineEdit;
class QTableView;

namespace meshx::ui {

class ConsoleContext;
class HintLine;

// Intentions: who may talk to whom. The list follows the agent live; create an allow or deny
// rule from source to destination (`*` for any), delete the selected one. A deny shows its
// effect on the upstream's connections and in the proxy log.
//
// Thread: GUI thread.
class IntentionsView : public QWidget {
    Q_OBJECT

  public:
    explicit IntentionsView(ConsoleContext& context, QWidget* parent = nullptr);

    // Sends source -> destination with "allow" or "deny".
    void create(const QString& source, const QString& destination, const QString& action,
                const QString& description = {});
    void deleteSelected();
    bool selectIntention(const QString& source, const QString& destination);

    QTableView* table() const { return table_; }
    HintLine* hint() const { return hint_; }

  private:
    void refreshPickers();
    void updateWidgets();

    ConsoleContext& context_;
    QTableView* table_;
    QComboBox* source_;
    QComboBox* destination_;
    QLineEdit* description_;
    QAction* allow_;
    QAction* deny_;
    QAction* delete_;
    HintLine* banner_;
    HintLine* hint_;
};

}  // namespace meshx::ui
