// The HTML report's script: renders the data of <script id="report-data"> (the JSON report
// with a compact site table: report/html_reporter.h) into the page's sections.
//
// Every string of the data comes from the profiled program and may be hostile, so text only
// ever enters the page through textContent or attribute values set by setAttribute, never
// through innerHTML. Each section's renderer marks its <section> with data-rendered="yes"
// (or "failed" with the error shown in it), which the browser tests check.
"use strict";

const data = JSON.parse(document.getElementById("report-data").textContent);

// ------------------------------------------------------------------ helpers

// el("td", {class: "num"}, "12 B", child...): an element with attributes and children
// (strings become text nodes).
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {}))
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
  for (const child of children)
    if (child !== null && child !== undefined)
      node.append(child instanceof Node ? child : String(child));
  return node;
}

function svg(tag, attributes, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];
function bytes(value) {
  if (value === null || value === undefined) return "-";
  let v = Math.abs(value), unit = 0;
  while (v >= 1024 && unit < UNITS.length - 1) { v /= 1024; ++unit; }
  const text = unit === 0 ? `${v} B` : `${v.toFixed(2)} ${UNITS[unit]}`;
  return value < 0 ? `-${text}` : text;
}
function signedBytes(value) { return value > 0 ? `+${bytes(value)}` : bytes(value); }
function count(value) { return value === null || value === undefined ? "-" : Number(value).toLocaleString("en-US"); }
function percent(part, whole) { return whole ? `${(100 * part / whole).toFixed(1)}%` : "-"; }
function time(value) {
  const unit = data.trace.time_unit === "instr" ? "instr" : data.trace.time_unit;
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)} G${unit}`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} M${unit}`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k${unit}`;
  return `${value} ${unit}`;
}

function body(id) { return document.querySelector(`#${id} .body`); }
function note(text) { return el("p", {class: "note"}, text); }

// A table of `rows`: columns are {title, value(row) -> text or Node, num: right-aligned}.
function table(columns, rows, attributes) {
  const head = el("tr", {}, ...columns.map(c => el("th", {class: c.num ? "num" : null}, c.title)));
  const tbody = el("tbody");
  for (const row of rows)
    tbody.append(el("tr", {}, ...columns.map(c => el("td", {class: c.num ? "num" : c.mono ? "where" : null}, c.value(row)))));
  return el("table", attributes || {}, el("thead", {}, head), tbody);
}

// "N more rows in the JSON report" when the page holds fewer rows than the report.
function truncatedNote(pointer) {
  const total = data.truncated && data.truncated[pointer];
  return total ? note(`The page holds the first rows of ${count(total)}; the JSON report written with --top 0 has them all.`) : "";
}

// ------------------------------------------------------------------ sites and frames

const table_ = data.site_table;
const column = Object.fromEntries(table_.columns.map((name, index) => [name, index]));
const sites = table_.rows.map(row => Object.fromEntries(table_.columns.map((name, i) => [name, row[i]])));
const siteById = new Map(sites.map(site => [site.id, site]));

function baseName(path) { return path.slice(path.lastIndexOf("/") + 1); }
// A frame without a symbol, by its object and its offset there: "libz.so.1+0x3f2a".
function objectPlace(object, offset) { return `${baseName(table_.objects[object] || "")}+0x${offset.toString(16)}`; }
function frameText(index) {
  const [fn, file, line, object, offset] = table_.frames[index];
  if (file) return `${fn} (${file}:${line})`;
  if (offset) return `${objectPlace(object, offset)} (in ${table_.objects[object]})`;
  return `${fn} (in ${table_.objects[object]})`;
}
function frameFunction(index) {
  const [fn, , , object, offset] = table_.frames[index];
  if (fn && fn !== "???") return fn;
  return offset ? objectPlace(object, offset) : `??? in ${baseName(table_.objects[object] || "")}`;
}
function siteLabel(id) {
  const site = siteById.get(id);
  if (!site) return `site ${id}`;
  return site.stack.length ? `${frameText(site.stack[0])} [site ${id}]` : `site ${id}`;
}
// A frame of the JSON report's frame table (data.frames), by its index there.
function locationText(index) {
  const location = index === null || index === undefined ? null : data.frames[index];
  if (!location) return "-";
  if (location.file) return `${location.fn} (${location.file}:${location.line})`;
  if (location.obj_offset) return `${baseName(location.obj)}+${location.obj_offset} (in ${location.obj})`;
  return `${location.fn} (in ${location.obj})`;
}
function stackList(site) {
  const list = el("ol", {class: "stack"}, ...site.stack.map(f => el("li", {}, frameText(f))));
  if (site.omitted_frames) list.append(el("li", {class: "muted"}, `${site.omitted_frames} more callers`));
  return list;
}

