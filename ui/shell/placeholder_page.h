#pragma once

#include <QWidget>

namespace meshx::ui {

// A tab that says what will appear there and how to get it, until its view lands.
class PlaceholderPage : public QWidget {
    Q_OBJECT

  public:
    PlaceholderPage(const QString& title, const QString& hint, QWidget* parent = nullptr);
};

}  // namespace meshx::ui
