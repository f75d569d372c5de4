#include "ui/kv/kv_value_format.h"

#include <QByteArray>
#include <QStringDecoder>

#include <nlohmann/json.hpp>

namespace meshx::ui {

namespace {

bool validUtf8Text(const std::string& bytes) {
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text =
        decoder.decode(QByteArrayView(bytes.data(), static_cast<qsizetype>(bytes.size())));
    if (decoder.hasError()) {
        return false;
    }
    for (const QChar c : text) {
        if (c.category() == QChar::Other_Control && c != u'\n' && c != u'\t' && c != u'\r') {
            return false;
        }
    }
    return true;
}

}  // namespace

KvFormat detectKvFormat(const std::string& bytes) {
    if (!validUtf8Text(bytes)) {
        return KvFormat::Hex;
    }
    const auto first = bytes.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && (bytes[first] == '{' || bytes[first] == '[') &&
        nlohmann::json::accept(bytes)) {
        return KvFormat::Json;
    }
    return KvFormat::Text;
}

QString kvFormatName(KvFormat format) {
    switch (format) {
        case KvFormat::Text:
            return QStringLiteral("Text");
        case KvFormat::Json:
            return QStringLiteral("JSON");
        case KvFormat::Hex:
            return QStringLiteral("Hex");
    }
    return {};
}

QString kvToText(const std::string& bytes, KvFormat format) {
    if (format != KvFormat::Hex) {
        return QString::fromUtf8(bytes.data(), static_cast<qsizetype>(bytes.size()));
    }
    QString out;
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i > 0) {
            out += (i % 16 == 0) ? QLatin1Char('\n') : QLatin1Char(' ');
        }
        out +=
            QStringLiteral("%1").arg(static_cast<unsigned char>(bytes[i]), 2, 16, QLatin1Char('0'));
    }
    return out;
}

KvParsed kvFromText(const QString& text, KvFormat format) {
    if (format == KvFormat::Text) {
        return {text.toStdString(), {}};
    }
    if (format == KvFormat::Json) {
        const std::string bytes = text.toStdString();
        try {
            const auto parsed = nlohmann::json::parse(bytes);
            static_cast<void>(parsed);
        } catch (const nlohmann::json::parse_error& e) {
            return {std::nullopt,
                    QStringLiteral("Not valid JSON: %1").arg(QString::fromUtf8(e.what()))};
        }
        return {bytes, {}};
    }
    std::string out;
    int pending = -1;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c.isSpace()) {
            continue;
        }
        int digit = -1;
        const char16_t u = c.unicode();
        if (u >= u'0' && u <= u'9') {
            digit = u - u'0';
        } else if (u >= u'a' && u <= u'f') {
            digit = u - u'a' + 10;
        } else if (u >= u'A' && u <= u'F') {
            digit = u - u'A' + 10;
        }
        if (digit < 0) {
            return {std::nullopt,
                    QStringLiteral("Not a hex digit at position %1: '%2'").arg(i + 1).arg(c)};
        }
        if (pending < 0) {
            pending = digit;
        } else {
            out.push_back(static_cast<char>(pending * 16 + digit));
            pending = -1;
        }
    }
    if (pending >= 0) {
        return {std::nullopt, QStringLiteral("Odd number of hex digits")};
    }
    return {out, {}};
}

}  // namespace meshx::ui