// The baseline (--baseline): its sites' figures by key, and the diff of the two runs.
const baseline = data.baseline;
const baselineSites = baseline ? new Map(Object.entries(baseline.sites)) : null;
const siteKeyTotals = new Map();  // this run's figures summed by key, as the diff sums them
for (const site of sites) {
  const sum = siteKeyTotals.get(site.key) || {peak_bytes: 0, total_bytes: 0, exit_bytes: 0};
  sum.peak_bytes += site.peak_bytes; sum.total_bytes += site.total_bytes; sum.exit_bytes += site.exit_bytes;
  siteKeyTotals.set(site.key, sum);
}
// This run's site minus the baseline's sites of the same key, for a metric; null without one.
function siteDelta(site, metric) {
  if (!baselineSites) return null;
  const before = baselineSites.get(site.key);
  const now = siteKeyTotals.get(site.key)[metric];
  return now - (before ? before[metric] || 0 : 0);
}
function deltaNode(delta) {
  if (delta === null) return null;
  return el("span", {class: delta > 0 ? "delta-up" : delta < 0 ? "delta-down" : "muted"}, delta === 0 ? "=" : signedBytes(delta));
}

// ------------------------------------------------------------------ sections

function renderOverview() {
  const s = data.summary;
  const cmd = data.trace.cmd;
  document.getElementById("program").textContent = `${cmd.exe} ${cmd.args}`.trim();
  document.title = `memattr: ${cmd.exe.slice(cmd.exe.lastIndexOf("/") + 1)}`;
  const figures = el("dl", {class: "figures"});
  const add = (label, ...value) => figures.append(el("dt", {}, label), el("dd", {}, ...value));
  add("Peak live heap", el("span", {class: "big"}, bytes(s.peak.bytes)),
      ` (${count(s.peak.bytes)} bytes) in ${count(s.peak.blocks)} blocks at ${time(s.peak.t)}`);
  const map = data.memory_map;
  const resident = s.resident;
  if (map && resident) {
    const parts = [["heap", resident.heap], ["mappings", resident.mappings],
                   ["thread stacks", resident.thread_stacks], ["start-up data", resident.startup],
                   ["outside every region", resident.outside], ["code executed", resident.code],
                   ["file pages read", resident.read || 0]]
        .filter(([, value]) => value).map(([name, value]) => `${name} ${bytes(value)}`).join(" + ");
    add("Resident estimate", `${bytes(resident.estimate)} = ${parts}`);
    if (map.native_rss) add("Native peak RSS", bytes(map.native_rss.bytes !== undefined ? map.native_rss.bytes : map.native_rss));
  }
  add("Allocated", `${bytes(s.total.bytes)} in ${count(s.total.blocks)} blocks over ${time(s.instructions)}`);
  add("Live at exit", `${bytes(s.exit.bytes)} in ${count(s.exit.blocks)} blocks`);
  const culprits = (s.culprits || []).slice(0, 8);
  add("Top culprits", culprits.length ? el("ol", {id: "culprits"}, ...culprits.map(c =>
      el("li", {}, `${bytes(c.bytes)} (${percent(c.bytes, map && map.total ? map.estimate : s.peak.bytes)}) `,
         el("span", {class: "mono"}, c.name),
         c.kind === "site" ? (c.unwritten_bytes ? el("span", {class: "muted"}, `, and ${bytes(c.unwritten_bytes)} more on pages never written`) : "")
                           : el("span", {class: "muted"}, " resident pages")))) : "none");
  if (baseline) {
    const t = baseline.diff.totals.peak_bytes;
    add("Against the baseline", `${baseline.source}: peak ${bytes(t.base)} → ${bytes(t.new)} `,
        deltaNode(t.new - t.base));
  }
  body("overview").append(figures);
}

function renderFindings() {
  const findings = data.findings || [];
  const target = body("findings");
  if (!findings.length) {
    target.append(note("Nothing found that need not be there."));
    return;
  }
  const changes = new Map();
  if (baseline) for (const row of baseline.diff.findings) changes.set(row.key, row.change);
  target.append(note("What each fix would save, most bytes first."));
  findings.forEach((finding, rank) => {
    const change = changes.get(finding.key);
    target.append(el("div", {class: "finding", "data-kind": finding.kind},
      el("div", {},
        el("span", {class: "saving"}, `${rank + 1}. ${finding.estimate ? "about " : ""}${bytes(finding.bytes)} at ${finding.moment === "peak" ? "the peak" : "exit"}`),
        el("span", {class: "kind"}, finding.kind.replace(/_/g, " ")),
        change ? el("span", {class: `tag ${change}`}, change) : null),
      finding.location ? el("div", {class: "where"}, `at ${locationText(finding.location)}`) : null,
      el("div", {class: "evidence"}, finding.evidence)));
  });
  target.append(truncatedNote("/findings"));
  const gone = baseline ? baseline.diff.findings.filter(row => row.change === "disappeared") : [];
  if (gone.length)
    target.append(el("h3", {}, "Gone since the baseline"),
                  el("ul", {id: "findings-gone"}, ...gone.map(row => el("li", {}, `${row.kind}: ${row.label} (${bytes(row.base)})`))));
}

