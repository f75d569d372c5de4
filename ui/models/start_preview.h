#pragma once

#include <QString>

#include <nlohmann/json.hpp>

#include "mesh/service_mesh.h"
#include "mesh/service_template.h"

namespace meshx::ui {

// The start dialog's input checked and rendered exactly as the engine will render it, so the
// user sees the registration, TTL check and proxy command before anything is sent, and an error
// in words (naming the missing key or the JSON position) while the input is not valid.
//
//   auto p = StartPreview::build(input, mesh.defaultTemplate());
//   if (p.ok()) mesh.start(p.params, p.tmpl, force, timeout);
//
// Pure: no I/O, any thread.
struct StartPreview {
    struct Input {
        QString name;
        QString id;            // empty: <name>-<hostname>
        QString templateJson;  // {"registration":..,"ttl":..,"proxy":..}; missing parts: base
        QString extraJson;     // optional JSON object of more template values
        std::string sampleAddress = "127.0.0.1";  // the address and port are allocated at start;
        int samplePort = 0;                       // the preview shows these instead
    };

    QString error;  // empty when valid
    QString registration;
    QString ttl;
    QString proxy;
    mesh::ServiceParams params;
    mesh::ServiceTemplate tmpl;

    bool ok() const { return error.isEmpty(); }

    static StartPreview build(const Input& input, const mesh::ServiceTemplate& base);
};

}  // namespace meshx::ui
