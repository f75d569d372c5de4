#include "ui/shared/health_status.h"

namespace meshx::ui::health {

Severity severityOf(const std::string& status) {
    if (status == "passing") {
        return Severity::Passing;
    }
    if (status == "warning") {
        return Severity::Warning;
    }
    if (status == "critical" || status == "maintenance") {
        return Severity::Critical;
    }
    return Severity::None;
}

std::string aggregate(const std::vector<consul::HealthCheck>& checks) {
    if (checks.empty()) {
        return "none";
    }
    std::string worst = "passing";
    for (const auto& c : checks) {
        if (severityOf(c.status) > severityOf(worst)) {
            worst = c.status;
        }
    }
    return worst;
}

QColor badgeColour(const QString& status) {
    if (status == QLatin1String("passing")) {
        return QColor(0x2e, 0x8b, 0x48);
    }
    if (status == QLatin1String("warning")) {
        return QColor(0xb9, 0x7a, 0x00);
    }
    if (status == QLatin1String("critical")) {
        return QColor(0xc6, 0x32, 0x37);
    }
    if (status == QLatin1String("maintenance")) {
        return QColor(0x6a, 0x4c, 0x9c);
    }
    return QColor(0x70, 0x76, 0x7d);
}

}  // namespace meshx::ui::health