function renderTimeline() {
  const points = data.timeline;
  const target = body("timeline");
  if (!points.length) { target.append(note("No timeline samples.")); return; }
  const width = 1000, height = 240, left = 70, bottom = 20;
  const tMax = Math.max(points[points.length - 1].t, 1);
  const yMax = Math.max(...points.map(p => p.bytes), 1);
  const x = t => left + (width - left - 10) * t / tMax;
  const y = b => height - bottom - (height - bottom - 10) * b / yMax;
  let path = `M${x(points[0].t)},${y(0)}`;
  let last = 0;
  for (const p of points) { path += ` L${x(p.t)},${y(last)} L${x(p.t)},${y(p.bytes)}`; last = p.bytes; }
  path += ` L${x(tMax)},${y(last)} L${x(tMax)},${y(0)} Z`;
  const chart = svg("svg", {class: "chart", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img"});
  // Phases as shaded spans, marks and boundaries as dashed lines.
  const begins = new Map();
  for (const event of data.timeline_events || []) {
    if (event.kind === "phase_begin") begins.set(event.phase, event);
    else if (event.kind === "phase_end" && begins.has(event.phase)) {
      const b = begins.get(event.phase);
      chart.append(svg("rect", {class: "phase", x: x(b.t), y: 10, width: Math.max(x(event.t) - x(b.t), 1), height: height - bottom - 10},
                       svg("title", {}, `${event.name} #${event.iteration}: ${time(b.t)} to ${time(event.t)}`)));
    } else if (event.kind === "mark")
      chart.append(svg("line", {class: "event", x1: x(event.t), x2: x(event.t), y1: 10, y2: height - bottom},
                       svg("title", {}, `${event.name} at ${time(event.t)}`)));
  }
  chart.append(svg("path", {class: "area", d: path}));
  chart.append(svg("line", {class: "axis", x1: left, x2: width - 10, y1: y(0), y2: y(0)}));
  chart.append(svg("line", {class: "axis", x1: left, x2: left, y1: 10, y2: y(0)}));
  chart.append(svg("text", {x: left - 4, y: y(yMax) + 4, "text-anchor": "end"}, bytes(yMax)));
  chart.append(svg("text", {x: left - 4, y: y(0), "text-anchor": "end"}, "0"));
  chart.append(svg("text", {x: width - 10, y: height - 4, "text-anchor": "end"}, time(tMax)));
  const peak = points.find(p => p.peak) || points.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  chart.append(svg("circle", {class: "peak", cx: x(peak.t), cy: y(peak.bytes), r: 5},
                   svg("title", {}, `the peak: ${bytes(peak.bytes)} at ${time(peak.t)}`)));
  const tip = el("div", {id: "chart-tip", class: "note"}, `The peak: ${bytes(peak.bytes)} in ${count(peak.blocks)} blocks at ${time(peak.t)}. Point at the chart for the live heap at a moment.`);
  chart.addEventListener("mousemove", event => {
    const box = chart.getBoundingClientRect();
    const t = (event.clientX - box.left) / box.width * width;
    const moment = (t - left) / (width - left - 10) * tMax;
    let sample = points[0];
    for (const p of points) { if (p.t > moment) break; sample = p; }
    tip.textContent = `${bytes(sample.bytes)} in ${count(sample.blocks)} blocks at ${time(sample.t)}`;
  });
  target.append(chart, tip, truncatedNote("/timeline"));
}

// The sites table: sortable by any figure, filtered by text, 100 rows at a time.
const SITE_COLUMNS = [
  {key: "id", title: "Site", num: true},
  {key: "where", title: "Where", text: true},
  {key: "peak_bytes", title: "At peak", num: true, bytes: true},
  {key: "peak_blocks", title: "Blocks", num: true},
  {key: "total_bytes", title: "Allocated", num: true, bytes: true},
  {key: "total_blocks", title: "Allocs", num: true},
  {key: "exit_bytes", title: "At exit", num: true, bytes: true},
  {key: "temporary_bytes", title: "Temporary", num: true, bytes: true},
  {key: "never_read_bytes", title: "Never read", num: true, bytes: true},
  {key: "leaked_bytes", title: "Leaked", num: true, bytes: true},
  {key: "retained_bytes", title: "Retained", num: true, bytes: true},
];
if (baseline) SITE_COLUMNS.push({key: "delta", title: "Δ peak", num: true, bytes: true});
const siteView = {sort: "peak_bytes", descending: true, filter: "", shown: 100, group: "site"};
const SUMMED = ["peak_bytes", "peak_blocks", "total_bytes", "total_blocks", "exit_bytes",
                "temporary_bytes", "never_read_bytes", "leaked_bytes", "retained_bytes"];

// The view by function or by library (object): the sites summed by their site frame's
// function, or by the object that frame is in. (Retained bytes overlap between sites, so
// their sums are upper bounds.)
function groupedRows(rows) {
  if (siteView.group === "site") return rows;
  const groups = new Map();
  for (const site of rows) {
    const frame = site.stack[0];
    const name = frame === undefined ? "(no stack)"
        : siteView.group === "function" ? frameFunction(frame)
        : baseName(table_.objects[table_.frames[frame][3]] || "(unknown object)");
    if (!groups.has(name)) groups.set(name, {id: groups.size + 1, group: name, members: [], stack: []});
    const group = groups.get(name);
    group.members.push(site);
    for (const key of SUMMED) group[key] = (group[key] || 0) + site[key];
  }
  return [...groups.values()];
}

function siteValue(site, key) {
  if (site.members) {   // a group of the view by function or library
    if (key === "where") return site.group;
    if (key === "id") return site.members.length;
    if (key === "delta") return baseline ? site.members.reduce((sum, m) => sum + siteDelta(m, "peak_bytes"), 0) : null;
    return site[key];
  }
  if (key === "where") return site.stack.length ? frameText(site.stack[0]) : "";
  if (key === "delta") return siteDelta(site, "peak_bytes");
  return site[key];
}

function renderSiteRows() {
  const tbody = document.querySelector("#site-table tbody");
  tbody.textContent = "";
  const filter = siteView.filter.toLowerCase();
  let rows = sites;
  if (filter) rows = rows.filter(site => site.stack.some(f => frameText(f).toLowerCase().includes(filter)) || String(site.id) === filter);
  rows = groupedRows(rows);
  const key = siteView.sort, sign = siteView.descending ? -1 : 1;
  rows = [...rows].sort((a, b) => {
    const va = siteValue(a, key), vb = siteValue(b, key);
    return (va < vb ? -1 : va > vb ? 1 : 0) * sign || a.id - b.id;
  });
  for (const site of rows.slice(0, siteView.shown)) {
    const row = el("tr", site.members ? {class: "site-row", "data-group": site.group}
                                      : {class: "site-row", "data-site": site.id},
      ...SITE_COLUMNS.map(c => {
        const value = siteValue(site, c.key);
        if (c.key === "delta") return el("td", {class: "num"}, deltaNode(value));
        if (c.key === "where") return el("td", {class: "where"}, value);
        return el("td", {class: "num"}, c.bytes ? bytes(value) : count(value));
      }));
    row.addEventListener("click", () => {
      const next = row.nextElementSibling;
      if (next && next.classList.contains("stack-row")) { next.remove(); return; }
      row.after(el("tr", {class: "stack-row"}, el("td", {colspan: SITE_COLUMNS.length},
          site.members ? el("ul", {class: "stack"}, ...site.members.slice(0, 200).map(m => el("li", {}, siteLabel(m.id))))
                       : stackList(site))));
    });
    tbody.append(row);
  }
  const more = document.getElementById("site-more");
  more.textContent = "";
  const noun = siteView.group === "site" ? "sites" : siteView.group === "function" ? "functions" : "libraries";
  more.append(`${count(Math.min(rows.length, siteView.shown))} of ${count(rows.length)} ${noun} shown. `);
  if (rows.length > siteView.shown) {
    const button = el("button", {type: "button"}, "Show 500 more");
    button.addEventListener("click", () => { siteView.shown += 500; renderSiteRows(); });
    more.append(button);
  }
}

function renderSites() {
  const target = body("sites");
  const filter = el("input", {type: "search", id: "site-filter", placeholder: "Filter by function, file or object"});
  filter.addEventListener("input", () => { siteView.filter = filter.value; siteView.shown = 100; renderSiteRows(); });
  const grouping = el("select", {id: "site-group"},
    el("option", {value: "site"}, "by site"), el("option", {value: "function"}, "by function"),
    el("option", {value: "library"}, "by library (object)"));
  grouping.addEventListener("change", () => { siteView.group = grouping.value; siteView.shown = 100; renderSiteRows(); });
  target.append(el("div", {class: "controls"}, filter, el("label", {}, "View ", grouping),
                   el("span", {class: "note"}, "Click a heading to sort, a row for its stack (or its sites).")));
  const headRow = el("tr", {}, ...SITE_COLUMNS.map(c => {
    const th = el("th", {class: c.num ? "num" : null, "data-sort": c.key}, c.title);
    th.addEventListener("click", () => {
      siteView.descending = siteView.sort === c.key ? !siteView.descending : c.key !== "where";
      siteView.sort = c.key;
      for (const other of headRow.children) other.classList.remove("sorted-asc", "sorted-desc");
      th.classList.add(siteView.descending ? "sorted-desc" : "sorted-asc");
      renderSiteRows();
    });
    if (c.key === siteView.sort) th.classList.add("sorted-desc");
    return th;
  }));
  target.append(el("table", {id: "site-table"}, el("thead", {}, headRow), el("tbody")), el("div", {id: "site-more", class: "more note"}));
  renderSiteRows();
}

// The flame graph: an icicle of the sites' stacks, outermost caller on top, widths by the
// chosen metric; a click zooms into a node, a click on an ancestor zooms out.
const FLAME_METRICS = {
  peak_bytes: "bytes live at the peak", total_bytes: "bytes allocated over the run",
  exit_bytes: "bytes live at exit", leaked_bytes: "bytes lost at exit (definitely and indirectly)",
  owned_bytes: "bytes retained at the snapshot, each reachable block once (under the site of the outermost block that keeps it alive)",
};
const flameView = {metric: "peak_bytes", path: []};

function flameTree(metric) {
  const root = {name: "all", value: 0, delta: 0, children: new Map()};
  for (const site of sites) {
    const value = site[metric];
    if (!value) continue;
    const delta = baseline ? siteDelta(site, metric === "owned_bytes" || metric === "leaked_bytes" ? "peak_bytes" : metric) * value / (siteKeyTotals.get(site.key)[metric] || value) : 0;
    root.value += value; root.delta += delta;
    let node = root;
    for (let i = site.stack.length - 1; i >= 0; --i) {
      const name = frameFunction(site.stack[i]);
      if (!node.children.has(name)) node.children.set(name, {name, value: 0, delta: 0, children: new Map()});
      node = node.children.get(name);
      node.value += value; node.delta += delta;
    }
  }
  return root;
}

function flameColour(node) {
  if (baseline && node.delta) {
    const strength = Math.min(Math.abs(node.delta) / Math.max(node.value, 1), 1);
    const light = Math.round(92 - 35 * strength);
    return node.delta > 0 ? `hsl(4, 75%, ${light}%)` : `hsl(215, 70%, ${light}%)`;
  }
  let hash = 0;
  for (const c of node.name) hash = (hash * 31 + c.charCodeAt(0)) | 0;
  return `hsl(${20 + Math.abs(hash) % 35}, 85%, ${62 + Math.abs(hash >> 8) % 14}%)`;
}

function renderFlameGraph() {
  const root = flameTree(flameView.metric);
  const canvas = document.getElementById("flame-canvas");
  canvas.textContent = "";
  // Follow the zoom path as far as it still exists.
  const chain = [root];
  for (const name of flameView.path) {
    const next = chain[chain.length - 1].children.get(name);
    if (!next) break;
    chain.push(next);
  }
  flameView.path = chain.slice(1).map(n => n.name);
  const focus = chain[chain.length - 1];
  const rowHeight = 20;
  let rows = 0;
  const place = (node, depth, left, width, ancestor) => {
    if (width < 0.05) return;
    rows = Math.max(rows, depth + 1);
    const title = `${node.name}: ${bytes(node.value)} (${percent(node.value, root.value)} of all)` + (baseline ? `, ${signedBytes(Math.round(node.delta))} against the baseline` : "");
    const div = el("div", {class: ancestor ? "flame-node ancestor" : "flame-node", title, "data-name": node.name, "data-depth": depth},
                   width > 2 ? node.name : "");
    div.style.left = `${left}%`; div.style.width = `${width}%`; div.style.top = `${depth * rowHeight}px`;
    div.style.background = flameColour(node);
    div.addEventListener("click", event => {
      event.stopPropagation();
      const index = chain.indexOf(node);
      flameView.path = index >= 0 ? chain.slice(1, index + 1).map(n => n.name) : [...flameView.path, ...pathBelow(node)];
      renderFlameGraph();
    });
    canvas.append(div);
    if (ancestor) return;
    let offset = left;
    const children = [...node.children.values()].sort((a, b) => b.value - a.value);
    for (const child of children) {
      const childWidth = width * child.value / Math.max(node.value, 1);
      place(child, depth + 1, offset, childWidth, false);
      offset += childWidth;
    }
  };
  // pathBelow: the names from the focus down to `node`, found by search (nodes know no parent).
  const pathBelow = node => {
    const search = (current, trail) => {
      if (current === node) return trail;
      for (const child of current.children.values()) {
        const found = search(child, [...trail, child.name]);
        if (found) return found;
      }
      return null;
    };
    return search(focus, []) || [];
  };
  chain.slice(0, -1).forEach((node, depth) => place(node, depth, 0, 100, true));
  place(focus, chain.length - 1, 0, 100, false);
  canvas.style.height = `${Math.max(rows, 1) * rowHeight + 2}px`;
  document.getElementById("flame-path").textContent = `${FLAME_METRICS[flameView.metric]}: ` +
      (chain.length > 1 ? `zoomed into ${chain.slice(1).map(n => n.name).join(" → ")}` : `${bytes(root.value)} in all`);
}

function renderFlame() {
  const target = body("flame");
  const select = el("select", {id: "flame-metric"},
    ...Object.entries(FLAME_METRICS).map(([key, text]) => el("option", {value: key}, text.split(" (")[0])));
  select.addEventListener("change", () => { flameView.metric = select.value; flameView.path = []; renderFlameGraph(); });
  const reset = el("button", {type: "button", id: "flame-reset"}, "Reset zoom");
  reset.addEventListener("click", () => { flameView.path = []; renderFlameGraph(); });
  target.append(el("div", {class: "controls"}, el("label", {}, "Width: ", select), reset),
                el("div", {id: "flame-path", class: "note"}),
                el("div", {id: "flame-canvas", class: "flame"}),
                note(baseline ? "Red: grew against the baseline, blue: shrank (by the sites' keys)." : "Click a frame to zoom into it, an upper (faded) frame to zoom out."));
  renderFlameGraph();
}

// The retained-size tree: roots, then the sites each owner keeps alive, by retained bytes.
function renderTree() {
  const target = body("tree");
  const own = data.ownership;
  if (!own || !own.available) {
    target.append(note(`No heap snapshot: ${own && own.missing_reason ? own.missing_reason : "the trace has none"}.`));
    return;
  }
  target.append(note(`Snapshot '${own.snapshot.name}' (${own.snapshot.choice}): ${bytes(own.snapshot.bytes)} in ${count(own.snapshot.blocks)} blocks. ` +
                     "Each owner keeps the blocks below it alive (their immediate dominators); expand a node to see what it keeps, pick a site for its path from a root."));
  const byOwner = new Map();
  const ownerKey = owner => owner.kind === "root" ? `root ${owner.root}` : owner.kind === "site" ? `site ${owner.site}` : owner.kind;
  for (const row of own.owners) {
    const key = ownerKey(row.owner);
    if (!byOwner.has(key)) byOwner.set(key, []);
    byOwner.get(key).push(row);
  }
  const ownerName = owner => {
    if (owner.kind === "root") { const root = own.roots[owner.root]; return root ? root.name : `root ${owner.root}`; }
    if (owner.kind === "site") return siteLabel(owner.site);
    return owner.kind === "several" ? "several roots together (no single owner)" : owner.kind;
  };
  const pathOf = new Map((own.sites || []).map(s => [s.site, s.path]));
  const node = (label, retained, childrenKey, trail, row) => {
    const children = childrenKey && !trail.includes(childrenKey) ? byOwner.get(childrenKey) || [] : [];
    const li = el("li", {"data-key": childrenKey || ""});
    const toggle = el("button", {type: "button", class: "tree-toggle", "aria-expanded": "false"}, children.length ? "▸" : "·");
    li.append(toggle, el("span", {class: "bytes"}, bytes(retained)), el("span", {class: "label"}, label));
    if (row && pathOf.get(row.site)) {
      const path = pathOf.get(row.site);
      const root = own.roots[path.root];
      li.append(el("details", {}, el("summary", {}, "path from a root"),
        el("ol", {class: "stack"}, el("li", {}, root ? root.name : "a root"),
          ...path.steps.map(step => el("li", {}, `${siteLabel(step.site)}${step.blocks > 1 ? `, ${step.blocks} blocks in a row` : ""}, ${bytes(step.size)}`)))));
    }
    if (children.length) toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") === "true";
      if (open) { li.querySelector(":scope > ul").remove(); toggle.textContent = "▸"; toggle.setAttribute("aria-expanded", "false"); return; }
      toggle.textContent = "▾"; toggle.setAttribute("aria-expanded", "true");
      li.append(el("ul", {}, ...children.slice(0, 200).map(child =>
        node(`${count(child.blocks)} blocks of ${siteLabel(child.site)}`, child.retained_bytes, `site ${child.site}`, [...trail, childrenKey], child))));
    });
    return li;
  };
  const tops = [];
  for (const [key, rows] of byOwner) {
    if (key.startsWith("site ")) continue;
    const retained = rows.reduce((sum, row) => sum + row.retained_bytes, 0);
    tops.push({key, retained, owner: rows[0].owner});
  }
  tops.sort((a, b) => b.retained - a.retained);
  const list = el("ul", {}, ...tops.slice(0, 300).map(top => node(ownerName(top.owner), top.retained, top.key, [], null)));
  target.append(el("div", {class: "tree", id: "retained-tree"}, list), truncatedNote("/ownership/owners"));
}

