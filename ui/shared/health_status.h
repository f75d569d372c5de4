#pragma once

#include <QColor>
#include <QString>

#include <string>
#include <vector>

#include "consul/agent_types.h"

namespace meshx::ui {

// Consul's check status words ordered by how bad they are, and their badge colours. Pure
// functions, any thread.
namespace health {

enum class Severity { None = 0, Passing = 1, Warning = 2, Critical = 3 };

Severity severityOf(const std::string& status);
// The worst status of `checks` ("passing", "warning", "critical", "maintenance"); "none" when
// there are no checks.
std::string aggregate(const std::vector<consul::HealthCheck>& checks);
// Badge fill for a status word; readable with white text on light and dark palettes alike.
QColor badgeColour(const QString& status);

}  // namespace health

}  // namespace meshx::ui
