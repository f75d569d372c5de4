#include <QDir>
#include <QDirIterator>
#include <QHash>
#include <QImage>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "process_runner.h"

// The documentation's command-line examples against the programs of this build. Conventions
// (also in docs/architecture.md, "Documentation examples"):
//  - README.md and docs/*.md are read. An example is a line of a code block (fenced, or indented
//    by four spaces) or an inline code span whose first word, after an optional "$ " prompt and
//    VAR=value assignments, is one of our programs (a path ending in one counts too). A trailing
//    backslash continues the line; "# ..." ends it; "|", ";", "&&", "&" end the command.
//  - Every example: the program exists, a `meshx` command is one `meshx --help` lists, every
//    flag is in the --help of the program or command (flags after "--" belong to the program
//    being run). "meshx> VERB ..." lines are `meshx shell` verbs, checked against its --help.
//  - Examples in code blocks that need nothing else are run: --help, --version,
//    `meshx template render`, `meshx-console --screenshot` (offscreen, embedded agent). A
//    "<!-- not-run -->" line before a block keeps its examples from running. In a ```console
//    block the lines after "$ command" up to the next "$ " are the expected stdout.
//  - Every CONSUL_*, MESHX_* or CONNECT_* variable the documents name is used in the sources
//    (this test's own sources and test data do not count).
namespace {

const QStringList kPrograms = {"meshx", "meshx-agent", "meshx-proxy", "meshx-console"};

struct Example {
    QString file;
    int line = 0;
    QString text;       // as written (joined continuation lines)
    QStringList words;  // after prompt and assignments; words[0] is the program name
    QStringList assignments;
    bool shellVerb = false;  // a "meshx> " line
    bool inBlock = false;    // code block (may run) or inline span (checked only)
    bool notRun = false;
    bool transcript = false;  // ```console block: expected output follows
    QStringList expected;
};

// Splits like a POSIX shell for the simple cases the docs use: quotes, no expansions.
QStringList shellWords(const QString& line) {
    QStringList words;
    QString cur;
    bool have = false;
    QChar quote;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (!quote.isNull()) {
            if (c == quote) {
                quote = QChar();
            } else {
                cur += c;
            }
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            have = true;
        } else if (c.isSpace()) {
            if (have) {
                words << cur;
                cur.clear();
                have = false;
            }
        } else if (c == '#' && !have) {
            break;  // a comment
        } else {
            cur += c;
            have = true;
        }
    }
    if (have) {
        words << cur;
    }
    // The first command only.
    for (int i = 0; i < words.size(); ++i) {
        if (words[i] == "|" || words[i] == ";" || words[i] == "&&" || words[i] == "||" ||
            words[i] == "&") {
            return words.mid(0, i);
        }
    }
    return words;
}

bool isFlag(const QString& word) {
    static const QRegularExpression re(QStringLiteral("^--?[A-Za-z][A-Za-z0-9-]*(=.*)?$"));
    return re.match(word).hasMatch();
}

QString flagName(const QString& word) {
    return word.section('=', 0, 0);
}

bool mentions(const QString& help, const QString& word) {
    const QRegularExpression re(QStringLiteral("(?<![\\w-])") + QRegularExpression::escape(word) +
                                QStringLiteral("(?![\\w-])"));
    return re.match(help).hasMatch();
}

// The text of every source that may read an environment variable: the programs, the libraries
// and the tests with their helpers (a few documented variables are for the tests). Left out:
// this test's own folder, which names variables only to clear them for the examples it runs and
// would otherwise count them as read whatever the programs do, and test data (fuzz corpora),
// which reads nothing.
QString readerSources(const QString& src) {
    const QString self = QDir(src).filePath(QStringLiteral("tests/integration/docs")) + '/';
    static const QRegularExpression data(QStringLiteral("/(corpus|[a-z_]+_corpus|data)/"));
    QString text;
    for (const char* dir : {"core", "app", "ui", "tests"}) {
        QDirIterator it(src + "/" + dir, {"*.cpp", "*.h", "CMakeLists.txt"}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            if (path.startsWith(self) || data.match(path.mid(src.size())).hasMatch()) {
                continue;
            }
            QFile f(path);
            if (f.open(QIODevice::ReadOnly)) {
                text += QString::fromUtf8(f.readAll());
            }
        }
    }
    return text;
}