function renderCopies() {
  const target = body("copies");
  const copies = data.copies;
  if (!data.trace.access) { target.append(note("Not recorded: the trace was made with --track-access=no.")); return; }
  target.append(note("Clones whose original was never used afterwards, yet stayed allocated: a move would do."));
  target.append(table([
    {title: "Copied at", mono: true, value: r => locationText(r.location)},
    {title: "Originals from", mono: true, value: r => siteLabel(r.source_site)},
    {title: "Clones in", mono: true, value: r => r.destination_sites.map(siteLabel).join(", ")},
    {title: "Clones", num: true, value: r => count(r.pairs)},
    {title: "Copied", num: true, value: r => bytes(r.bytes)},
    {title: "At peak", num: true, value: r => bytes(r.peak_source_bytes)},
  ], copies.movable_clones, {id: "movable-clones"}), truncatedNote("/copies/movable_clones"));
  if (copies.relocations.length) {
    target.append(el("h3", {}, "Relocation churn"), note("Blocks copied into a new block and freed at once (vector growth, realloc): copying time, not memory."));
    target.append(table([
      {title: "At", mono: true, value: r => locationText(r.location)},
      {title: "Kind", value: r => r.kind},
      {title: "Relocations", num: true, value: r => count(r.pairs)},
      {title: "Copied", num: true, value: r => bytes(r.bytes)},
    ], copies.relocations.slice(0, 50)));
  }
}

