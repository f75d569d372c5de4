#include "ui/shared/log_text.h"

#include <QRegularExpression>

namespace meshx::ui::logtext {

QString displayable(const std::string& utf8, int maxChars) {
    // Decode at most a little more than we show: a 16 KiB line costs no more than a short one.
    const size_t decodeBytes = std::min(utf8.size(), static_cast<size_t>(maxChars) * 4 + 4);
    const QString decoded = QString::fromUtf8(utf8.data(), static_cast<qsizetype>(decodeBytes));
    QString out;
    out.reserve(std::min<qsizetype>(decoded.size(), maxChars) + 32);
    qsizetype shown = 0;
    for (QChar c : decoded) {
        if (shown >= maxChars) {
            break;
        }
        const char16_t u = c.unicode();
        if (u == u'\t') {
            out += QStringLiteral("    ");
        } else if (u < 0x20 || u == 0x7f) {
            // As an escape in plain ASCII: the Control Pictures block (␛) is missing from
            // the fonts a stock desktop has (DejaVu), where it would draw as boxes.
            out += QStringLiteral("\\x%1").arg(static_cast<uint>(u), 2, 16, QLatin1Char('0'));
        } else if (u == 0x2028 || u == 0x2029 || (u >= 0x80 && u < 0xa0)) {
            out += QChar(static_cast<char16_t>(0xfffd));  // line breakers, C1 controls
        } else {
            out += c;
        }
        ++shown;
    }
    if (shown < decoded.size() || decodeBytes < utf8.size()) {
        out +=
            QStringLiteral(" … [cut: %1 bytes in all]").arg(static_cast<qulonglong>(utf8.size()));
    }
    return out;
}

Level levelOf(const QString& text) {
    static const QRegularExpression error(
        QStringLiteral("\\b(error|err|fatal|crit|critical|panic|emerg|alert)\\b"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression warn(QStringLiteral("\\b(warn|warning)\\b"),
                                         QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression debug(QStringLiteral("\\b(debug|trace|dbug|trce)\\b"),
                                          QRegularExpression::CaseInsensitiveOption);
    const QString head = text.left(200);
    if (error.match(head).hasMatch()) {
        return Level::Error;
    }
    if (warn.match(head).hasMatch()) {
        return Level::Warn;
    }
    if (debug.match(head).hasMatch()) {
        return Level::Debug;
    }
    return Level::Info;
}

const char* levelName(Level level) {
    switch (level) {
        case Level::Debug:
            return "debug";
        case Level::Info:
            return "info";
        case Level::Warn:
            return "warn";
        case Level::Error:
            return "error";
    }
    return "info";
}

}  // namespace meshx::ui::logtext
