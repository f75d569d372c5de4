#include "proxy/static_config_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace meshx::proxy {

namespace {

using nlohmann::json;

Result<std::string> readFile(const std::string& dir, const std::string& name) {
    std::string path = !name.empty() && name[0] != '/' ? dir + name : name;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return makeError(Code::InvalidArgument, "cannot read " + path);
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string str(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<StaticConfigFile> StaticConfigFile::load(const std::string& path) {
    try {
        return parse(path);
    } catch (const nlohmann::json::exception& e) {
        return makeError(Code::InvalidArgument, path + ": " + e.what());
    }
}

Result<StaticConfigFile> StaticConfigFile::parse(const std::string& path) {
    auto text = readFile("", path);
    if (!text) {
        return text.error();
    }
    json doc = json::parse(*text, nullptr, false);
    if (!doc.is_object()) {
        return makeError(Code::InvalidArgument, path + ": not a JSON object");
    }
    std::string dir = path.substr(0, path.rfind('/') + 1);

    StaticConfigFile out;
    auto cfg = ProxyConfig::fromAgentService(doc.value("service", json::object()));
    if (!cfg) {
        return makeError(Code::InvalidArgument, path + ": service: " + cfg.error().message);
    }
    out.config = std::move(*cfg);

    json tls = doc.value("tls", json::object());
    for (auto [key, target] : {std::pair{"cert_file", &out.tls.certChainPem},
                               std::pair{"key_file", &out.tls.privateKeyPem},
                               std::pair{"roots_file", &out.tls.rootsPem}}) {
        auto content = readFile(dir, str(tls, key));
        if (!content) {
            return makeError(Code::InvalidArgument,
                             path + ": tls." + key + ": " + content.error().message);
        }
        *target = std::move(*content);
    }
    out.tls.trustDomain = str(tls, "trust_domain");

    json instances = doc.value("instances", json::object());
    for (auto it = instances.begin(); it != instances.end(); ++it) {
        for (const auto& e : it.value()) {
            UpstreamInstance inst;
            inst.id = str(e, "id");
            auto address = SocketAddress::resolve(str(e, "address"), e.value("port", uint16_t(0)));
            if (!address) {
                return makeError(Code::InvalidArgument,
                                 path + ": instances." + it.key() + ": " + address.error().message);
            }
            inst.address = *address;
            inst.identity.service = str(e, "service").empty() ? it.key() : str(e, "service");
            inst.identity.datacenter = str(e, "datacenter").empty() ? "dc1" : str(e, "datacenter");
            if (inst.id.empty()) {
                inst.id = inst.address.toString();
            }
            out.instances[it.key()].push_back(std::move(inst));
        }
    }
    for (const auto& d : doc.value("deny", json::array())) {
        if (d.is_string()) {
            out.denied.insert(d.get<std::string>());
        }
    }
    return out;
}

}  // namespace meshx::proxy