function renderDuplicates() {
  const target = body("duplicates");
  const own = data.ownership;
  if (!own || !own.available) { target.append(note("No heap snapshot.")); return; }
  const d = own.duplicates;
  target.append(note(`${count(d.groups)} groups of live blocks with equal contents, ${count(d.blocks)} blocks: keeping one copy of each would save ${bytes(d.wasted)}.`));
  target.append(table([
    {title: "Wasted", num: true, value: r => bytes(r.wasted)},
    {title: "Groups", num: true, value: r => count(r.groups)},
    {title: "Between", mono: true, value: r => el("ul", {}, ...r.sites.map(s => el("li", {}, `${count(s.blocks)} blocks from ${siteLabel(s.site)}`)))},
  ], d.by_sites.slice(0, 100), {id: "duplicate-sites"}));
}

function renderNeverRead() {
  const target = body("never-read");
  if (!data.trace.access) { target.append(note("Not recorded: the trace was made with --track-access=no.")); return; }
  const rows = sites.filter(s => s.never_read_bytes > 0).sort((a, b) => b.never_read_bytes - a.never_read_bytes);
  target.append(note("Blocks never read from allocation to free or exit: written for nothing, or not touched at all."));
  target.append(table([
    {title: "Never read", num: true, value: s => bytes(s.never_read_bytes)},
    {title: "Of allocated", num: true, value: s => percent(s.never_read_bytes, s.total_bytes)},
    {title: "At peak", num: true, value: s => bytes(s.peak_bytes)},
    {title: "Site", mono: true, value: s => siteLabel(s.id)},
  ], rows.slice(0, 200)));
}