// Turns one document line into an example, or nothing.
bool parseExample(const QString& raw, Example& ex) {
    QString line = raw.trimmed();
    if (line.startsWith(QStringLiteral("meshx> "))) {
        ex.shellVerb = true;
        ex.words = shellWords(line.mid(7));
        return !ex.words.isEmpty();
    }
    if (line.startsWith(QStringLiteral("$ "))) {
        line = line.mid(2);
    }
    QStringList words = shellWords(line);
    static const QRegularExpression assignment(QStringLiteral("^[A-Z_][A-Z0-9_]*=.*$"));
    while (!words.isEmpty() && assignment.match(words.front()).hasMatch()) {
        ex.assignments << words.takeFirst();
    }
    if (words.isEmpty()) {
        return false;
    }
    const QString program = words.front().section('/', -1);
    if (!kPrograms.contains(program)) {
        return false;
    }
    words[0] = program;
    ex.words = words;
    return true;
}

// A code block: lines [begin, end) of a document.
struct Block {
    int begin = 0;
    int end = 0;
    bool notRun = false;
    bool transcript = false;  // "$ " lines are commands, the lines after them their output
};

// Fenced blocks, and blocks indented by four spaces that follow a blank line.
QList<Block> findBlocks(const QStringList& lines) {
    QList<Block> blocks;
    auto markedNotRun = [&](int at) {
        for (int j = at - 1; j >= 0; --j) {
            if (!lines[j].trimmed().isEmpty()) {
                return lines[j].trimmed() == QStringLiteral("<!-- not-run -->");
            }
        }
        return false;
    };
    for (int i = 0; i < lines.size(); ++i) {
        if (lines[i].trimmed().startsWith(QStringLiteral("```"))) {
            Block b;
            b.begin = i + 1;
            b.notRun = markedNotRun(i);
            int j = b.begin;
            while (j < lines.size() && !lines[j].trimmed().startsWith(QStringLiteral("```"))) {
                ++j;
            }
            b.end = j;
            b.transcript = lines[i].trimmed().mid(3).trimmed() == QStringLiteral("console");
            blocks << b;
            i = j;
            continue;
        }
        const bool indented =
            lines[i].startsWith(QStringLiteral("    ")) && !lines[i].trimmed().isEmpty();
        if (indented && i > 0 && lines[i - 1].trimmed().isEmpty()) {
            Block b;
            b.begin = i;
            b.notRun = markedNotRun(i);
            int j = i;
            while (j < lines.size() &&
                   (lines[j].startsWith(QStringLiteral("    ")) || lines[j].trimmed().isEmpty())) {
                b.transcript = b.transcript || lines[j].trimmed().startsWith(QStringLiteral("$ "));
                ++j;
            }
            b.end = j;
            blocks << b;
            i = j - 1;
        }
    }
    return blocks;
}

QList<Example> extractExamples(const QString& path, const QString& shortName) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n');
    QList<Example> out;
    const QList<Block> blocks = findBlocks(lines);
    QList<bool> inBlock(lines.size(), false);
    for (const Block& b : blocks) {
        for (int i = qMax(0, b.begin - 1); i < qMin(static_cast<int>(lines.size()), b.end + 1);
             ++i) {
            inBlock[i] = true;  // fences included
        }
        qsizetype current = -1;  // the transcript example collecting expected output
        for (int i = b.begin; i < b.end; ++i) {
            const int first = i;
            QString line = lines[i];
            while (line.endsWith('\\') && i + 1 < b.end) {
                line.chop(1);
                line += ' ' + lines[++i].trimmed();
            }
            const QString trimmed = line.trimmed();
            if (trimmed.isEmpty()) {
                continue;
            }
            const bool prompted = trimmed.startsWith(QStringLiteral("$ "));
            const bool verb = trimmed.startsWith(QStringLiteral("meshx> "));
            if (b.transcript && !prompted && !verb) {
                if (current >= 0) {
                    out[current].expected << trimmed;
                }
                continue;
            }
            current = -1;
            Example ex;
            ex.file = shortName;
            ex.line = first + 1;
            ex.text = trimmed;
            ex.inBlock = true;
            ex.notRun = b.notRun;
            ex.transcript = b.transcript && prompted;
            if (parseExample(line, ex)) {
                out << ex;
                if (ex.transcript) {
                    current = out.size() - 1;
                }
            }
        }
    }
    static const QRegularExpression inlineCode(QStringLiteral("`([^`]+)`"));
    for (int i = 0; i < lines.size(); ++i) {
        if (inBlock[i]) {
            continue;
        }
        auto it = inlineCode.globalMatch(lines[i]);
        while (it.hasNext()) {
            Example ex;
            ex.file = shortName;
            ex.line = i + 1;
            ex.text = it.next().captured(1);
            if (parseExample(ex.text, ex) && !ex.shellVerb) {
                out << ex;
            }
        }
    }
    return out;
}

}  // namespace

class TestDocsExamples : public QObject {
    Q_OBJECT

