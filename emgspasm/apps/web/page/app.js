// The emgspasm live page: one uPlot per channel, fed by the session's websocket.
//
// Frames (see emgspasm/apps/web/frames.py): uint32 header length, JSON header,
// then float32 low/high/envelope per channel, one value per pixel. A frame is
// drawn at the next animation frame (older undrawn ones are skipped); when it
// has been drawn, the time since its newest sample arrived is recorded.
// With ?draw=0 nothing is drawn: frames are decoded and timed on arrival
// (the transport alone, the latency benchmark's baseline).
"use strict";
(() => {
  const DRAW = new URLSearchParams(location.search).get("draw") !== "0";
  const MAX_RECORDS = 200000;
  const css = getComputedStyle(document.documentElement);
  const COLOURS = Object.fromEntries(
    ["trace", "envelope", "threshold", "spasm", "provisional", "burst", "fasciculation",
     "artifact", "bad"].map((name) => [name, css.getPropertyValue("--" + name).trim()]));
  const colour = (name) => COLOURS[name];
  const SHADED = ["bad", "provisional", "burst", "spasm"];
  const nowMs = () => performance.timeOrigin + performance.now();
  const $ = (id) => document.getElementById(id);

  // everything a test or a benchmark reads from the page
  const state = window.emgspasm = {
    draw: DRAW, connected: false, ended: false, hello: null, header: null,
    framesReceived: 0, framesDrawn: 0, width: 0,
    records: [],      // per frame: seq, end, arrival, published, received, started
                      // (drawing), drawn (Unix ms)
    plots: [],
    marks: [],        // per channel: the marks of the frame drawn last
    drawnMarks: [],   // per channel: what the last draw painted (kind, label, t0, t1)
    yMax: [],
    plotRect(c) {
      const r = state.plots[c].over.getBoundingClientRect();
      return {left: r.left, top: r.top, width: r.width, height: r.height};
    },
    pageX(c, t) {  // CSS pixel, in the viewport, of stream time t on channel c
      return state.plotRect(c).left + state.plots[c].valToPos(t, "x");
    },
  };

  // whenever the plots' width changes (a resize, the layout settling), the
  // server decimates to the new width
  const widthWatch = new ResizeObserver(() => {
    if (state.plots.length && plotWidth() !== state.width) sendWidth();
  });
  let socket = null;
  let pending = null;
  let scheduled = false;
  let awaiting = null;
  let lastPanels = 0;

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws`);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => { state.connected = true; status("waiting for samples", ""); sendWidth(); };
    socket.onclose = () => {
      state.connected = false;
      if (state.ended) return;
      status("disconnected: retrying", "lost");
      setTimeout(connect, 1000);
    };
    socket.onmessage = (msg) => {
      if (typeof msg.data === "string") text(JSON.parse(msg.data));
      else frame(msg.data);
    };
  }

  function status(words, kind) {
    const el = $("status");
    el.textContent = words;
    el.className = "status " + kind;
  }

  function text(msg) {
    if (msg.type === "hello") setup(msg);
    else if (msg.type === "end") { state.ended = true; status("session ended", "ended"); }
  }

  function frame(buffer) {
    const received = nowMs();
    const size = new DataView(buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size)));
    const values = new Float32Array(buffer, 4 + size);
    state.framesReceived += 1;
    if (!DRAW) {
      state.header = header;
      record(header, received, received);
      return;
    }
    pending = {header, values, received};
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(render);
    }
  }

  function record(header, received, drawn, started = received) {
    if (state.records.length >= MAX_RECORDS || header.arrival_ms == null) return;
    state.records.push({seq: header.seq, end: header.end, arrival: header.arrival_ms,
                        published: header.published_ms, received, started, drawn});
  }

  // -- the plots ------------------------------------------------------------

  function setup(hello) {
    state.hello = hello;
    const box = $("plots");
    box.replaceChildren();
    state.plots = [];
    const n = hello.ch_names.length;
    hello.ch_names.forEach((name, c) => {
      const div = document.createElement("div");
      div.className = "channel";
      div.innerHTML = `<div class="name">${name}<span class="level"></span></div><div class="plot"></div>`;
      box.appendChild(div);
      state.marks[c] = [];
      state.drawnMarks[c] = [];
      state.yMax[c] = 10;
      state.plots.push(new uPlot(options(c), [[], [], [], [], []], div.querySelector(".plot")));
    });
    widthWatch.disconnect();
    widthWatch.observe(state.plots[0].over);
    $("threshold-key").textContent = `threshold (${hello.on_snr} x noise RMS)`;
    sendWidth();
    status("live", "live");
  }

  function size() {
    const n = state.hello ? state.hello.ch_names.length : 1;
    const width = Math.max(200, $("plots").clientWidth - 16);
    const height = Math.max(100, Math.floor((innerHeight - 40) / n) - 22);
    return {width, height};
  }

  function options(c) {
    const trace = colour("trace");
    return {
      ...size(),
      cursor: {show: false}, legend: {show: false}, select: {show: false},
      scales: {
        x: {time: false, range: () => xRange()},
        y: {range: () => [-state.yMax[c], state.yMax[c]]},
      },
      // one time axis, under the last channel: fewer labels to draw each frame
      axes: [{size: 28, show: c === state.hello.ch_names.length - 1},
             {size: 56, label: "µV", labelSize: 14}],
      series: [
        {},
        {stroke: trace, width: 1, points: {show: false}},
        {stroke: trace, width: 1, points: {show: false}},
        {stroke: colour("envelope"), width: 1.5, points: {show: false}},
        {stroke: colour("threshold"), width: 1.5, dash: [6, 4], points: {show: false}},
      ],
      bands: [{series: [2, 1], fill: trace}],
      hooks: {drawClear: [(u) => shade(u, c)], draw: [(u) => overlay(u, c), drawn]},
    };
  }

  function xRange() {
    const h = state.header;
    if (!h) return [0, state.hello ? state.hello.window_s : 10];
    return [h.now - state.hello.window_s, h.now];
  }

  function span(u, m) {
    const {left, width} = u.bbox;
    const x0 = Math.max(left, u.valToPos(m.t0, "x", true));
    const x1 = Math.min(left + width, u.valToPos(m.t1, "x", true));
    return [x0, Math.max(x1, x0 + devicePixelRatio)];
  }

  // under the traces: spasms (growing while they last), provisional
  // activity, bursts and unusable stretches, as shaded columns
  function shade(u, c) {
    const ctx = u.ctx;
    const {top, height} = u.bbox;
    state.drawnMarks[c] = [];
    for (const kind of SHADED) {
      ctx.fillStyle = colour(kind);
      for (const m of state.marks[c]) {
        if (m.kind !== kind) continue;
        const [x0, x1] = span(u, m);
        ctx.fillRect(x0, top, x1 - x0, height);
        state.drawnMarks[c].push(m);
      }
    }
  }

  // over the traces: fasciculation ticks from the top, artefact bars at the bottom
  function overlay(u, c) {
    const ctx = u.ctx;
    const {left, top, width, height} = u.bbox;
    const dpr = devicePixelRatio;
    for (const m of state.marks[c]) {
      if (m.kind === "fasciculation") {
        const x = u.valToPos(m.t0, "x", true);
        if (x < left || x > left + width) continue;
        ctx.fillStyle = colour("fasciculation");
        ctx.fillRect(Math.round(x - 1.5 * dpr), top, Math.round(3 * dpr), height * 0.3);
        state.drawnMarks[c].push(m);
      } else if (m.kind === "artifact") {
        const [x0, x1] = span(u, m);
        ctx.fillStyle = colour("artifact");
        ctx.fillRect(x0, top + height - 6 * dpr, x1 - x0, 6 * dpr);
        state.drawnMarks[c].push(m);
      }
    }
  }

  function drawn() {
    if (awaiting && --awaiting.count === 0) {
      state.framesDrawn += 1;
      record(awaiting.header, awaiting.received, nowMs(), awaiting.started);
      awaiting = null;
    }
  }

  function render() {
    scheduled = false;
    const f = pending;
    pending = null;
    if (!f || !state.hello) return;
    const h = f.header;
    state.header = h;
    const n = h.n_bins;
    const nch = state.hello.ch_names.length;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = (h.first_bin + i) * h.spp / state.hello.sfreq;
    for (let c = 0; c < nch; c++) state.marks[c] = [];
    for (const m of h.marks) state.marks[m.ch].push(m);
    awaiting = {count: nch, header: h, received: f.received, started: nowMs()};
    for (let c = 0; c < nch; c++) {
      const base = 3 * c * n;
      const low = f.values.subarray(base, base + n);
      const high = f.values.subarray(base + n, base + 2 * n);
      const env = f.values.subarray(base + 2 * n, base + 3 * n);
      const thr = h.threshold_uv[c];
      let peak = thr == null ? 0 : 1.2 * thr;
      for (let i = 0; i < n; i++) peak = Math.max(peak, -low[i], high[i], env[i]);
      peak = Math.max(peak, 5);
      if (peak > state.yMax[c] || peak < 0.4 * state.yMax[c]) state.yMax[c] = 1.1 * peak;
      state.plots[c].setData([x, low, high, env, new Array(n).fill(thr)]);
    }
    if (f.received - lastPanels > 250) {
      lastPanels = f.received;
      panels(h);
    }
  }

  // -- around the plots -----------------------------------------------------

  function percentile(sorted, q) {
    return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
  }

  function panels(h) {
    const names = state.hello.ch_names;
    $("clock").textContent = `stream ${h.now.toFixed(1)} s`;
    const recent = state.records.slice(-100).map((r) => r.drawn - r.arrival).sort((a, b) => a - b);
    const fps = state.records.filter((r) => r.drawn > nowMs() - 1000).length;
    $("latency").textContent = recent.length
      ? `on screen in ${percentile(recent, 0.5).toFixed(0)} ms (p95 ${percentile(recent, 0.95).toFixed(0)}) · ${fps} fps · ${h.dropped} dropped`
      : "";
    $("link").textContent = h.link ? `link: ${h.link}` : "";
    $("alerts").textContent = h.alerts.join(" · ");
    const rows = names.map((name, c) => {
      const level = h.levels_uv[c], thr = h.threshold_uv[c], q = h.quality[c];
      const causes = q.causes.length ? ` (${q.causes.join(", ")})` : "";
      return `<tr><td>${name}</td><td class="num">${level == null ? "–" : level.toFixed(1)}</td>` +
        `<td class="num">${thr == null ? "–" : thr.toFixed(1)}</td>` +
        `<td>${q.bad_percent.toFixed(0)}% bad${causes}</td></tr>`;
    });
    $("channels").tBodies[0].innerHTML = rows.join("");
    document.querySelectorAll(".channel .level").forEach((el, c) => {
      const level = h.levels_uv[c];
      el.textContent = level == null ? "" : `${level.toFixed(1)} µV RMS`;
    });
    const feed = $("feed");
    feed.replaceChildren(...h.feed.slice().reverse().map((line) => {
      const li = document.createElement("li");
      li.textContent = line;
      return li;
    }));
  }

  // the plots' width in device pixels: one value triple per pixel is wanted
  function plotWidth() {
    return Math.round(state.plots[0].over.getBoundingClientRect().width * devicePixelRatio);
  }

  function sendWidth() {
    if (!state.plots.length || !socket || socket.readyState !== WebSocket.OPEN) return;
    state.width = plotWidth();
    socket.send(JSON.stringify({width: state.width}));
  }

  let resizing = null;
  addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      for (const u of state.plots) u.setSize(size());
    }, 200);
  });

  connect();
})();