function renderLeaks() {
  const target = body("leaks");
  const leaks = data.leaks;
  if (!leaks || !leaks.available) { target.append(note(`No leak check: ${leaks && leaks.missing_reason ? leaks.missing_reason : "no exit snapshot"}.`)); return; }
  target.append(note("Classified as Memcheck's leak check does (valgrind --leak-check=full), in requested bytes."));
  const categories = ["definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable"];
  target.append(table([
    {title: "Category", value: c => c.replace("_", " ")},
    {title: "Bytes", num: true, value: c => bytes(leaks[c].bytes)},
    {title: "Blocks", num: true, value: c => count(leaks[c].blocks)},
    {title: "Top sites", mono: true, value: c => leaks[c].sites.slice(0, 3).map(s => `${bytes(s.bytes)} from ${siteLabel(s.site)}`).join("; ")},
  ], categories, {id: "leak-summary"}));
}

function renderGrowth() {
  const target = body("growth");
  const phases = data.phases;
  if (!phases || !phases.names.length) { target.append(note("No phases. Bracket parts of the run with MEMATTR_PHASE_BEGIN/END, or run memattr with --phase-fn=FUNCTION.")); return; }
  target.append(table([
    {title: "Phase", value: n => n.name},
    {title: "Iterations", num: true, value: n => count(n.iterations)},
    {title: "Allocated", num: true, value: n => bytes(n.allocated.bytes)},
    {title: "Left behind", num: true, value: n => signedBytes(n.retained)},
    {title: "Highest peak", num: true, value: n => bytes(n.peak.bytes)},
  ], phases.names));
  const growth = [];
  for (const name of phases.names) for (const row of name.growth || []) if (row.class !== "steady") growth.push({phase: name.name, ...row});
  if (growth.length)
    target.append(el("h3", {}, "Growth per iteration"), table([
      {title: "Phase", value: r => r.phase},
      {title: "Class", value: r => r.class},
      {title: "Per iteration", num: true, value: r => r.slope === null ? "-" : bytes(Math.round(r.slope))},
      {title: "Net growth", num: true, value: r => signedBytes(r.net_growth)},
      {title: "Site", mono: true, value: r => siteLabel(r.site)},
    ], growth.slice(0, 200), {id: "growth-table"}));
}