    QHash<QString, QString> helpCache_;
    QTemporaryDir work_;
    QProcessEnvironment env_;

    QString help(const QString& program, const QStringList& command = {}) {
        const QString key = program + ' ' + command.join(' ');
        if (!helpCache_.contains(key)) {
            QProcess p;
            p.setProcessEnvironment(env_);
            p.start(meshxBinary(program), command + QStringList{"--help"});
            QString text;
            if (p.waitForStarted(30000) && p.waitForFinished(60000) && p.exitCode() == 0) {
                text = QString::fromUtf8(p.readAllStandardOutput());
            }
            helpCache_.insert(key, text);
        }
        return helpCache_.value(key);
    }

    // Commands `meshx --help` lists under "Commands:", each with its first word.
    QStringList meshxCommands() {
        const QString commands = help("meshx")
                                     .section(QStringLiteral("\nCommands:\n"), 1, 1)
                                     .section(QStringLiteral("\n\n"), 0, 0);
        static const QRegularExpression re(QStringLiteral("(?m)^  ([a-z][a-z0-9-]*)"));
        QStringList out;
        auto it = re.globalMatch(commands);
        while (it.hasNext()) {
            out << it.next().captured(1);
        }
        return out;
    }

    static QList<Example> allExamples() {
        const QString src = QStringLiteral(MESHX_SOURCE_DIR);
        QList<Example> all = extractExamples(src + "/README.md", "README.md");
        const QStringList docs = QDir(src + "/docs").entryList({"*.md"}, QDir::Files, QDir::Name);
        for (const QString& d : docs) {
            all << extractExamples(src + "/docs/" + d, "docs/" + d);
        }
        return all;
    }

    static bool runnable(const Example& ex) {
        if (!ex.inBlock || ex.notRun || ex.shellVerb) {
            return false;
        }
        const QStringList& w = ex.words;
        if (w.size() == 2 && (w[1] == "--help" || w[1] == "--version" || w[1] == "-h")) {
            return true;
        }
        if (w[0] == "meshx" && w.size() >= 3 && w[1] == "template" && w[2] == "render") {
            return true;
        }
        if (w[0] == "meshx" && w.size() == 3 && w[2] == "--help") {
            return true;
        }
        return w[0] == "meshx-console" && w.contains("--screenshot");
    }

