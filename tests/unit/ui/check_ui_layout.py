#!/usr/bin/env python3
"""Checks the console's house rules on the includes of ui/ and app/console/.

  check_ui_layout.py SOURCE_DIR
  check_ui_layout.py --selftest    (plants violations in a scratch tree; each must be caught)

ui/shared   models and widgets several pages use: includes ui/shared only
ui/shell    main window, session, page registry: includes ui/shell and ui/shared, never a page
ui/<page>   one page (services, rpc, demo...): any of the above and other pages, without a cycle
            between pages (demo -> rpc is fine; rpc -> demo as well would be a cycle)

Everywhere in ui/ and app/console/: a ui header is included as "ui/<folder>/<file>.h" and must
exist; any other quoted include must be a core header ("rpc/...", "engine/...") so "rpc/x.h" never
means two files; and core internals the console must not use are refused (the dev agent, the
proxy, ConsulMesh, RPC wire and transport internals). Prints each violation; exit 1 if any.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Reached only through engine::Session and mesh::ServiceMesh (docs/architecture.md).
FORBIDDEN = [
    (re.compile(r'^agent/'), 'the dev agent\'s internals (core/agent): use engine::Session'),
    (re.compile(r'^proxy/'), 'the sidecar\'s internals (core/proxy)'),
    (re.compile(r'^mesh/consul_mesh\.h$'), 'ConsulMesh: use mesh::ServiceMesh'),
    (re.compile(r'^rpc/(wire|transport)/'), 'RPC protocol internals: ui holds no protocol logic'),
    (re.compile(r'^(core|app|tests)/'), 'a path from the repository root: core headers are '
                                        '"<module>/<file>.h"'),
]
GENERATED = {'meshx/version.h'}  # core/generated (configure_file)
LAYERS = {'shared': {'shared'}, 'shell': {'shell', 'shared'}}


def sources(root, top):
    for dirpath, _, names in os.walk(os.path.join(root, top)):
        for name in sorted(names):
            if name.endswith(('.h', '.cpp', '.cpp.in')):
                path = os.path.join(dirpath, name)
                yield os.path.relpath(path, root).replace(os.sep, '/')


def includes(root, path):
    with open(os.path.join(root, path), encoding='utf-8') as f:
        text = f.read()
    for m in INCLUDE.finditer(text):
        yield text.count('\n', 0, m.start()) + 1, m.group(1)


def find_cycle(edges):
    """A list of pages forming a cycle in {page: {pages}}, or None."""
    state = {}

    def visit(node, path):
        state[node] = 'open'
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 'open':
                return path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = 'done'
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def check(root):
    problems = []
    page_edges = {}
    files = list(sources(root, 'ui')) + list(sources(root, 'app/console'))
    for path in files:
        parts = path.split('/')
        folder = parts[1] if parts[0] == 'ui' and len(parts) > 2 else None
        for line, inc in includes(root, path):
            where = f'{path}:{line}: "{inc}"'
            if inc.startswith('ui/'):
                target = inc.split('/')
                if len(target) != 3 or not os.path.isfile(os.path.join(root, inc)):
                    problems.append(f'{where}: no such ui header (ui/<folder>/<file>.h)')
                    continue
                to = target[1]
                if folder in LAYERS and to not in LAYERS[folder]:
                    problems.append(f'{where}: ui/{folder} may include only '
                                    + ', '.join(f'ui/{f}' for f in sorted(LAYERS[folder])))
                elif folder and folder not in LAYERS and to not in LAYERS and to != folder:
                    page_edges.setdefault(folder, set()).add(to)
                continue
            if os.path.dirname(inc) == '' and os.path.isfile(
                    os.path.join(root, os.path.dirname(path), inc)):
                if parts[0] == 'ui':  # app/console's own headers are fine
                    problems.append(f'{where}: include ui headers as "ui/<folder>/{inc}"')
                continue
            refused = [why for pattern, why in FORBIDDEN if pattern.search(inc)]
            if refused:
                problems.append(f'{where}: {refused[0]}')
            elif inc not in GENERATED and not os.path.isfile(os.path.join(root, 'core', inc)):
                problems.append(f'{where}: neither "ui/..." nor a core header')
    cycle = find_cycle(page_edges)
    if cycle:
        problems.append('pages include each other in a cycle: '
                        + ' -> '.join(f'ui/{p}' for p in cycle)
                        + ' (move what both use to ui/shared, or make one depend on the other only)')
    return problems, page_edges


def selftest():
    """The check catches a planted cycle, layer break and core internal, and passes clean code."""
    import shutil
    import tempfile

    scratch = tempfile.mkdtemp(prefix='ui-layout-')

    def tree(files):
        root = tempfile.mkdtemp(dir=scratch)
        for path, text in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
            with open(os.path.join(root, path), 'w', encoding='utf-8') as f:
                f.write(text)
        return root

    clean = {
        'core/rpc/rpc_server.h': '',
        'ui/shared/hint_line.h': '#include "rpc/rpc_server.h"\n',
        'ui/shell/main_window.h': '#include "ui/shared/hint_line.h"\n',
        'ui/rpc/rpc_page.h': '#include "ui/shell/main_window.h"\n#include "meshx/version.h"\n',
        'ui/demo/demo_panel.h': '#include "ui/rpc/rpc_page.h"\n',
        'app/console/main.cpp': '#include "ui/demo/demo_panel.h"\n',
    }
    cases = {
        'cycle': {'ui/rpc/rpc_page.cpp': '#include "ui/demo/demo_panel.h"\n'},
        'ui/shared may include only': {'ui/shared/x.h': '#include "ui/shell/main_window.h"\n'},
        'ui/shell may include only': {'ui/shell/x.h': '#include "ui/rpc/rpc_page.h"\n'},
        'core/agent': {'ui/rpc/x.cpp': '#include "agent/dev_agent.h"\n'},
        'ConsulMesh': {'ui/demo/x.cpp': '#include "mesh/consul_mesh.h"\n'},
        'no such ui header': {'ui/rpc/x.cpp': '#include "ui/rpc/missing.h"\n'},
        'neither': {'ui/rpc/x.cpp': '#include "rpc/rpc_page.h"\n'},
        'include ui headers as': {'ui/rpc/x.cpp': '#include "rpc_page.h"\n'},
    }
    try:
        return run_cases(tree, clean, cases)
    finally:
        shutil.rmtree(scratch)


def run_cases(tree, clean, cases):
    problems, _ = check(tree(clean))
    if problems:
        print('selftest: a clean tree was refused:', *problems, sep='\n  ')
        return 1
    for expect, planted in cases.items():
        problems, _ = check(tree({**clean, **planted}))
        if not any(expect in p for p in problems):
            print(f'selftest: planted {planted} was not caught as "{expect}": {problems}')
            return 1
    print(f'selftest: a clean tree passes and all {len(cases)} planted violations are caught')
    return 0


def main():
    if sys.argv[1:] == ['--selftest']:
        return selftest()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    problems, edges = check(sys.argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f'{len(problems)} violation(s) of the ui layout (see docs/architecture.md)')
        return 1
    links = ', '.join(f'{a} -> {b}' for a in sorted(edges) for b in sorted(edges[a]))
    print(f'ui layout ok; pages using other pages: {links or "none"}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