function renderMemoryMap() {
  const target = body("memory-map");
  const map = data.memory_map;
  if (!map) { target.append(note("No memory map in the trace.")); return; }
  target.append(note(`At ${map.choice === "peak" ? "the footprint's peak" : map.choice}: estimated resident ${bytes(map.estimate)}, heap ${bytes(map.heap.bytes)} requested.`));
  target.append(table([
    {title: "Mapping", mono: true, value: g => g.name},
    {title: "Regions", num: true, value: g => count(g.regions.length)},
    {title: "Mapped", num: true, value: g => bytes(g.mapped)},
    {title: "Written", num: true, value: g => bytes(g.written)},
    {title: "Used by blocks", num: true, value: g => bytes(g.used)},
    {title: "Never written", num: true, value: g => bytes(g.never_written)},
  ], map.groups, {id: "memory-map-groups"}), truncatedNote("/memory_map/groups"));
  if (map.explanations && map.explanations.length)
    target.append(el("h3", {}, "Why resident memory is bigger than the heap"), el("ol", {}, ...map.explanations.map(e => el("li", {}, `${bytes(e.bytes)}: ${e.text}`))));
}

function renderThreads() {
  body("threads").append(table([
    {title: "Thread", num: true, value: t => t.id},
    {title: "Parent", num: true, value: t => t.parent},
    {title: "At the peak", num: true, value: t => t.at_global_peak ? bytes(t.at_global_peak.bytes) : "-"},
    {title: "Allocated", num: true, value: t => bytes(t.total.bytes)},
    {title: "Own peak", num: true, value: t => bytes(t.peak.bytes)},
    {title: "Live at exit", num: true, value: t => bytes(t.exit.bytes)},
  ], data.threads));
}

