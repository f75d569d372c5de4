#pragma once

#include <QDialog>
#include <QTimer>

#include "ui/shell/start_preview.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLineEdit;
class QPlainTextEdit;

namespace meshx {
struct MeshConfig;
}
namespace meshx::mesh {
class ServiceMesh;
}

namespace meshx::ui {

class HintLine;

// Start a service: name, id, a template picked by name or edited as JSON, optional extra
// template values. The preview shows the registration, TTL check and proxy command rendered as
// the engine will render them; an error says what is wrong and where, and Start stays disabled
// until the input is valid, so nothing invalid is ever sent.
//
// Thread: GUI thread. Reads the config's templates and asks the engine for a plan (no I/O);
// sends nothing itself: the caller takes preview() and forceRegistration() on accept. `mesh` and
// `config` must outlive the dialog.
class StartServiceDialog : public QDialog {
    Q_OBJECT

  public:
    StartServiceDialog(mesh::ServiceMesh& mesh, const MeshConfig& config,
                       QWidget* parent = nullptr);

    // Prefills name and id (take over a service someone else registered: force is checked).
    void prefill(const QString& name, const QString& id, bool force);
    // Picks a template by its name in the list ("default", a proxy command, a config template).
    bool selectTemplate(const QString& name);
    QStringList templateNames() const;

    const StartPreview& preview() const { return preview_; }
    bool forceRegistration() const;

    // Re-renders the preview from the fields now (the fields do it by themselves after typing).
    void updatePreview();

  private:
    void loadTemplate(int index);
    void updateWidgets();

    mesh::ServiceMesh& mesh_;
    const MeshConfig& config_;
    StartPreview preview_;
    QTimer debounce_;
    QLineEdit* name_;
    QLineEdit* id_;
    QComboBox* template_;
    QPlainTextEdit* editor_;
    QLineEdit* extra_;
    QCheckBox* force_;
    QPlainTextEdit* previewText_;
    HintLine* hint_;
    QDialogButtonBox* buttons_;
};

}  // namespace meshx::ui
