#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bench {

// A two-sidecar mesh for benchmarks, without an agent: a CA and leaf certificates for services
// `web` and `db` (EC P-256, SPIFFE URIs, as Consul's CA makes them) made with the openssl CLI,
// and meshx-proxy static configs (-config-file) for web -> mTLS -> db -> a local app.

// ca.pem, web.pem/web.key, db.pem/db.key in `dir`; false when openssl failed.
bool makeMeshCertificates(const std::string& dir);

struct StaticProxyConfigs {
    std::string dbConfig, webConfig;  // file paths
    uint16_t publicPort = 0;          // db's sidecar (mTLS)
    uint16_t upstreamPort = 0;        // web's upstream listener: what clients dial
};

// Writes `dir`/TAG-db.json and TAG-web.json on free loopback ports, db's sidecar in front of
// 127.0.0.1:`appPort`. Needs the certificates of makeMeshCertificates in `dir`.
std::optional<StaticProxyConfigs> writeStaticProxyConfigs(const std::string& dir,
                                                          const std::string& tag, uint16_t appPort);

}  // namespace bench
