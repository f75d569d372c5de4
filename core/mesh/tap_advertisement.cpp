#include "mesh/tap_advertisement.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>

#include "mesh/proxy_kind_registry.h"
#include "telemetry/tap/tap_protocol.h"
#include "telemetry/tap/tap_server.h"

namespace meshx::mesh {

using nlohmann::json;

namespace {

bool tapsOff() {
    const char* listen = std::getenv(telemetry::kTapListenEnv);
    return listen != nullptr && std::string(listen) == "off";
}

// A directory only this user can use: made 0700 if missing, refused when someone else owns it
// or others may write into it (the sockets are the tap's only access control without ACLs).
bool privateDirectory(const std::string& dir) {
    ::mkdir(dir.c_str(), 0700);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid()) {
        return false;
    }
    return (st.st_mode & 077) == 0;
}

void setMeta(json& object, const std::string& value) {
    if (!object.contains("Meta") || !object["Meta"].is_object()) {
        object["Meta"] = json::object();
    }
    if (!object["Meta"].contains(telemetry::kTapMetaKey)) {
        object["Meta"][telemetry::kTapMetaKey] = value;
    }
}

}  // namespace

std::string TapAdvertisement::sidecarTapAddress(const std::string& serviceId) {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    std::string base = runtime != nullptr && *runtime == '/' ? runtime : "/tmp";
    std::string dir = base + "/meshx-taps-" + std::to_string(::getuid());
    if (!privateDirectory(dir)) {
        if (base == "/tmp" ||
            !privateDirectory(dir = "/tmp/meshx-taps-" + std::to_string(::getuid()))) {
            return {};
        }
    }
    // A readable, bounded name (sun_path holds 107 bytes) made unique by a hash of the full id.
    std::string name;
    for (char c : serviceId.substr(0, 32)) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        name += plain ? c : '_';
    }
    char hash[20];
    std::snprintf(hash, sizeof hash, "%08zx", std::hash<std::string>{}(serviceId)&0xffffffffU);
    const std::string path = dir + "/" + name + "-" + hash + ".sock";
    if (path.size() > 100) {
        return {};
    }
    return "unix://" + path;
}

TapAdvertisement TapAdvertisement::apply(json& registration, const std::string& serviceId,
                                         const std::vector<std::string>& proxyArgv) {
    TapAdvertisement out;
    if (!registration.is_object() || tapsOff()) {
        return out;
    }
    if (auto own = telemetry::TapServer::processAddress()) {
        setMeta(registration, own->toString());
    }
    if (isMeshxProxyCommand(proxyArgv)) {
        // Never the parent's own MESHX_TAP_LISTEN (a fixed port would collide): the advertised
        // socket, or else an unadvertised free loopback port.
        out.sidecarTap = sidecarTapAddress(serviceId + "-sidecar-proxy");
        out.proxyEnv[telemetry::kTapListenEnv] =
            out.sidecarTap.empty() ? std::string("tcp://127.0.0.1:0") : out.sidecarTap;
    }
    if (!registration.contains("Connect") || !registration["Connect"].is_object() ||
        !registration["Connect"].contains("SidecarService") ||
        !registration["Connect"]["SidecarService"].is_object()) {
        out.sidecarTap.clear();
        return out;
    }
    json& sidecar = registration["Connect"]["SidecarService"];
    // Written even when empty: a sidecar without Meta would inherit the parent's tap address.
    if (!out.sidecarTap.empty() || registration.contains("Meta")) {
        setMeta(sidecar, out.sidecarTap);
    }
    return out;
}

}  // namespace meshx::mesh
