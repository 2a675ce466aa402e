// Draws the emgspasm report from its embedded JSON with uPlot. No network.
// What it draws is exposed as window.emgspasmReport for readers and tests.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("report-data").textContent);
  const M = D.meta;
  const E = D.events;
  const U = M.unit_s;
  const N = E.onset.length;
  const R = (window.emgspasmReport = {
    data: D, plots: { overview: [], rate: {}, histogram: null, examples: {} },
    shown: null, table: null,
  });
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                   "#17becf", "#7f7f7f"];
  const width = (most) => Math.max(320, Math.min(most || 1150, document.body.clientWidth - 24));

  // -- values --------------------------------------------------------------
  function decode(rec) {
    const bin = atob(rec.d);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const view = new DataView(bytes.buffer);
    const n = bin.length >> 1;
    const x = new Array(n), y = new Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = view.getInt16(2 * i, true) * rec.s;
      x[i] = rec.mm ? rec.t0 + ((i >> 1) + ((i & 1) ? 0.75 : 0.25)) * rec.dt
                    : rec.t0 + i * rec.dt;
    }
    return { x: x, y: y };
  }
  R.decode = decode;

  function clock(t) {
    if (M.start_ms === null) return "";
    const d = new Date(M.start_ms + t * 1000);
    const iso = d.toISOString();
    const day = M.duration_s + (M.start_ms / 1000) % 86400 > 86400 ? iso.slice(0, 10) + " " : "";
    return day + iso.slice(11, 21) + " UTC";
  }
  R.clock = clock;
  const num = (v, digits) => (v === null || v === undefined ? "n/a" : v.toFixed(digits));
  const label = (i) => D.labels[E.label[i]];
  const subtype = (i) => (E.subtype[i] < 0 ? "" : D.subtypes[E.subtype[i]]);
  const channel = (i) => (E.channel[i] < 0 ? "?" : M.channels[E.channel[i]]);
  const kind = (lab) => (lab.indexOf("BAD_") === 0 ? "bad" : lab.indexOf("artifact_") === 0
                         ? "artifact" : lab);
  const color = (lab) => D.colors[lab] || "#999";
  function when(t) {
    const c = clock(t);
    return t.toFixed(3) + " s" + (c ? " (" + c + ")" : "");
  }

  // -- overview ------------------------------------------------------------
  const marks = M.channels.map(() => []);
  for (let i = 0; i < N; i++) {
    if (E.channel[i] >= 0) {
      marks[E.channel[i]].push([E.onset[i] / U, (E.onset[i] + E.duration[i]) / U,
                                kind(label(i))]);
    }
  }
  R.marks = marks;
  const MARK_STYLE = {  // fill, top and bottom as shares of the plot height
    spasm: ["rgba(214,39,40,0.25)", 0, 1], bad: ["rgba(0,0,0,0.18)", 0, 1],
    fasciculation: ["rgba(31,119,180,0.9)", 0, 0.12], artifact: ["rgba(110,110,110,0.9)", 0.12, 0.26],
    burst: ["rgba(255,127,14,0.95)", 0.26, 0.4], shade: [null, 0, 1],
  };

  function drawSpans(u, spans) {
    const ctx = u.ctx, b = u.bbox;
    ctx.save();
    ctx.beginPath();
    ctx.rect(b.left, b.top, b.width, b.height);
    ctx.clip();
    for (const [t0, t1, k, fill] of spans) {
      const style = MARK_STYLE[k];
      if (!style) continue;
      const x0 = u.valToPos(t0, "x", true), x1 = u.valToPos(t1, "x", true);
      if (x1 < b.left || x0 > b.left + b.width) continue;
      ctx.fillStyle = fill || style[0];
      ctx.fillRect(x0, b.top + style[1] * b.height, Math.max(1, x1 - x0),
                   (style[2] - style[1]) * b.height);
    }
    ctx.restore();
  }

  function xSeries() {
    return { label: "time (" + M.unit + ")",
             value: (u, v) => (v === null ? "" : v.toFixed(3) + " " + M.unit
                               + (M.start_ms === null ? "" : " (" + clock(v * U) + ")")) };
  }

  let syncing = false;
  function syncX(u, key) {
    if (key !== "x" || syncing) return;
    syncing = true;
    for (const other of R.plots.overview) {
      if (other !== u) other.setScale("x", { min: u.scales.x.min, max: u.scales.x.max });
    }
    syncing = false;
  }

  function overview() {
    const box = document.getElementById("overview");
    const t = D.overview.t.map((v) => v / U).concat([M.duration_s / U]);
    M.channels.forEach((name, c) => {
      const lo = D.overview.lo[c], hi = D.overview.hi[c];
      const data = [t, lo.concat([lo[lo.length - 1]]), hi.concat([hi[hi.length - 1]])];
      const div = document.createElement("div");
      box.appendChild(div);
      const u = new uPlot({
        title: name, width: width(), height: 170, legend: { show: false },
        cursor: { sync: { key: "overview" }, drag: { x: true, y: false } },
        scales: { x: { time: false } },
        series: [xSeries(),
                 { label: "envelope min (µV)", stroke: "#777", width: 1 },
                 { label: "envelope max (µV)", stroke: "#333", width: 1 }],
        bands: [{ series: [2, 1], fill: "rgba(60,60,60,0.25)" }],
        axes: [{ label: "time (" + M.unit + ")" }, { label: "envelope (µV)", size: 60 }],
        hooks: { draw: [(p) => drawSpans(p, marks[c])], setScale: [syncX] },
      }, data, div);
      R.plots.overview.push(u);
    });
  }

  // -- rates and histogram -------------------------------------------------
  function stepped(title, ylabel, edges, rows, names, log) {
    const x = edges.map((v) => (log ? v : v / U));
    const data = [x].concat(rows.map((r) => r.concat([r[r.length - 1]])));
    const series = [log ? { label: "duration (s)" } : xSeries()].concat(names.map((n, k) => ({
      label: n, stroke: PALETTE[k % PALETTE.length], width: 1.5, points: { show: false },
      fill: log ? "rgba(214,39,40,0.3)" : undefined,
      paths: uPlot.paths.stepped({ align: 1 }),
    })));
    return {
      opts: {
        title: title, width: log ? width(600) : width(560), height: 230,
        scales: { x: log ? { time: false, distr: 3 } : { time: false } },
        series: series,
        axes: [{ label: log ? "spasm duration (s)" : "time (" + M.unit + ")" },
               { label: ylabel, size: 55 }],
      }, data: data,
    };
  }

  function rates() {
    const r = D.rates;
    for (const [key, title, ylabel] of [
      ["spasm_per_h", "Spasms per hour of usable signal", "spasms / h"],
      ["fasciculation_per_min", "Fasciculations per minute of usable signal",
       "fasciculations / min"]]) {
      const s = stepped(title, ylabel, r.edges, M.channels.map((c) => r[key][c]), M.channels);
      const id = key === "spasm_per_h" ? "rate-spasm" : "rate-fasciculation";
      R.plots.rate[key] = new uPlot(s.opts, s.data, document.getElementById(id));
    }
  }

  function histogram() {
    const box = document.getElementById("histogram");
    if (!D.histogram) {
      box.textContent = "No spasms.";
      return;
    }
    const s = stepped("Spasm durations", "count", D.histogram.edges, [D.histogram.counts],
                      ["spasms"], true);
    R.plots.histogram = new uPlot(s.opts, s.data, box);
  }

  // -- signal traces ---------------------------------------------------------
  // A trace sample by sample is one line; a min/max trace is drawn as the
  // band between its minima and maxima (a zigzag would look like a rhythm).
  function tracePlot(box, trace, onset, duration, lab, w, h, minmax) {
    const x = trace.x.map((v) => v - onset);
    let data = [x, trace.y];
    let series = [{ label: "filtered (µV)", stroke: "#222", width: 1 }];
    let bands;
    if (minmax) {
      const xs = [], lo = [], hi = [];
      for (let i = 0; i + 1 < x.length; i += 2) {
        xs.push((x[i] + x[i + 1]) / 2);
        lo.push(trace.y[i]);
        hi.push(trace.y[i + 1]);
      }
      data = [xs, lo, hi];
      series = [{ label: "min (µV)", stroke: "#333", width: 1 },
                { label: "max (µV)", stroke: "#333", width: 1 }];
      bands = [{ series: [2, 1], fill: "rgba(40,40,40,0.55)" }];
    }
    const u = new uPlot({
      width: w, height: h, legend: { show: false },
      scales: { x: { time: false } },
      series: [{ label: "s from onset" }].concat(series),
      bands: bands,
      axes: [{ label: "s from onset" }, { label: "µV", size: 55 }],
      hooks: { draw: [(p) => drawSpans(p, [[0, duration, "shade", hexAlpha(color(lab))]])] },
    }, data, box);
    return { u: u, x: x, y: trace.y };
  }

  function hexAlpha(hex) {
    const v = parseInt(hex.slice(1), 16);
    return "rgba(" + (v >> 16) + "," + ((v >> 8) & 255) + "," + (v & 255) + ",0.2)";
  }

  function examples() {
    for (const box of document.querySelectorAll(".examples")) {
      const lab = box.dataset.label;
      R.plots.examples[lab] = (D.examples[lab] || []).map((ex) => {
        const div = document.createElement("div");
        div.className = "example";
        const cap = document.createElement("div");
        cap.className = "caption";
        cap.textContent = ex.channel + " at " + when(ex.onset) + ", "
          + ex.duration.toFixed(ex.duration < 1 ? 3 : 1) + " s" + (ex.subtype ? ", " + ex.subtype : "")
          + (ex.trace.mm ? " (min/max of " + (ex.trace.dt * 1000).toFixed(0) + " ms bins)" : "");
        div.appendChild(cap);
        box.appendChild(div);
        const p = tracePlot(div, decode(ex.trace), ex.onset, ex.duration, lab, 370, 190,
                            ex.trace.mm);
        p.example = ex;
        return p;
      });
    }
  }

  // -- events table and viewer -----------------------------------------------
  const COLUMNS = [
    ["index", "#", (i) => i, (i) => String(i + 1)],
    ["label", "label", label, label],
    ["subtype", "subtype", subtype, subtype],
    ["channel", "channel", channel, channel],
    ["onset", "onset (s)", (i) => E.onset[i], (i) => E.onset[i].toFixed(3)],
    ["clock", "clock time", (i) => E.onset[i], (i) => clock(E.onset[i]) || "n/a"],
    ["duration", "duration (s)", (i) => E.duration[i], (i) => num(E.duration[i], 3)],
    ["peak", "peak (µV)", (i) => E.peak[i], (i) => num(E.peak[i], 1)],
    ["snr", "SNR", (i) => E.snr[i], (i) => num(E.snr[i], 1)],
    ["confidence", "confidence", (i) => E.confidence[i], (i) => num(E.confidence[i], 2)],
  ];
  const PAGE = 100;
  const state = { sort: "onset", dir: 1, label: "", channel: "", text: "", page: 0 };
  let rows = [];

  function control(html) {
    const span = document.createElement("span");
    span.innerHTML = html;
    document.getElementById("filters").appendChild(span);
    return span.firstElementChild;
  }

  function table() {
    const counts = {};
    for (let i = 0; i < N; i++) counts[label(i)] = (counts[label(i)] || 0) + 1;
    const labelSel = control("<select id='filter-label'><option value=''>all classes</option>"
      + D.labels.map((l) => "<option value='" + l + "'>" + l + " (" + counts[l] + ")</option>").join("")
      + "</select>");
    const chanSel = control("<select id='filter-channel'><option value=''>all channels</option>"
      + M.channels.map((c, k) => "<option value='" + k + "'></option>").join("") + "</select>");
    M.channels.forEach((c, k) => { chanSel.options[k + 1].textContent = c; });
    const text = control("<input id='filter-text' type='search' placeholder='subtype or text'>");
    labelSel.onchange = () => { state.label = labelSel.value; state.page = 0; render(); };
    chanSel.onchange = () => { state.channel = chanSel.value; state.page = 0; render(); };
    text.oninput = () => { state.text = text.value.trim().toLowerCase(); state.page = 0; render(); };
    const box = document.getElementById("events");
    box.innerHTML = "<div class='pager'></div><table><thead><tr>"
      + COLUMNS.map((c) => "<th data-key='" + c[0] + "'>" + c[1] + "</th>").join("")
      + "</tr></thead><tbody></tbody></table><div class='pager'></div>";
    box.querySelector("thead").onclick = (ev) => {
      const key = ev.target.dataset.key;
      if (!key) return;
      state.dir = state.sort === key ? -state.dir : 1;
      state.sort = key;
      state.page = 0;
      render();
    };
    box.querySelector("tbody").onclick = (ev) => {
      const tr = ev.target.closest("tr");
      if (tr) R.show(Number(tr.dataset.index));
    };
    box.addEventListener("click", (ev) => {
      const step = ev.target.dataset.page;
      if (!step) return;
      state.page = Math.max(0, Math.min(state.page + Number(step),
                                        Math.ceil(rows.length / PAGE) - 1));
      render();
    });
    render();
  }

  function render() {
    rows = [];
    const text = state.text;
    for (let i = 0; i < N; i++) {
      if (state.label && label(i) !== state.label) continue;
      if (state.channel !== "" && E.channel[i] !== Number(state.channel)) continue;
      if (text && (label(i) + " " + subtype(i) + " " + channel(i)).toLowerCase().indexOf(text) < 0) continue;
      rows.push(i);
    }
    const col = COLUMNS.find((c) => c[0] === state.sort);
    const key = col[2], dir = state.dir;
    rows.sort((a, b) => {
      const va = key(a), vb = key(b);
      if (va === vb) return a - b;
      if (va === null || va === undefined) return 1;
      if (vb === null || vb === undefined) return -1;
      return (va < vb ? -1 : 1) * dir;
    });
    const box = document.getElementById("events");
    for (const th of box.querySelectorAll("th")) {
      th.className = th.dataset.key === state.sort ? (dir > 0 ? "sorted-asc" : "sorted-desc") : "";
    }
    const first = state.page * PAGE;
    const page = rows.slice(first, first + PAGE);
    box.querySelector("tbody").innerHTML = page.map((i) =>
      "<tr data-index='" + i + "'" + (R.shown && R.shown.index === i ? " class='selected'" : "")
      + ">" + COLUMNS.map((c) => "<td>" + c[3](i) + "</td>").join("") + "</tr>").join("");
    const info = rows.length ? (first + 1) + "-" + (first + page.length) + " of " + rows.length
      + " events" + (rows.length < N ? " (" + N + " in all)" : "") : "no events match";
    for (const pager of box.querySelectorAll(".pager")) {
      pager.innerHTML = "<button data-page='-1'>previous</button> " + info
        + " <button data-page='1'>next</button>";
    }
    R.table = { rows: rows, page: state.page, pageSize: PAGE, sort: state.sort, dir: dir };
  }

  R.show = function (i) {
    const viewer = document.getElementById("viewer");
    viewer.innerHTML = "";
    const cap = document.createElement("div");
    cap.className = "caption";
    const lab = label(i);
    cap.textContent = "#" + (i + 1) + " " + lab + (subtype(i) ? " (" + subtype(i) + ")" : "")
      + " on " + channel(i) + " at " + when(E.onset[i]) + ", " + num(E.duration[i], 3) + " s";
    viewer.appendChild(cap);
    const s = E.snippet[i];
    if (s < 0) {
      const p = document.createElement("p");
      p.className = "hint";
      p.textContent = "The signal of this event is not stored in the page (thinned to keep it small).";
      viewer.appendChild(p);
      R.shown = { index: i, snippet: -1 };
    } else {
      const trace = decode(D.snippets[s]);
      if (D.snippets[s].mm) {
        cap.textContent += " (min/max of " + (D.snippets[s].dt * 1000).toFixed(0) + " ms bins)";
      }
      const p = tracePlot(viewer, trace, E.onset[i], E.duration[i], lab, width(), 230,
                          D.snippets[s].mm);
      R.shown = { index: i, snippet: s, start: trace.x[0], stop: trace.x[trace.x.length - 1],
                  x: p.x, y: p.y, plot: p.u };
    }
    for (const tr of document.querySelectorAll("#events tbody tr")) {
      tr.classList.toggle("selected", Number(tr.dataset.index) === i);
    }
  };

  overview();
  rates();
  histogram();
  examples();
  table();
  R.ready = true;
})();
