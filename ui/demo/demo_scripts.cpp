// The seed's four scenarios as guided demos (E1, E2: Erlang nodes; E3, E4: RPC).

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTimer>

#include <memory>

#include <nlohmann/json.hpp>

#include "mesh/service_mesh.h"
#include "ui/demo/demo_controller.h"
#include "ui/demo/demo_process.h"
#include "ui/demo/demo_script.h"
#include "ui/nodes/node_workbench.h"
#include "ui/rpc/instance_count_model.h"
#include "ui/rpc/rpc_workbench.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"

namespace meshx::ui {

namespace {

using Done = DemoStep::Done;

QString tr(const char* text) {
    return QCoreApplication::translate("DemoScripts", text);
}

Error err(const QString& text) {
    return makeError(Code::InvalidState, text.toStdString());
}

// `meshx rpc-serve` announces itself with one JSON object line on stdout.
bool isReadyJson(const QString& line) {
    if (!line.startsWith(QLatin1Char('{'))) {
        return false;
    }
    auto j = nlohmann::json::parse(line.toStdString(), nullptr, false);
    return j.is_object() && j.value("ready", false);
}

constexpr const char* kErlReady = "meshx-demo-ready";

bool isErlReady(const QString& line) {
    return line.contains(QLatin1String(kErlReady));
}

// Launches the providers one after the other and waits for each one's ready line.
void launchAndWait(DemoController& d, const QStringList& labels,
                   std::function<DemoProcess*(DemoController&, const QString&)> launch,
                   std::function<bool(const QString&)> ready, Done done, int i = 0,
                   QStringList seen = {}) {
    if (i == labels.size()) {
        done(seen.join(QStringLiteral("; ")));
        return;
    }
    DemoProcess* p = launch(d, labels[i]);
    d.waitForLine(p, ready, 90000,
                  [&d, labels, launch, ready, done, i, seen, p](Result<QString> r) mutable {
                      if (!r) {
                          done(r.error());
                          return;
                      }
                      seen << QStringLiteral("%1 ready (pid %2)").arg(labels[i]).arg(p->pid());
                      launchAndWait(d, labels, launch, ready, done, i + 1, seen);
                  });
}

void waitPassing(DemoController& d, const std::string& service, int want, Done done) {
    d.probeUntil(
        [&d, service, want]() -> Result<bool> {
            auto n = d.passingConnectInstances(service);
            if (!n) {
                return n.error();
            }
            return *n == want;
        },
        60000,
        [service, want, done](Status s) {
            if (!s) {
                done(s.error());
                return;
            }
            done(tr("%1 passing instance(s) of %2 behind their sidecars")
                     .arg(want)
                     .arg(QString::fromStdString(service)));
        });
}

// Connects `service` as an upstream of the default proxy service and opens a pool on it.
void connectPool(DemoController& d, const std::string& service, int size, Done done) {
    mesh::ServiceMesh* mesh = &d.context().session().mesh();
    struct Connected {
        Result<net::Address> at = makeError(Code::Internal, "not run");
        bool proxyExisted = false;
        std::string proxyId;
    };
    d.offGui<std::shared_ptr<Connected>>(
        [mesh, service] {
            auto c = std::make_shared<Connected>();
            const auto proxy = mesh::ProxyService::defaults();
            c->proxyId = proxy.id;
            const auto owned = mesh->list();
            c->proxyExisted = std::find(owned.begin(), owned.end(), proxy.id) != owned.end();
            auto r =
                mesh->connect({nlohmann::json(service)}, mesh::defaultUpstreamTemplate(), proxy);
            if (!r) {
                c->at = r.error();
            } else if (r->empty()) {
                c->at = makeError(Code::Internal, "connect answered nothing");
            } else {
                c->at = r->front();
            }
            if (c->at) {
                // The sidecar learns about the upstream from the agent: wait until it listens.
                if (auto s = RpcWorkbench::waitListening(*c->at, std::chrono::seconds(30)); !s) {
                    c->at = s.error();
                }
            }
            return c;
        },
        [&d, service, size, done](std::shared_ptr<Connected> c) {
            d.noteUpstream(QString::fromStdString(service), QString::fromStdString(c->proxyId),
                           !c->proxyExisted);
            d.context().refresh();
            if (!c->at) {
                done(c->at.error());
                return;
            }
            if (auto s = d.rpc().openPool(*c->at, size); !s) {
                done(s.error());
                return;
            }
            // A fresh path through two sidecars may refuse the first connections: wait for a
            // first answer (a real condition) before the step counts as done.
            const QString at = QString::fromStdString(c->at->toString());
            const QString proxyId = QString::fromStdString(c->proxyId);
            d.rpc().waitForAnswer(
                QStringLiteral("ping"), std::chrono::seconds(60), &d,
                [service, size, done, at, proxyId](Result<int> tries) {
                    if (!tries) {
                        done(tries.error());
                        return;
                    }
                    done(tr("upstream %1 on %2's sidecar listens at %3; a pool of %4 workers "
                            "dials it (first answer after %5 ping(s))")
                             .arg(QString::fromStdString(service), proxyId, at)
                             .arg(size)
                             .arg(*tries));
                });
        });
}

void expectCall(DemoController& d, const QString& fun, const nlohmann::json& arg, bool cast,
                std::function<QString(const RpcWorkbench::CallOutcome&)> check, Done done) {
    d.rpc().call(
        fun, arg, cast, &d, [&d, fun, arg, cast, check, done](RpcWorkbench::CallOutcome out) {
            const QString shown = QStringLiteral("%1 %2(%3) → %4 in %5 ms")
                                      .arg(cast ? QStringLiteral("cast") : QStringLiteral("call"),
                                           fun, QString::fromStdString(arg.dump()), out.text)
                                      .arg(out.millis, 0, 'f', 1);
            d.log(shown);
            if (!out.ok) {
                done(err(tr("%1 failed: %2").arg(fun, out.text)));
                return;
            }
            const QString problem = check ? check(out) : QString();
            if (!problem.isEmpty()) {
                done(err(problem));
                return;
            }
            done(shown);
        });
}

// One load run; `check` turns the summary into an error text (empty: fine).
void loadRound(DemoController& d, const QString& label, int calls,
               std::function<QString(const RpcWorkbench::LoadSummary&)> check, Done done) {
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = QObject::connect(
        &d.rpc(), &RpcWorkbench::loadFinished, &d,
        [conn, check, done, &d](const RpcWorkbench::LoadSummary& s) {
            QObject::disconnect(*conn);
            QStringList served;
            for (const auto& [who, n] : s.counts) {
                served << QStringLiteral("%1 ×%2").arg(QString::fromStdString(who)).arg(n);
            }
            const QString text = tr("%1 do_work calls in %2 s: %3 ok, %4 failed; served by %5")
                                     .arg(s.calls)
                                     .arg(s.seconds, 0, 'f', 2)
                                     .arg(s.ok)
                                     .arg(s.failed)
                                     .arg(served.join(QStringLiteral(", ")));
            d.log(text);
            if (s.failed > 0) {
                done(err(text + tr("; first error: %1").arg(s.firstError)));
                return;
            }
            const QString problem = check(s);
            if (!problem.isEmpty()) {
                done(err(problem));
                return;
            }
            done(text);
        });
    RpcWorkbench::LoadSpec spec;
    spec.calls = calls;
    spec.concurrency = calls;
    spec.minSleepMs = 100;
    spec.maxSleepMs = 300;
    spec.label = label;
    if (auto s = d.rpc().runLoad(spec); !s) {
        QObject::disconnect(*conn);
        done(s.error());
    }
}

DemoProcess* launchRpcProvider(DemoController& d, const QString& id) {
    return d.launchMeshx(
        id,
        {QStringLiteral("rpc-serve"), QStringLiteral("--service"), QStringLiteral("service1"),
         QStringLiteral("--id"), id, QStringLiteral("--min-sleep"), QStringLiteral("100"),
         QStringLiteral("--max-sleep"), QStringLiteral("300")},
        {id});
}

// An OTP node served as `service@any` through the mesh; the cookie comes from $HOME (see
// DemoController::launchMeshx), and `-meshx_instance ID` lets an rpc tell which one answered.
DemoProcess* launchErlPeer(DemoController& d, const QString& id) {
    return d.launchMeshx(
        id,
        {QStringLiteral("serve"), QStringLiteral("--service"), QStringLiteral("service@any"),
         QStringLiteral("--id"), id, QStringLiteral("--"), QStringLiteral("erl"),
         QStringLiteral("-sname"), QStringLiteral("service@any"), QStringLiteral("-start_epmd"),
         QStringLiteral("false"), QStringLiteral("-erl_epmd_port"), QStringLiteral("{{port}}"),
         QStringLiteral("-noinput"), QStringLiteral("-meshx_instance"), id, QStringLiteral("-eval"),
         QStringLiteral("io:format(\"%1 ~s~n\", [node()]).").arg(QLatin1String(kErlReady))},
        {id});
}

void startOurNode(DemoController& d, Done done) {
    d.node().start(
        d.context(), QStringLiteral("console@127.0.0.1"), d.cookie(), [&d, done](Status s) {
            if (!s) {
                done(s.error());
                return;
            }
            done(tr("%1 listens at %2, registered as node service %3 with a sidecar")
                     .arg(d.node().name(), d.node().listenAddress(), d.node().serviceId()));
        });
}

void nodeRpc(DemoController& d, const QString& module, const QString& function, const QString& args,
             std::function<QString(const QString&)> check, Done done) {
    d.node().rpc(
        QStringLiteral("service@any"), module, function, args,
        [&d, module, function, args, check, done](Result<QString> r) {
            const QString call =
                QStringLiteral("rpc service@any %1:%2(%3)").arg(module, function, args);
            if (!r) {
                d.log(call + QStringLiteral(" ✘ ") + QString::fromStdString(r.error().message));
                done(r.error());
                return;
            }
            d.log(call + QStringLiteral(" → ") + *r);
            const QString problem = check ? check(*r) : QString();
            if (!problem.isEmpty()) {
                done(err(problem));
                return;
            }
            done(QStringLiteral("%1 → %2").arg(call, *r));
        });
}

QString instanceIn(const QString& text) {
    static const QRegularExpression re(QStringLiteral("service@any-\\d+"));
    const auto m = re.match(text);
    return m.hasMatch() ? m.captured(0) : QString();
}

DemoStep step(const char* title, const char* explanation,
              std::function<void(DemoController&, Done)> action, int timeoutMs = 120000) {
    DemoStep s;
    s.title = tr(title);
    s.explanation = tr(explanation);
    s.action = std::move(action);
    s.timeoutMs = timeoutMs;
    return s;
}

}  // namespace

DemoScript rpcIntroDemo() {
    DemoScript script;
    script.id = QStringLiteral("e3");
    script.title = tr("E3 · RPC through the mesh");
    script.intro =
        tr("A provider serves RPC functions as mesh service service1; the console "
           "reaches it through an upstream on its proxy service and calls it.");
    script.steps.push_back(step(
        "Launch the provider",
        "<p>Runs <code>meshx rpc-serve --service service1 --id service1-demo</code>. It registers "
        "<b>service1</b> with a TTL check and a sidecar (a real <code>meshx-proxy</code>), starts "
        "an RPC server with <code>echo</code>, <code>ping</code>, <code>do_work</code> and "
        "<code>hostname</code> on the endpoint the engine gave it, and prints a JSON ready "
        "line.</p><p>The step waits for that line.</p>",
        [](DemoController& d, Done done) {
            launchAndWait(d, {QStringLiteral("service1-demo")}, launchRpcProvider, isReadyJson,
                          done);
        }));
    script.steps.push_back(step(
        "Wait until it passes its health check",
        "<p>Asks the agent for <code>/health/connect/service1?passing</code> until the provider's "
        "sidecar is listed: only passing instances receive traffic.</p>",
        [](DemoController& d, Done done) { waitPassing(d, "service1", 1, done); }));
    script.steps.push_back(
        step("Connect the upstream and open a pool",
             "<p>The engine adds <b>service1</b> as an upstream of the console's proxy service "
             "(<code>upstream-&lt;host&gt;</code>, started if needed). Its sidecar listens on a "
             "local port and carries each connection over mTLS to a healthy provider sidecar.</p>"
             "<p>A client pool of 5 workers dials that local port.</p>",
             [](DemoController& d, Done done) { connectPool(d, "service1", 5, done); }));
    script.steps.push_back(step(
        "echo", "<p>Calls <code>echo</code> with a JSON object; the same object comes back.</p>",
        [](DemoController& d, Done done) {
            const nlohmann::json arg = {{"hello", "mesh"}, {"n", 42}};
            expectCall(
                d, QStringLiteral("echo"), arg, false,
                [arg](const RpcWorkbench::CallOutcome& out) {
                    auto back = nlohmann::json::parse(out.text.toStdString(), nullptr, false);
                    return back == arg ? QString()
                                       : tr("echo answered %1, not the argument").arg(out.text);
                },
                done);
        }));
    script.steps.push_back(
        step("ping", "<p>Calls <code>ping</code>.</p>", [](DemoController& d, Done done) {
            expectCall(d, QStringLiteral("ping"), nullptr, false, {}, done);
        }));
    script.steps.push_back(
        step("call do_work",
             "<p>Calls <code>do_work</code>, which sleeps 100–300 ms on the provider (its "
             "<code>--min-sleep</code>/<code>--max-sleep</code>) and answers with the id of the "
             "instance that served it.</p>",
             [](DemoController& d, Done done) {
                 expectCall(
                     d, QStringLiteral("do_work"), nlohmann::json::array({50, 150}), false,
                     [](const RpcWorkbench::CallOutcome& out) {
                         return out.instance == QStringLiteral("service1-demo")
                                    ? QString()
                                    : tr("do_work was served by '%1', not service1-demo")
                                          .arg(out.instance);
                     },
                     done);
             }));
    script.steps.push_back(step(
        "cast",
        "<p>Casts <code>echo</code>: the provider acknowledges that it received and started the "
        "request, and sends no result.</p>",
        [](DemoController& d, Done done) {
            expectCall(d, QStringLiteral("echo"), nlohmann::json("fire and forget"), true, {},
                       done);
        }));
    return script;
}

DemoScript rpcLoadDemo() {
    DemoScript script;
    script.id = QStringLiteral("e4");
    script.title = tr("E4 · RPC load balancing and high availability");
    script.intro =
        tr("Two providers serve service1; 20 concurrent calls are spread over both; one "
           "is killed with SIGKILL and the next 20 calls are all served by the survivor.");
    script.showsCounts = true;
    script.steps.push_back(step(
        "Launch two providers",
        "<p>Runs <code>meshx rpc-serve --service service1</code> twice, with ids "
        "<b>service1-a</b> and <b>service1-b</b>: two instances of one service, each with its own "
        "sidecar. Waits for both ready lines.</p>",
        [](DemoController& d, Done done) {
            launchAndWait(d, {QStringLiteral("service1-a"), QStringLiteral("service1-b")},
                          launchRpcProvider, isReadyJson, done);
        },
        180000));
    script.steps.push_back(step(
        "Wait until both pass",
        "<p>Waits until <code>/health/connect/service1?passing</code> lists both sidecars.</p>",
        [](DemoController& d, Done done) { waitPassing(d, "service1", 2, done); }));
    script.steps.push_back(step(
        "Connect the upstream, pool of 20",
        "<p>Adds <b>service1</b> as an upstream of the console's proxy service and opens a client "
        "pool of 20 workers on it. The upstream sidecar hands each new connection to the next "
        "healthy instance (round-robin).</p>",
        [](DemoController& d, Done done) { connectPool(d, "service1", 20, done); }));
    script.steps.push_back(step(
        "20 calls, served by both",
        "<p>Runs 20 <code>do_work</code> calls at once (the providers sleep 100–300 ms in each). "
        "Each answer names "
        "the instance that served it; the table counts them. Both instances must serve, and no "
        "call may fail.</p>",
        [](DemoController& d, Done done) {
            loadRound(
                d, tr("before SIGKILL"), 20,
                [](const RpcWorkbench::LoadSummary& r) {
                    return r.counts.count("service1-a") > 0 && r.counts.count("service1-b") > 0
                               ? QString()
                               : tr("the calls were not served by both instances");
                },
                done);
        }));
    script.steps.push_back(step(
        "SIGKILL service1-a",
        "<p>Kills the provider <b>service1-a</b> with SIGKILL: no goodbye, no deregistration. Its "
        "sidecar dies with it; its registration stays until its TTL check expires.</p>",
        [](DemoController& d, Done done) {
            DemoProcess* p = d.process(QStringLiteral("service1-a"));
            if (!p || !p->running()) {
                done(err(tr("service1-a is not running")));
                return;
            }
            const qint64 pid = p->pid();
            p->kill();
            d.waitUntil([p] { return p->exited(); }, 15000,
                        [done, pid](bool gone) {
                            done(gone ? Result<QString>(tr("service1-a (pid %1) killed").arg(pid))
                                      : Result<QString>(err(tr("service1-a did not die"))));
                        });
        }));
    script.steps.push_back(step(
        "20 more calls, served by the survivor",
        "<p>Runs 20 more calls at once. Workers whose connection died reconnect (retry on "
        "<code>closed</code>/<code>tcp_closed</code>); the upstream sidecar skips the dead "
        "instance. Every call must succeed, all served by <b>service1-b</b>.</p>",
        [](DemoController& d, Done done) {
            loadRound(
                d, tr("after SIGKILL"), 20,
                [](const RpcWorkbench::LoadSummary& r) {
                    return r.counts.count("service1-a") == 0 && r.counts.count("service1-b") > 0
                               ? QString()
                               : tr("calls were still served by the killed instance");
                },
                done);
        }));
    return script;
}

DemoScript nodeIntroDemo() {
    DemoScript script;
    script.id = QStringLiteral("e1");
    script.title = tr("E1 · Erlang nodes through the mesh");
    script.intro =
        tr("Our hidden node and a real erl node reach each other through sidecars, "
           "without EPMD.");
    script.steps.push_back(step(
        "Start our node",
        "<p>Registers the node service <b>console@127.0.0.1</b> (MeshxNode's defaults: name and "
        "id are the node name) with a sidecar, and starts our hidden node listening on the "
        "endpoint the engine gave it. The cookie is random for this run and never shown.</p>",
        [](DemoController& d, Done done) { startOurNode(d, done); }));
    script.steps.push_back(step(
        "Serve a real erl node",
        "<p>Runs <code>meshx serve --service service@any --id service@any-1 -- erl -sname "
        "service@any -start_epmd false -erl_epmd_port {{port}} -noinput</code>: an OTP node "
        "listening for distribution on the service's endpoint, no EPMD. Waits for its ready "
        "line and its passing health.</p>",
        [](DemoController& d, Done done) {
            launchAndWait(d, {QStringLiteral("service@any-1")}, launchErlPeer, isErlReady,
                          [&d, done](Result<QString> r) {
                              if (!r) {
                                  done(r);
                                  return;
                              }
                              waitPassing(d, "service@any", 1, done);
                          });
        },
        180000));
    script.steps.push_back(
        step("Connect",
             "<p>Adds <b>service@any</b> as an upstream of our node service's sidecar and runs the "
             "distribution handshake through it (the cookie is checked). The list shows the "
             "connection.</p>",
             [](DemoController& d, Done done) {
                 d.node().connectNode(QStringLiteral("service@any"), [&d, done](Status s) {
                     if (!s) {
                         done(s.error());
                         return;
                     }
                     d.node().list([done](std::vector<NodeWorkbench::Peer> peers) {
                         QStringList names;
                         for (const auto& p : peers) {
                             names << QStringLiteral("%1 via %2").arg(p.name, p.endpoint);
                         }
                         if (names.isEmpty()) {
                             done(err(tr("connected, but the list is empty")));
                             return;
                         }
                         done(tr("connected: %1").arg(names.join(QStringLiteral(", "))));
                     });
                 });
             }));
    script.steps.push_back(step(
        "rpc erlang:node()", "<p>Asks the peer's <code>rex</code> server for its node name.</p>",
        [](DemoController& d, Done done) {
            nodeRpc(
                d, QStringLiteral("erlang"), QStringLiteral("node"), QStringLiteral("[]"),
                [](const QString& r) {
                    return r.contains(QLatin1String("service@any"))
                               ? QString()
                               : tr("unexpected node name %1").arg(r);
                },
                done);
        }));
    script.steps.push_back(
        step("rpc os:getpid()", "<p>The peer's OS process id, as an Erlang string.</p>",
             [](DemoController& d, Done done) {
                 nodeRpc(
                     d, QStringLiteral("os"), QStringLiteral("getpid"), QStringLiteral("[]"),
                     [](const QString& r) {
                         return r.startsWith(QLatin1Char('"')) ? QString()
                                                               : tr("not a string: %1").arg(r);
                     },
                     done);
             }));
    script.steps.push_back(step(
        "spawn a process",
        "<p>Spawns <code>timer:sleep(60000)</code> on the peer with a remote "
        "<code>erlang:spawn/3</code>; the pid prints as the peer prints it.</p>",
        [](DemoController& d, Done done) {
            nodeRpc(
                d, QStringLiteral("erlang"), QStringLiteral("spawn"),
                QStringLiteral("[timer, sleep, [60000]]"),
                [](const QString& r) {
                    return r.startsWith(QLatin1Char('<')) ? QString() : tr("not a pid: %1").arg(r);
                },
                done);
        }));
    return script;
}

DemoScript nodeHaDemo() {
    DemoScript script;
    script.id = QStringLiteral("e2");
    script.title = tr("E2 · Erlang node high availability");
    script.intro =
        tr("Two erl nodes serve service@any; rpc shows which one answered; stop it; the "
           "next rpc is answered by the other after a fresh handshake.");
    script.showsCounts = true;
    auto first = std::make_shared<QString>();
    script.steps.push_back(
        step("Start our node",
             "<p>Our hidden node <b>console@127.0.0.1</b> as a node service with a "
             "sidecar; a random cookie for this run, never shown.</p>",
             [](DemoController& d, Done done) { startOurNode(d, done); }));
    script.steps.push_back(step(
        "Serve service@any twice",
        "<p>Two OTP nodes, both named <b>service@any</b>, served as instances "
        "<b>service@any-1</b> and <b>service@any-2</b> of one service (no EPMD to object to "
        "the same name). Each gets <code>-meshx_instance ID</code> so an rpc can tell them "
        "apart. Waits for both ready lines and both passing.</p>",
        [](DemoController& d, Done done) {
            launchAndWait(d, {QStringLiteral("service@any-1"), QStringLiteral("service@any-2")},
                          launchErlPeer, isErlReady, [&d, done](Result<QString> r) {
                              if (!r) {
                                  done(r);
                                  return;
                              }
                              waitPassing(d, "service@any", 2, done);
                          });
        },
        240000));
    script.steps.push_back(step(
        "Connect and ask who answers",
        "<p>Connects to <b>service@any</b> through our sidecar's upstream (the sidecar picks one "
        "healthy instance) and calls <code>init:get_argument(meshx_instance)</code>.</p>",
        [first](DemoController& d, Done done) {
            d.counts().clear();
            nodeRpc(
                d, QStringLiteral("init"), QStringLiteral("get_argument"),
                QStringLiteral("[meshx_instance]"),
                [first, &d](const QString& r) {
                    *first = instanceIn(r);
                    if (first->isEmpty()) {
                        return tr("no instance in %1").arg(r);
                    }
                    const int run = d.counts().addRun(tr("before stop"));
                    d.counts().setCounts(run, {{first->toStdString(), 1}});
                    return QString();
                },
                done);
        }));
    script.steps.push_back(step(
        "Stop the one that answered",
        "<p>Sends SIGTERM to that instance's <code>meshx serve</code>: the erl node stops and "
        "the instance is deregistered, so only the other one stays healthy.</p>",
        [first](DemoController& d, Done done) {
            DemoProcess* p = d.process(*first);
            if (!p) {
                done(err(tr("no process for %1").arg(*first)));
                return;
            }
            p->terminate();
            d.waitUntil([p] { return p->exited(); }, 30000,
                        [&d, p, done](bool gone) {
                            if (!gone) {
                                done(err(tr("%1 did not stop").arg(p->label())));
                                return;
                            }
                            waitPassing(d, "service@any", 1, [p, done](Result<QString> r) {
                                if (!r) {
                                    done(r);
                                    return;
                                }
                                done(tr("%1 stopped and deregistered; %2").arg(p->label(), *r));
                            });
                        });
        }));
    script.steps.push_back(step(
        "rpc again: the other one answers",
        "<p>The connection to the stopped node broke. The next rpc asks the resolver again; the "
        "sidecar picks the remaining healthy instance and a fresh handshake runs (the cookie is "
        "checked again). The answer names the other instance.</p>",
        [first](DemoController& d, Done done) {
            auto attempts = std::make_shared<int>(0);
            // The rpc itself runs on the node workbench's threads: retry on the GUI side.
            auto tryOnce = std::make_shared<std::function<void()>>();
            std::weak_ptr<std::function<void()>> weak = tryOnce;
            auto deadline = std::make_shared<QElapsedTimer>();
            deadline->start();
            *tryOnce = [&d, first, attempts, done, weak, deadline] {
                auto self = weak.lock();
                ++*attempts;
                d.node().rpc(
                    QStringLiteral("service@any"), QStringLiteral("init"),
                    QStringLiteral("get_argument"), QStringLiteral("[meshx_instance]"),
                    [&d, first, attempts, done, self, deadline](Result<QString> r) {
                        if (r) {
                            const QString who = instanceIn(*r);
                            d.log(tr("rpc service@any init:get_argument(meshx_instance) → %1")
                                      .arg(*r));
                            if (who.isEmpty() || who == *first) {
                                done(err(tr("answered by %1, not the other instance").arg(*r)));
                                return;
                            }
                            const int run = d.counts().addRun(tr("after stop"));
                            d.counts().setCounts(run, {{who.toStdString(), 1}});
                            done(tr("answered by %1 (attempt %2), after a fresh handshake")
                                     .arg(who)
                                     .arg(*attempts));
                            return;
                        }
                        d.log(tr("attempt %1: %2")
                                  .arg(*attempts)
                                  .arg(QString::fromStdString(r.error().message)));
                        if (deadline->elapsed() > 60000) {
                            done(r.error());
                            return;
                        }
                        QTimer::singleShot(250, &d, [self] { (*self)(); });
                    });
            };
            (*tryOnce)();
        }));
    return script;
}

DemoScript demoById(const QString& id) {
    const QString k = id.trimmed().toLower();
    if (k == QLatin1String("e1")) {
        return nodeIntroDemo();
    }
    if (k == QLatin1String("e2")) {
        return nodeHaDemo();
    }
    if (k == QLatin1String("e3")) {
        return rpcIntroDemo();
    }
    if (k == QLatin1String("e4")) {
        return rpcLoadDemo();
    }
    return {};
}

QStringList demoIds() {
    return {QStringLiteral("e1"), QStringLiteral("e2"), QStringLiteral("e3"), QStringLiteral("e4")};
}

}  // namespace meshx::ui