function renderGraphs() {
  const target = body("graphs");
  const graphs = data.graphs;
  const image = (title, svgText) => {
    const encoded = btoa(unescape(encodeURIComponent(svgText)));
    return el("figure", {}, el("figcaption", {}, title), el("img", {class: "graph-img", alt: title, src: `data:image/svg+xml;base64,${encoded}`}));
  };
  if (graphs.ownership_svg) target.append(image("Ownership: who keeps which sites' blocks alive", graphs.ownership_svg));
  if (graphs.lineage_svg) target.append(image("Copy lineage: copies between sites", graphs.lineage_svg));
  if (!graphs.ownership_svg && !graphs.lineage_svg) {
    target.append(note(`No Graphviz drawings (${graphs.missing || "nothing to draw"}): the graphs' top edges, drawn here.`));
    const own = data.ownership;
    if (own && own.available) {
      const ownerLabel = r => r.owner.kind === "site" ? siteLabel(r.owner.site)
          : r.owner.kind === "root" ? (own.roots[r.owner.root] || {}).name || "a root" : "several roots together";
      target.append(edgeDrawing("Ownership: who keeps which sites' blocks alive", "ownership-drawing",
          own.owners.slice(0, 20).map(r => ({from: ownerLabel(r), to: siteLabel(r.site), bytes: r.retained_bytes}))));
    }
    if (data.copies.lineage.length)
      target.append(edgeDrawing("Copy lineage: bytes copied between sites", "lineage-drawing",
          data.copies.lineage.slice(0, 20).map(e => ({from: siteLabel(e.from), to: siteLabel(e.to), bytes: e.bytes}))));
  }
}

// A two-column drawing of `edges` ({from, to, bytes}): each distinct source on the left,
// each target on the right, a line between them as thick as its share of the bytes.
function edgeDrawing(title, id, edges) {
  const sources = [...new Set(edges.map(e => e.from))], targets = [...new Set(edges.map(e => e.to))];
  const rowHeight = 22, width = 1000, top = 10;
  const height = top * 2 + rowHeight * Math.max(sources.length, targets.length, 1);
  const most = Math.max(...edges.map(e => e.bytes), 1);
  const y = (list, name) => top + rowHeight * list.indexOf(name) + rowHeight / 2;
  const drawing = svg("svg", {id, class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img"});
  drawing.style.height = `${height}px`;
  for (const edge of edges)
    drawing.append(svg("line", {x1: 330, y1: y(sources, edge.from), x2: 670, y2: y(targets, edge.to),
                                stroke: "#1f5fa8", "stroke-opacity": 0.6, "stroke-width": 1 + 7 * edge.bytes / most},
                       svg("title", {}, `${edge.from} → ${edge.to}: ${bytes(edge.bytes)}`)));
  const label = (x, list, anchor) => list.forEach(name =>
      drawing.append(svg("text", {x, y: y(list, name) + 4, "text-anchor": anchor, class: "node"}, name.length > 60 ? `${name.slice(0, 57)}...` : name)));
  label(325, sources, "end");
  label(675, targets, "start");
  return el("figure", {}, el("figcaption", {}, title), drawing);
}

// ------------------------------------------------------------------ the page

const SECTIONS = [
  ["overview", renderOverview], ["findings", renderFindings], ["timeline", renderTimeline],
  ["sites", renderSites], ["flame", renderFlame], ["tree", renderTree], ["copies", renderCopies],
  ["duplicates", renderDuplicates], ["never-read", renderNeverRead], ["leaks", renderLeaks],
  ["growth", renderGrowth], ["memory-map", renderMemoryMap], ["threads", renderThreads],
  ["graphs", renderGraphs],
];

const nav = document.getElementById("nav");
for (const [id, render] of SECTIONS) {
  const section = document.getElementById(id);
  nav.append(el("a", {href: `#${id}`}, section.querySelector("h2").textContent));
  try {
    render();
    section.dataset.rendered = "yes";
  } catch (error) {
    section.dataset.rendered = "failed";
    section.querySelector(".body").append(el("pre", {class: "note"}, `This section could not be drawn: ${error}`));
    console.error(`memattr: section ${id}: ${error && error.stack || error}`);
  }
}
