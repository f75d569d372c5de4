#include "ui/shell/placeholder_page.h"

#include <QLabel>
#include <QVBoxLayout>

namespace meshx::ui {

PlaceholderPage::PlaceholderPage(const QString& title, const QString& hint, QWidget* parent)
    : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* heading = new QLabel(QStringLiteral("<h2>%1</h2>").arg(title.toHtmlEscaped()), this);
    auto* text = new QLabel(hint, this);
    text->setWordWrap(true);
    text->setObjectName(QStringLiteral("hint"));
    layout->addWidget(heading);
    layout->addWidget(text);
    layout->addStretch(1);
}

}  // namespace meshx::ui
