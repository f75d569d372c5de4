#include "static_mesh.h"

#include <fstream>
#include <iterator>

#include "child_process.h"
#include "load_clients.h"

namespace bench {

namespace {

const std::string kTrustDomain = "11111111-2222-3333-4444-555555555555.consul";

bool writeFile(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    return static_cast<bool>(out);
}

}  // namespace

bool makeMeshCertificates(const std::string& dir) {
    const std::string cd = "cd " + dir + " && ";
    if (!runCommand(cd + "openssl ecparam -name prime256v1 -genkey -noout -out ca.key") ||
        !runCommand(cd +
                    "openssl req -x509 -new -key ca.key -days 30 -subj '/CN=Consul CA 1' "
                    "-out ca.pem -addext 'basicConstraints=critical,CA:TRUE' "
                    "-addext 'keyUsage=critical,digitalSignature,keyCertSign,cRLSign' "
                    "-addext 'subjectAltName=URI:spiffe://" +
                    kTrustDomain +
                    "' -addext 'nameConstraints=critical,permitted;DNS:" + kTrustDomain + "'")) {
        return false;
    }
    for (const std::string svc : {"web", "db"}) {
        if (!writeFile(dir + "/" + svc + ".ext",
                       "basicConstraints=critical,CA:FALSE\n"
                       "keyUsage=critical,digitalSignature,keyEncipherment,dataEncipherment,"
                       "keyAgreement\n"
                       "extendedKeyUsage=clientAuth,serverAuth\n"
                       "subjectAltName=URI:spiffe://" +
                           kTrustDomain + "/ns/default/dc/dc1/svc/" + svc + "\n") ||
            !runCommand(cd + "openssl ecparam -name prime256v1 -genkey -noout -out " + svc +
                        ".key") ||
            !runCommand(cd + "openssl req -new -key " + svc + ".key -subj '/CN=" + svc + "' -out " +
                        svc + ".csr") ||
            !runCommand(cd + "openssl x509 -req -in " + svc + ".csr -CA ca.pem -CAkey ca.key " +
                        "-CAcreateserial -days 3 -extfile " + svc + ".ext -out " + svc + ".pem")) {
            return false;
        }
    }
    return true;
}

std::optional<StaticProxyConfigs> writeStaticProxyConfigs(const std::string& dir,
                                                          const std::string& tag,
                                                          uint16_t appPort) {
    StaticProxyConfigs c;
    c.publicPort = freePort();
    c.upstreamPort = freePort();
    c.dbConfig = dir + "/" + tag + "-db.json";
    c.webConfig = dir + "/" + tag + "-web.json";
    auto tls = [&](const std::string& svc) {
        return R"(,"tls":{"cert_file":")" + dir + "/" + svc + R"(.pem","key_file":")" + dir + "/" +
               svc + R"(.key","roots_file":")" + dir + R"(/ca.pem","trust_domain":")" +
               kTrustDomain + "\"}";
    };
    const bool ok =
        writeFile(
            c.dbConfig,
            R"({"service":{"Kind":"connect-proxy","ID":"db-sidecar-proxy","Address":"127.0.0.1","Port":)" +
                std::to_string(c.publicPort) +
                R"(,"Proxy":{"DestinationServiceName":"db","LocalServiceAddress":"127.0.0.1","LocalServicePort":)" +
                std::to_string(appPort) + "}}" + tls("db") + "}") &&
        writeFile(
            c.webConfig,
            R"({"service":{"Kind":"connect-proxy","ID":"web-sidecar-proxy","Port":0,"Proxy":{"DestinationServiceName":"web","Upstreams":[{"DestinationName":"db","LocalBindPort":)" +
                std::to_string(c.upstreamPort) + "}]}}" + tls("web") +
                R"(,"instances":{"db":[{"id":"db-1","address":"127.0.0.1","port":)" +
                std::to_string(c.publicPort) + "}]}}");
    if (!ok) {
        return std::nullopt;
    }
    return c;
}

}  // namespace bench
