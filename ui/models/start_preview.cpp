#include "models/start_preview.h"

#include <QObject>

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

StartPreview StartPreview::build(const Input& input, const mesh::ServiceTemplate& base) {
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

    // Render as the engine will, with a sample endpoint unless the values carry their own.
    nlohmann::json hash = p.params.hash;
    if (!hash.contains("address")) {
        hash["address"] = input.sampleAddress;
    }
    if (!hash.contains("port")) {
        hash["port"] = input.samplePort;
    }
    const tmpl::TemplateRenderer renderer(hash);
    auto reg = renderer.render(p.tmpl.registration);
    if (!reg) {
        p.error = QObject::tr("Registration: %1").arg(words(reg.error()));
        return p;
    }
    if (!reg->is_object() || !reg->contains("Name") || !(*reg)["Name"].is_string() ||
        (*reg)["Name"].get<std::string>().empty()) {
        p.error = QObject::tr("The rendered registration has no Name.");
        return p;
    }
    p.registration = q(reg->dump(2));

    if (p.tmpl.ttl) {
        auto check = renderer.renderString(p.tmpl.ttl->checkId);
        if (!check) {
            p.error = QObject::tr("TTL check id: %1").arg(words(check.error()));
            return p;
        }
        const std::string& status = p.tmpl.ttl->status;
        if (status != "passing" && status != "warning" && status != "critical") {
            p.error = QObject::tr("TTL status must be passing, warning or critical, not '%1'.")
                          .arg(q(status));
            return p;
        }
        p.ttl = QObject::tr("check %1 set to %2 every %3 ms")
                    .arg(q(*check), q(status))
                    .arg(p.tmpl.ttl->intervalMs);
    } else {
        p.ttl = QObject::tr("none (no TTL worker)");
    }

    if (p.tmpl.proxy) {
        auto argv = renderer.renderArgv(*p.tmpl.proxy);
        if (!argv) {
            p.error = QObject::tr("Proxy command: %1").arg(words(argv.error()));
            return p;
        }
        QStringList parts;
        for (const auto& a : *argv) {
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