  private slots:
    void initTestCase() {
        QVERIFY(work_.isValid());
        env_ = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"MESHX_CONFIG", "CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN"}) {
            env_.remove(QString::fromLatin1(name));
        }
        QVERIFY(QDir().mkpath(work_.filePath("home")));
        env_.insert("HOME", work_.filePath("home"));
        env_.insert("XDG_CONFIG_HOME", work_.filePath("home/.config"));
        env_.insert("QT_QPA_PLATFORM", "offscreen");
        env_.insert("PATH", QStringLiteral(MESHX_BIN_DIR) + ":" + env_.value("PATH"));
        // Examples run in a scratch directory that sees the source tree's top-level entries, so
        // relative paths to sources resolve and files they write land in the scratch directory.
        QVERIFY(QDir().mkpath(work_.filePath("cwd")));
        const QDir src(QStringLiteral(MESHX_SOURCE_DIR));
        for (const QString& entry : src.entryList(QDir::AllEntries | QDir::NoDotAndDotDot)) {
            if (entry != "build") {
                QFile::link(src.filePath(entry), work_.filePath("cwd/" + entry));
            }
        }
    }

    void documentsHaveExamples() {
        const auto all = allExamples();
        int run = 0;
        for (const auto& ex : all) {
            run += runnable(ex) ? 1 : 0;
        }
        qInfo("%lld examples, %d runnable", static_cast<long long>(all.size()), run);
        // README alone has dozens; a parser that finds none would pass everything.
        QVERIFY2(all.size() >= 20, "too few examples found: is the parser broken?");
        QVERIFY2(run >= 3, "too few runnable examples found");
    }

    void commandsAndFlagsExist_data() {
        QTest::addColumn<int>("index");
        const auto all = allExamples();
        for (int i = 0; i < all.size(); ++i) {
            QTest::addRow("%s:%d %s", qPrintable(all[i].file), all[i].line,
                          qPrintable(all[i].text.left(60)))
                << i;
        }
    }
    void commandsAndFlagsExist() {
        QFETCH(int, index);
        const Example ex = allExamples().at(index);
        QStringList words = ex.words;
        QString helpText;
        QString what;
        if (ex.shellVerb) {
            helpText = help("meshx", {"shell"});
            QVERIFY(!helpText.isEmpty());
            const QString commands = helpText.section(QStringLiteral("\nCommands:\n"), 1);
            const QRegularExpression verb(QStringLiteral("(?m)^") +
                                          QRegularExpression::escape(words[0]) +
                                          QStringLiteral("( |$)"));
            QVERIFY2(verb.match(commands).hasMatch(),
                     qPrintable("meshx shell has no verb '" + words[0] + "'"));
            what = "meshx shell";
        } else {
            const QString program = words[0];
            QVERIFY2(QFileInfo(meshxBinary(program)).isExecutable(),
                     qPrintable("no program " + meshxBinary(program)));
            helpText = help(program);
            QVERIFY2(!helpText.isEmpty(), qPrintable(program + " --help failed"));
            what = program;
            words.removeFirst();
            if (program == "meshx" && !words.isEmpty() && !isFlag(words[0])) {
                const QString command = words.takeFirst();
                QVERIFY2(meshxCommands().contains(command),
                         qPrintable("meshx has no command '" + command + "'"));
                helpText = help("meshx", {command});
                QVERIFY2(!helpText.isEmpty(), qPrintable("meshx " + command + " --help failed"));
                what = "meshx " + command;
                if (command == "template" && !words.isEmpty() && !isFlag(words[0])) {
                    QVERIFY2(mentions(helpText, "template " + words[0]),
                             qPrintable("meshx template has no '" + words[0] + "'"));
                    words.removeFirst();
                }
            }
        }
        for (const QString& w : words) {
            if (w == "--") {
                break;  // the rest is the command `meshx serve` runs
            }
            if (!isFlag(w) || w == "--help" || w == "--version") {
                continue;
            }
            QVERIFY2(mentions(helpText, flagName(w)),
                     qPrintable(what + " --help does not list " + flagName(w)));
        }
    }

    void runnableExamplesBehave_data() {
        QTest::addColumn<int>("index");
        const auto all = allExamples();
        for (int i = 0; i < all.size(); ++i) {
            if (runnable(all[i])) {
                QTest::addRow("%s:%d %s", qPrintable(all[i].file), all[i].line,
                              qPrintable(all[i].text.left(60)))
                    << i;
            }
        }
    }
    void runnableExamplesBehave() {
        QFETCH(int, index);
        const Example ex = allExamples().at(index);
        QProcessEnvironment env = env_;
        for (const QString& a : ex.assignments) {
            env.insert(a.section('=', 0, 0), a.section('=', 1));
        }
        QProcess p;
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(work_.filePath("cwd"));
        p.setStandardInputFile(QProcess::nullDevice());
        p.start(meshxBinary(ex.words[0]), ex.words.mid(1));
        QVERIFY(p.waitForStarted(30000));
        const bool finished = p.waitForFinished(180000);
        if (!finished) {
            p.kill();
            p.waitForFinished(5000);
        }
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QVERIFY2(finished, qPrintable("did not finish: " + ex.text));
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                 qPrintable(QStringLiteral("exit %1\n%2\n%3").arg(p.exitCode()).arg(out, err)));
        if (!ex.expected.isEmpty()) {
            QCOMPARE(out.trimmed(), ex.expected.join('\n').trimmed());
        }
        if (ex.words[0] == "meshx-console") {
            const int at = static_cast<int>(ex.words.indexOf("--screenshot"));
            QVERIFY(at + 1 < ex.words.size());
            const QImage image(QDir(work_.filePath("cwd")).filePath(ex.words[at + 1]));
            QVERIFY2(!image.isNull() && image.width() >= 400, "no screenshot written");
        }
    }

    // Every environment variable the documents name is read somewhere in the sources.
    void environmentVariablesExist() {
        const QString src = QStringLiteral(MESHX_SOURCE_DIR);
        QStringList docs = {src + "/README.md"};
        for (const QString& d : QDir(src + "/docs").entryList({"*.md"}, QDir::Files, QDir::Name)) {
            docs << src + "/docs/" + d;
        }
        static const QRegularExpression var(
            QStringLiteral("\\b((?:CONSUL|MESHX|CONNECT)_[A-Z0-9_]*[A-Z0-9])\\b"));
        QSet<QString> names;
        for (const QString& path : docs) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadOnly));
            auto it = var.globalMatch(QString::fromUtf8(f.readAll()));
            while (it.hasNext()) {
                names.insert(it.next().captured(1));
            }
        }
        QVERIFY2(names.contains("CONSUL_HTTP_ADDR"), "no variables found: parser broken?");
        const QString sources = readerSources(src);
        for (const QString& name : names) {
            QVERIFY2(mentions(sources, name),
                     qPrintable(name + " is documented but no source uses it"));
        }
    }
};

QTEST_GUILESS_MAIN(TestDocsExamples)
#include "test_docs_examples.moc"
