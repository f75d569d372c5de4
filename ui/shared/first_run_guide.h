#pragma once

#include <QString>
#include <QWidget>

#include <functional>

class QLabel;
class QPushButton;
class QVBoxLayout;

namespace meshx::ui {

// What an empty view shows instead of an empty table: a title, a sentence saying what to do
// next, and the actions as buttons (Start service…, Run demo E4, Connect to an agent…), so a
// first run is never a blank page.
//
// Thread: GUI thread.
class FirstRunGuide : public QWidget {
    Q_OBJECT

  public:
    FirstRunGuide(const QString& title, const QString& text, QWidget* parent = nullptr);

    void setText(const QString& text);
    QString text() const;
    // Adds a button (object name `name`) that runs `action` when clicked.
    QPushButton* addAction(const QString& label, const QString& name, std::function<void()> action);

  private:
    QLabel* text_;
    QVBoxLayout* buttons_;
};

}  // namespace meshx::ui
