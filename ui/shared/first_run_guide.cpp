#include "ui/shared/first_run_guide.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace meshx::ui {

FirstRunGuide::FirstRunGuide(const QString& title, const QString& text, QWidget* parent)
    : QWidget(parent) {
    auto* heading = new QLabel(title, this);
    heading->setObjectName(QStringLiteral("guideTitle"));
    QFont font = heading->font();
    font.setPointSizeF(font.pointSizeF() * 1.4);
    font.setBold(true);
    heading->setFont(font);
    heading->setAlignment(Qt::AlignHCenter);
    text_ = new QLabel(text, this);
    text_->setObjectName(QStringLiteral("guideText"));
    text_->setWordWrap(true);
    text_->setAlignment(Qt::AlignHCenter);
    text_->setMinimumWidth(420);
    text_->setMaximumWidth(560);
    text_->setTextFormat(Qt::PlainText);

    buttons_ = new QVBoxLayout;
    buttons_->setSpacing(8);
    auto* column = new QVBoxLayout;
    column->addStretch(1);
    column->addWidget(heading, 0, Qt::AlignHCenter);
    column->addSpacing(8);
    // No alignment on the label itself: an aligned item gets no height-for-width, and the
    // wrapped text would be cut after two lines.
    auto* textRow = new QHBoxLayout;
    textRow->addStretch(1);
    textRow->addWidget(text_, 4);
    textRow->addStretch(1);
    column->addLayout(textRow);
    column->addSpacing(16);
    column->addLayout(buttons_);
    column->addStretch(2);
    setLayout(column);
}

void FirstRunGuide::setText(const QString& text) {
    text_->setText(text);
}

QString FirstRunGuide::text() const {
    return text_->text();
}

QPushButton* FirstRunGuide::addAction(const QString& label, const QString& name,
                                      std::function<void()> action) {
    auto* button = new QPushButton(label, this);
    button->setObjectName(name);
    button->setMinimumWidth(240);
    connect(button, &QPushButton::clicked, this, [action = std::move(action)] { action(); });
    buttons_->addWidget(button, 0, Qt::AlignHCenter);
    return button;
}

}  // namespace meshx::ui
