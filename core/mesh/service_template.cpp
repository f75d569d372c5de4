#include "mesh/service_template.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include "common/mesh_config.h"
#include "mesh/proxy_kind_registry.h"
#include "template/template_renderer.h"

namespace meshx::mesh {

using nlohmann::json;

namespace {

Error templateError(const std::string& what) {
    return makeError(Code::InvalidArgument, "service template: " + what);
}

}  // namespace

ServiceTemplate ServiceTemplate::defaults(std::vector<std::string> proxyArgv) {
    ServiceTemplate t;
    t.registration = {
        {"ID", "{{id}}"},
        {"Name", "{{name}}"},
        {"Checks",
         json::array({{{"Name", "TTL check"}, {"CheckID", "ttl:{{id}}"}, {"TTL", "10s"}}})},
        {"Connect",
         {{"SidecarService",
           {{"Proxy",
             {{"LocalServiceAddress", "{{address}}"}, {"LocalServicePort", "{{$port$}}"}}}}}}}};
    t.ttl = TtlSpec{};
    t.proxy = std::move(proxyArgv);
    return t;
}

Result<ServiceTemplate> ServiceTemplate::fromJson(const json& j, const ServiceTemplate& base) {
    if (!j.is_object()) {
        return templateError("must be a JSON object with registration, ttl and proxy");
    }
    ServiceTemplate t = base;
    for (const auto& [key, v] : j.items()) {
        if (key == "registration") {
            if (!v.is_object()) {
                return templateError("'registration' must be an object");
            }
            t.registration = v;
        } else if (key == "ttl") {
            if (v.is_null()) {
                t.ttl.reset();
                continue;
            }
            if (!v.is_object()) {
                return templateError("'ttl' must be an object {id, status, ttl} or null");
            }
            TtlSpec spec;
            for (const auto& [tk, tv] : v.items()) {
                if (tk == "id" && tv.is_string()) {
                    spec.checkId = tv.get<std::string>();
                } else if (tk == "status" && tv.is_string()) {
                    spec.status = tv.get<std::string>();
                } else if (tk == "ttl" && tv.is_number_integer() && tv.get<long long>() > 0) {
                    spec.intervalMs = tv.get<int>();
                } else {
                    return templateError("unknown or mistyped key 'ttl." + tk + "'");
                }
            }
            t.ttl = spec;
        } else if (key == "proxy") {
            if (v.is_null()) {
                t.proxy.reset();
                continue;
            }
            if (!v.is_array() || v.empty()) {
                return templateError("'proxy' must be a non-empty list of strings or null");
            }
            std::vector<std::string> argv;
            for (const auto& a : v) {
                if (!a.is_string()) {
                    return templateError("'proxy' must be a list of strings");
                }
                argv.push_back(a.get<std::string>());
            }
            t.proxy = std::move(argv);
        } else {
            return templateError("unknown key '" + key + "' (registration, ttl, proxy)");
        }
    }
    return t;
}

json ServiceTemplate::toJson() const {
    json j = {{"registration", registration}};
    j["ttl"] = ttl ? json{{"id", ttl->checkId}, {"status", ttl->status}, {"ttl", ttl->intervalMs}}
                   : json(nullptr);
    j["proxy"] = proxy ? json(*proxy) : json(nullptr);
    return j;
}

json defaultUpstreamTemplate() {
    return {{"DestinationName", "{{name}}"},
            {"LocalBindAddress", "{{address}}"},
            {"LocalBindPort", "{{$port$}}"}};
}

std::vector<std::string> namedProxyCommands() {
    return ProxyKindRegistry::global().names();
}

std::vector<std::string> namedProxyCommands(const MeshConfig& config) {
    auto kinds = ProxyKindRegistry::global().withConfig(config);
    return kinds ? kinds->names() : ProxyKindRegistry::global().names();
}

Result<std::vector<std::string>> proxyCommand(const std::string& name,
                                              const std::string& meshxProxyPath) {
    return ProxyKindRegistry::global().command(name, meshxProxyPath);
}

std::string meshxProxyPath() {
    if (QCoreApplication::instance()) {
        QFileInfo sibling(QDir(QCoreApplication::applicationDirPath()),
                          QStringLiteral("meshx-proxy"));
        if (sibling.isExecutable()) {
            return sibling.absoluteFilePath().toStdString();
        }
    }
    return "meshx-proxy";
}

namespace {

// The config's proxy kinds over the built-in ones; a config whose kinds cannot be registered
// (MeshConfig::load() reports that) falls back to the built-ins.
ProxyKindRegistry kindsOf(const MeshConfig& config) {
    auto kinds = ProxyKindRegistry::global().withConfig(config);
    return kinds ? std::move(*kinds) : ProxyKindRegistry(ProxyKindRegistry::global());
}

}  // namespace

ServiceTemplate defaultServiceTemplate(const MeshConfig& config) {
    auto argv = kindsOf(config).command(config.proxyTemplate, meshxProxyPath());
    ServiceTemplate t = ServiceTemplate::defaults(
        argv ? *argv : std::vector<std::string>{meshxProxyPath(), "-sidecar-for", "{{id}}"});
    t.ttl->intervalMs = config.ttlIntervalMs;
    // `proxy_template` may also name a template of the config file: it then becomes the default.
    if (auto it = config.templates.find(config.proxyTemplate); it != config.templates.end()) {
        auto j = tmpl::TemplateRenderer::parseJson(it->second);
        if (j) {
            if (auto custom = ServiceTemplate::fromJson(*j, t); custom) {
                return *custom;
            }
        }
    }
    return t;
}

Result<ServiceTemplate> namedServiceTemplate(const MeshConfig& config, const std::string& name) {
    if (auto it = config.templates.find(name); it != config.templates.end()) {
        auto j = tmpl::TemplateRenderer::parseJson(it->second);
        if (!j) {
            return makeError(j.error().code, "template '" + name + "': " + j.error().message);
        }
        return ServiceTemplate::fromJson(*j, defaultServiceTemplate(config));
    }
    auto argv = kindsOf(config).command(name, meshxProxyPath());
    if (!argv) {
        return makeError(Code::InvalidArgument,
                         "no template or proxy kind named '" + name + "': " + argv.error().message);
    }
    ServiceTemplate t = defaultServiceTemplate(config);
    t.proxy = *argv;
    return t;
}

}  // namespace meshx::mesh
