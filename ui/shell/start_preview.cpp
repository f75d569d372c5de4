#include "ui/shell/start_preview.h"

#include <QObject>

#include "mesh/service_mesh.h"
#include "template/template_renderer.h"

namespace meshx::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

QString words(const Error& e) {
    return q(e.message.empty() ? e.toString() : e.message);
}

}  // namespace

StartPreview StartPreview::build(const Input& input, const mesh::ServiceTemplate& base,
                                 mesh::ServiceMesh& mesh) {
    StartPreview p;
    const QString name = input.name.trimmed();
    if (name.isEmpty()) {
        p.error = QObject::tr("Give the service a name.");
        return p;
    }
    if (name.contains(QLatin1Char(' ')) || name.contains(QLatin1Char('/'))) {
        p.error = QObject::tr("The name may not contain spaces or slashes.");
        return p;
    }
    const QString id = input.id.trimmed();
    p.params = id.isEmpty()
                   ? mesh::ServiceParams::named(name.toStdString())
                   : mesh::ServiceParams::namedWithId(name.toStdString(), id.toStdString());

    if (!input.extraJson.trimmed().isEmpty()) {
        auto extra = tmpl::TemplateRenderer::parseJson(input.extraJson.toStdString());
        if (!extra) {
            p.error = QObject::tr("Extra values: %1").arg(words(extra.error()));
            return p;
        }
        if (!extra->is_object()) {
            p.error = QObject::tr("Extra values must be a JSON object, like {\"version\": \"2\"}.");
            return p;
        }
        for (const auto& [k, v] : extra->items()) {
            if (k != "name" && k != "id") {
                p.params.hash[k] = v;
            }
        }
    }

    if (input.templateJson.trimmed().isEmpty()) {
        p.tmpl = base;
    } else {
        auto parsed = tmpl::TemplateRenderer::parseJson(input.templateJson.toStdString());
        if (!parsed) {
            p.error = QObject::tr("Template is not valid JSON: %1").arg(words(parsed.error()));
            return p;
        }
        auto t = mesh::ServiceTemplate::fromJson(*parsed, base);
        if (!t) {
            p.error = QObject::tr("Template: %1").arg(words(t.error()));
            return p;
        }
        p.tmpl = std::move(*t);
    }

    // The engine's own plan: rendered and checked by the code start runs, on a sample endpoint
    // unless the values carry their own.
    auto plan = mesh.plan(p.params, p.tmpl);
    if (!plan) {
        p.error = QObject::tr("Cannot start: %1").arg(words(plan.error()));
        return p;
    }
    p.registration = q(plan->registration.dump(2));
    if (plan->ttl) {
        p.ttl = QObject::tr("check %1 set to %2 every %3 ms")
                    .arg(q(plan->ttl->checkId), q(plan->ttl->status))
                    .arg(plan->ttl->intervalMs);
    } else {
        p.ttl = QObject::tr("none (no TTL worker)");
    }
    if (!plan->proxy.empty()) {
        QStringList parts;
        for (const auto& a : plan->proxy) {
            const QString arg = q(a);
            parts << (arg.contains(QLatin1Char(' ')) || arg.isEmpty()
                          ? QLatin1Char('\'') + arg + QLatin1Char('\'')
                          : arg);
        }
        p.proxy = parts.join(QLatin1Char(' '));
    } else {
        p.proxy = QObject::tr("none (no sidecar process)");
    }
    return p;
}

}  // namespace meshx::ui
