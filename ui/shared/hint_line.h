#pragma once

#include <QLabel>

namespace meshx::ui {

// One line of feedback under a view: what happened, or what went wrong and what to do next.
// Errors are words here, never modal alerts. Colours follow the palette (light or dark).
//
// Thread: GUI thread.
class HintLine : public QLabel {
    Q_OBJECT

  public:
    enum class Kind { Info, Success, Error };

    explicit HintLine(QWidget* parent = nullptr);

    void showInfo(const QString& text) { setMessage(Kind::Info, text); }
    void showSuccess(const QString& text) { setMessage(Kind::Success, text); }
    void showError(const QString& text) { setMessage(Kind::Error, text); }
    void setMessage(Kind kind, const QString& text);
    Kind kind() const { return kind_; }

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void applyColour();

    Kind kind_ = Kind::Info;
};

}  // namespace meshx::ui
