"""The HTML report (issue 16) in a real headless Chromium, driven through the DevTools
protocol (chromium_cdp.py): it loads without console errors, every section renders, the
site table sorts and filters, a flame-graph frame zooms, a tree node expands, the baseline's
changes show, the graphs are drawn; and a hostile symbol name stays text. A screenshot of
the first screen is kept in tests/work/html/ (docs/images/html-report.png is one)."""

import json
import os
import re

from chromium_cdp import Browser, BrowserError
from fixtures import memattr, parse_report, run
from cases.history import build_example

SECTIONS = ["overview", "findings", "timeline", "sites", "flame", "tree", "copies",
            "duplicates", "never-read", "leaks", "growth", "memory-map", "threads", "graphs"]

# A function name that would run script if the page put trace strings into its markup.
HOSTILE = "</script><img src=x onerror=window.__pwned=1><script>window.__pwned=2</script>"


def write_html(env, results, name, trace, *options, environment=None):
    """`memattr-graph html` of `trace` into tests/work/html/NAME.html; the path, or None."""
    out = env.out(os.path.join("html", f"{name}.html"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    proc = run([env.graph, "html", trace, "-o", out, *options], env=environment)
    ok = proc.returncode == 0 and os.path.exists(out)
    results.check(f"html {name}: written", ok, proc.stderr)
    return out if ok else None


def json_of(env, trace):
    return parse_report(run([env.graph, "json", trace, "--top", "0"]).stdout)


def sections_rendered(page):
    return page.evaluate("Object.fromEntries([...document.querySelectorAll('main > section')]"
                         ".map(s => [s.id, s.dataset.rendered || 'no']))")


def site_column(page):
    """The site ids of the table's rows, top to bottom."""
    return page.evaluate("[...document.querySelectorAll('#site-table tbody tr.site-row')]"
                         ".map(r => Number(r.dataset.site))")


def check_site_table(page, results, report):
    sites = report["sites"]
    by_total = sorted(sites, key=lambda s: (-s["total"]["bytes"], s["id"]))
    page.click("#site-table th[data-sort=total_bytes]")
    shown = site_column(page)
    results.equal("html: sorting by 'Allocated' orders the sites by total bytes",
                  shown[:5], [s["id"] for s in by_total[:5]])
    page.click("#site-table th[data-sort=total_bytes]")
    results.equal("html: a second click sorts the other way",
                  site_column(page)[:3],
                  [s["id"] for s in sorted(sites, key=lambda s: (s["total"]["bytes"], s["id"]))][:3])
    page.evaluate("(() => { const f = document.getElementById('site-filter');"
                  " f.value = 'cache_bodies'; f.dispatchEvent(new Event('input')); })()")
    filtered = site_column(page)
    wanted = {s["id"] for s in sites
              if any("cache_bodies" in (frame["fn"] or "") for frame in s["stack"])}
    results.equal("html: the filter keeps exactly the sites whose stack matches",
                  set(filtered), wanted)
    page.click(f"#site-table tr.site-row[data-site='{filtered[0]}']")
    stack = page.evaluate("document.querySelector('#site-table tr.stack-row').textContent")
    results.check("html: a row's click shows its stack", "cache_bodies" in stack, stack)
    page.evaluate("(() => { const f = document.getElementById('site-filter');"
                  " f.value = ''; f.dispatchEvent(new Event('input'));"
                  " const g = document.getElementById('site-group');"
                  " g.value = 'function'; g.dispatchEvent(new Event('change')); })()")
    groups = page.evaluate("[...document.querySelectorAll('#site-table tr.site-row')]"
                           ".map(r => r.dataset.group)")
    functions = {s["location"]["fn"] for s in sites}
    results.check("html: the view by function has one row per site function",
                  len(groups) == len(functions) and "cache_bodies" in groups, str(groups))


def check_flame_graph(page, results, report):
    total = page.evaluate("document.getElementById('flame-path').textContent")
    results.check("html: the flame graph's width is the peak",
                  f"{report['summary']['peak']['bytes']:,}" in page.evaluate(
                      "document.querySelector('#overview').textContent") and "in all" in total,
                  total)
    target = page.evaluate("(() => { const n = [...document.querySelectorAll('.flame-node')]"
                           ".find(n => n.dataset.depth === '2' && n.dataset.name); "
                           "return n ? n.dataset.name : null; })()")
    results.check("html: the flame graph has frames below main", bool(target))
    if not target:
        return
    page.click(f".flame-node[data-depth='2'][data-name='{target}']")
    zoomed = page.evaluate("document.getElementById('flame-path').textContent")
    ancestors = page.evaluate("document.querySelectorAll('.flame-node.ancestor').length")
    results.check("html: a click on a frame zooms into it",
                  "zoomed into" in zoomed and target in zoomed and ancestors == 2, zoomed)
    page.click("#flame-reset")
    results.check("html: reset zooms out",
                  "zoomed" not in page.evaluate("document.getElementById('flame-path').textContent"))
    page.evaluate("(() => { const s = document.getElementById('flame-metric');"
                  " s.value = 'total_bytes'; s.dispatchEvent(new Event('change')); })()")
    total_text = page.evaluate("document.getElementById('flame-path').textContent")
    results.check("html: the flame graph switches to bytes allocated",
                  total_text.startswith("bytes allocated over the run"), total_text)


def check_tree(page, results):
    before = page.evaluate("document.querySelectorAll('#retained-tree li').length")
    page.click("#retained-tree .tree-toggle[aria-expanded=false]")
    after = page.evaluate("document.querySelectorAll('#retained-tree li').length")
    expanded = page.evaluate("document.querySelectorAll('#retained-tree "
                             ".tree-toggle[aria-expanded=true]').length")
    results.check("html: a tree node expands into what it keeps alive",
                  after > before and expanded == 1, f"{before} -> {after} nodes")


def case_html_report_in_browser(env, results):
    """doc_store's regression against its baseline, as an HTML page opened in Chromium."""
    base = memattr(env, build_example(env, "html-base", ["-O1"]))
    regressed = memattr(env, build_example(env, "html-regressed", ["-O1"],
                                           defines=["DOC_STORE_REGRESSION"]))
    page_path = write_html(env, results, "doc_store", regressed.trace, "--baseline", base.trace)
    if not page_path:
        return
    size = os.path.getsize(page_path)
    with open(page_path, encoding="utf-8") as f:
        text = f.read()
    results.check("html: self-contained (no http(s) URL, no external script or style)",
                  not re.search(r"""(src|href)=["']?(https?:)?//""", text), "")
    report = json_of(env, regressed.trace)
    try:
        with Browser() as browser:
            page = browser.open(page_path)
            results.equal("html: no console errors or exceptions", page.console_errors(), [])
            results.equal("html: every section renders", sections_rendered(page),
                          {section: "yes" for section in SECTIONS})
            shot = env.out(os.path.join("html", "first-screen.png"))
            page.screenshot(shot)
            with open(shot, "rb") as f:
                results.check("html: a screenshot of the first screen is kept",
                              f.read(8) == b"\x89PNG\r\n\x1a\n", shot)
            findings = page.evaluate("[...document.querySelectorAll('#findings .finding')]"
                                     ".map(f => f.dataset.kind + (f.querySelector('.tag') ? "
                                     "':' + f.querySelector('.tag').textContent : ''))")
            results.equal("html: the findings are the report's, in its order",
                          [f.split(":")[0] for f in findings],
                          [f["kind"] for f in report["findings"]])
            results.check("html: the regression's leak is marked as appeared against the baseline",
                          "leak:appeared" in findings, str(findings))
            delta = page.evaluate("document.querySelector('#overview').textContent")
            results.check("html: the overview compares the peak with the baseline",
                          "Against the baseline" in delta, delta[:200])
            check_site_table(page, results, report)
            check_flame_graph(page, results, report)
            check_tree(page, results)
            drawn = page.evaluate("Promise.all([...document.querySelectorAll('#graphs img')]"
                                  ".map(i => i.decode().then(() => i.naturalWidth)))")
            results.check("html: Graphviz's drawings of the graphs load as images",
                          len(drawn) >= 1 and all(width > 0 for width in drawn), str(drawn))
            results.equal("html: no console errors after the clicks", page.console_errors(), [])
    except BrowserError as error:
        results.check("html: the browser test runs", False, str(error))
    results.check("html: the page stays small", size < 2_000_000, f"{size} bytes")


def case_html_escapes_hostile_symbols(env, results):
    """A trace whose function name is markup: the page shows it as text, runs none of it."""
    traced = memattr(env, "cxx_alloc.cpp")
    hostile = env.out(os.path.join("html", "hostile.trace"))
    os.makedirs(os.path.dirname(hostile), exist_ok=True)
    with open(traced.trace, encoding="utf-8", errors="surrogateescape") as f:
        trace = f.read()
    renamed, count = re.subn(r"(\tfn=)main\t", lambda m: m.group(1) + HOSTILE + "\t", trace)
    results.check("html: the hostile name is in the trace", count > 0)
    with open(hostile, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(renamed)
    # Without Graphviz (no `dot` on PATH) the page draws the graphs' top edges itself.
    page_path = write_html(env, results, "hostile", hostile,
                           environment=dict(os.environ, PATH="/nonexistent"))
    if not page_path:
        return
    try:
        with Browser() as browser:
            page = browser.open(page_path)
            results.equal("html: hostile names run no script", page.evaluate("window.__pwned || 0"), 0)
            results.equal("html: hostile names make no element",
                          page.evaluate("document.querySelectorAll('main img:not(.graph-img), "
                                        "main script').length"), 0)
            page.evaluate("(() => { const f = document.getElementById('site-filter');"
                          " f.value = '</script>'; f.dispatchEvent(new Event('input')); })()")
            shown = page.evaluate("document.querySelector('#site-table').textContent")
            results.check("html: the hostile name is shown as text", HOSTILE in shown, shown[:300])
            drawn = page.evaluate("[document.querySelectorAll('#ownership-drawing line').length, "
                                  "document.querySelector('#graphs .note').textContent]")
            results.check("html: without Graphviz the page draws the ownership graph's edges",
                          drawn[0] > 0 and "Graphviz is not installed" in drawn[1], str(drawn))
            results.equal("html: no console errors", page.console_errors(), [])
    except BrowserError as error:
        results.check("html: the browser test runs", False, str(error))


CASES = [case_html_report_in_browser, case_html_escapes_hostile_symbols]
