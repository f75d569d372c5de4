#pragma once

#include <QString>

#include <nlohmann/json.hpp>

#include "mesh/service_mesh.h"
#include "mesh/service_template.h"

namespace meshx::ui {

// The start dialog's input parsed (name, id, template JSON, extra values) and shown as the
// engine's plan of the start (ServiceMesh::plan: the same render and checks start runs), so the
// user sees the registration, TTL check and proxy command before anything is sent, and an error
// in words (naming the missing key or the JSON position) while the input is not valid.
//
//   auto p = StartPreview::build(input, session.defaultTemplate(), session.mesh());
//   if (p.ok()) mesh.start(p.params, p.tmpl, force, timeout);
//
// No I/O (plan() sends nothing), any thread.
struct StartPreview {
    struct Input {
        QString name;
        QString id;            // empty: <name>-<hostname>
        QString templateJson;  // {"registration":..,"ttl":..,"proxy":..}; missing parts: base
        QString extraJson;     // optional JSON object of more template values
    };

    QString error;  // empty when valid
    QString registration;
    QString ttl;
    QString proxy;
    mesh::ServiceParams params;
    mesh::ServiceTemplate tmpl;

    bool ok() const { return error.isEmpty(); }

    static StartPreview build(const Input& input, const mesh::ServiceTemplate& base,
                              mesh::ServiceMesh& mesh);
};

}  // namespace meshx::ui
