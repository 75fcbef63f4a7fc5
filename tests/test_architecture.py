"""The house stays easy to walk: no import circles between files, and each app imports only
the layers below it (that contract is in pyproject.toml, checked by `lint-imports` in
`make test`).

grimp reads every import statement, including those inside functions, so a circle hidden in a
function body is still found."""

import grimp


def _graph():
    return grimp.build_graph("kb")


def _project_modules(graph):
    return sorted(m for m in graph.modules if ".migrations" not in m)


def test_no_module_imports_itself_through_another():
    graph = _graph()
    circles = set()
    for importer in _project_modules(graph):
        for imported in graph.find_modules_directly_imported_by(importer):
            if ".migrations" in imported:
                continue
            if graph.find_shortest_chain(importer=imported, imported=importer):
                circles.add(tuple(sorted((importer, imported))))
    assert not circles, f"import circles: {sorted(circles)}"


def test_core_imports_no_content_app():
    graph = _graph()
    core = [m for m in graph.find_descendants("kb.core") if ".migrations" not in m] + ["kb.core"]
    content = ("kb.guides", "kb.cases", "kb.ideas", "kb.search", "kb.publishing")
    offending = sorted(
        (module, imported)
        for module in core
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.startswith(content)
    )
    assert not offending
