// roicodec studio: upload, ask the server to compress as the controls say, poll the job, show it.
// Plain JavaScript, no build step. Every picture shares one zoom/pan state so views stay aligned.
"use strict";

const $ = (id) => document.getElementById(id);
const POLL_MS = 250;
const TYPING_DELAY_MS = 450;
const METRIC_ROWS = [
  ["Whole picture", null],
  ["PSNR-Y (dB)", "psnr", 2],
  ["SSIM", "ssim", 4],
  ["MS-SSIM", "ms_ssim", 4],
  ["VIFp", "vifp", 4],
  ["PSNR-HVS-M (dB)", "psnr_hvs_m", 2],
  ["PSNR RGB (dB)", "psnr_rgb", 2],
  ["SSIMULACRA2", "ssimulacra2", 1],
  ["Subject (map ≥ 0.5)", null],
  ["PSNR RGB (dB)", "roi_psnr", 2],
  ["SSIMULACRA2", "roi_ssimulacra2", 1],
  ["Background (map < 0.5)", null],
  ["PSNR RGB (dB)", "background_psnr", 2],
  ["SSIMULACRA2", "background_ssimulacra2", 1],
  ["Weighted by the map", null],
  ["PSNR RGB (dB)", "weighted_psnr", 2],
];

const state = {
  options: null,
  upload: null,        // {id, width, height, bytes, name, original}
  jobId: null,         // the latest job; older ones are ignored
  result: null,        // the latest finished result, and its job id
  resultJob: null,
  timer: null,
  values: {quality: 50, size: null, bpp: 0.75},  // the server's default target replaces its own kind
  // One view for every picture, in the picture's own terms: `scale` screen pixels per picture pixel
  // (the same in every view, so "200 %" means the same everywhere), the picture point at the centre.
  // While `fitted`, each view fits the whole picture instead.
  view: {scale: 1, cx: 0.5, cy: 0.5, fitted: true},
};

// ---------------------------------------------------------------------------------------------
// Server calls

async function api(path, init) {
  const response = await fetch(path, init);
  let body = {};
  try { body = await response.json(); } catch (_) { /* empty or not JSON */ }
  if (!response.ok) throw new Error(body.detail || `${response.status} ${response.statusText}`);
  return body;
}

function currentRequest() {
  return {
    upload: state.upload.id,
    map_method: $("map-method").value,
    backbone: $("backbone").value,
    codec: $("codec").value,
    strategy: $("strategy").value,
    target: $("target-kind").value,
    value: Number($("target-value").value),
    classes: $("classes").value.trim(),
    suppress: $("suppress").value.trim(),
  };
}

// ---------------------------------------------------------------------------------------------
// Controls

function fillSelect(select, items, chosen) {
  select.replaceChildren(...items.map(([value, label, disabled]) => {
    const option = new Option(label, value, false, value === chosen);
    option.disabled = Boolean(disabled);
    return option;
  }));
}

function codecInfo() {
  return state.options.codecs.find((c) => c.name === $("codec").value);
}

function fillStrategies() {
  const codec = codecInfo();
  const items = [["default", `default (${codec.default_strategy})`]];
  for (const s of codec.strategies) items.push([s, s]);
  fillSelect($("strategy"), items, "default");
}

function setTargetKind(kind) {
  const limits = state.options.targets[kind];
  const input = $("target-value");
  input.min = limits.min;
  input.max = limits.max;
  input.step = kind === "quality" ? "1" : "any";
  if (state.values[kind] === null && state.upload) {
    // The default bits per pixel, in KB, as a starting size.
    const pixels = state.upload.width * state.upload.height;
    state.values[kind] = Math.max(1, Math.round(state.values.bpp * pixels / 8 / 1000));
  }
  input.value = state.values[kind] ?? "";
}

function showLimits() {
  const limits = state.options.limits;
  $("limits").textContent =
    `Up to ${formatMB(limits.max_upload_bytes)} and ${limits.max_pixels / 1e6} megapixels. ` +
    "PNG, JPEG, WebP, TIFF, BMP, GIF, AVIF, HEIC, JPEG XL, JPEG 2000.";
}

async function init() {
  try {
    state.options = await api("/api/options");
  } catch (error) {
    showError(`cannot reach the studio: ${error.message}`);
    return;
  }
  const d = state.options.defaults;
  const slow = state.options.slow_methods;
  fillSelect($("map-method"), state.options.map_methods.map((m) => [m, slow[m] ? `${m} (slow: ${slow[m]})` : m]), d.map_method);
  fillSelect($("backbone"), state.options.backbones.map((b) => [b, b]), d.backbone);
  fillSelect($("codec"), state.options.codecs.map((c) => [c.name, c.missing ? `${c.label} (missing)` : c.label, c.missing]), d.codec);
  fillStrategies();
  $("class-groups").replaceChildren(...state.options.class_groups.map((g) => new Option(g)));
  $("target-kind").value = d.target;
  state.values[d.target] = d.value;
  setTargetKind(d.target);
  showLimits();
  showLegend(state.options.overlay);

  for (const id of ["map-method", "backbone", "strategy"]) $(id).addEventListener("change", () => compressSoon(0));
  $("codec").addEventListener("change", () => { fillStrategies(); compressSoon(0); });
  $("target-kind").addEventListener("change", () => { setTargetKind($("target-kind").value); compressSoon(0); });
  $("target-value").addEventListener("input", () => {
    state.values[$("target-kind").value] = Number($("target-value").value);
    compressSoon(TYPING_DELAY_MS);
  });
  $("target-value").addEventListener("change", () => compressSoon(0));
  for (const id of ["classes", "suppress"]) {
    $(id).addEventListener("input", () => compressSoon(TYPING_DELAY_MS * 2));
    $(id).addEventListener("change", () => compressSoon(0));
  }

  const drop = $("drop-zone");
  $("file-input").addEventListener("change", (event) => {
    if (event.target.files.length) uploadFile(event.target.files[0]);
    event.target.value = "";  // choosing the same file again still uploads it
  });
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    if (event.dataTransfer.files.length) uploadFile(event.dataTransfer.files[0]);
  });
  drop.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") $("file-input").click();
  });
  window.addEventListener("pagehide", closeUpload);

  setUpTabs();
  setUpZoom();
  setUpSlider();
}

// ---------------------------------------------------------------------------------------------
// Upload and jobs

async function uploadFile(file) {
  hideError();
  const limit = state.options.limits.max_upload_bytes;
  if (file.size > limit) {
    showError(`${file.name}: the file is ${formatMB(file.size)}; the studio accepts up to ${formatMB(limit)}`);
    return;
  }
  showProgress(`uploading ${file.name}`, 0);
  let upload;
  try {
    upload = await api("/api/uploads", {
      method: "POST",
      body: file,
      headers: {"Content-Type": file.type || "application/octet-stream", "X-Filename": encodeURIComponent(file.name)},
    });
  } catch (error) {
    hideProgress();
    showError(error.message);
    return;
  }
  closeUpload();
  state.upload = upload;
  state.result = null;
  state.resultJob = null;
  state.values.size = null;
  setTargetKind($("target-kind").value);
  document.body.classList.add("has-image");
  document.documentElement.style.setProperty("--aspect", `${upload.width} / ${upload.height}`);
  $("file-info").textContent = `${upload.name}: ${upload.width}×${upload.height}, ${formatBytes(upload.bytes)}`;
  for (const id of ["result-img", "uniform-img", "overlay-img", "slider-left", "slider-right"]) {
    $(id).src = upload.original;
  }
  $("downloads").hidden = true;
  $("caption-result").textContent = describe("result");
  $("caption-uniform").textContent = describe("uniform");
  updateSlider();
  $("sizes").querySelector("tbody").replaceChildren();
  $("metrics").querySelector("tbody").replaceChildren();
  fitView();
  compressSoon(0);
}

function closeUpload() {
  if (state.upload) navigator.sendBeacon(`/api/uploads/${state.upload.id}/close`);
}

function compressSoon(delay) {
  clearTimeout(state.timer);
  if (!state.upload) return;
  state.timer = setTimeout(submitJob, delay);
}

async function submitJob() {
  const request = currentRequest();
  const limits = state.options.targets[request.target];
  if (!(request.value >= limits.min && request.value <= limits.max)) {
    showError(`${request.target} must be between ${limits.min} and ${limits.max}`);
    return;
  }
  hideError();
  $("views").classList.add("updating");
  markNumbersStale("updating…");
  let job;
  try {
    job = await api("/api/jobs", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(request)});
  } catch (error) {
    finishWaiting(true);
    showError(error.message);
    return;
  }
  state.jobId = job.id;
  followJob(job);
}

async function followJob(job) {
  while (job.id === state.jobId) {
    if (job.state === "done") {
      finishWaiting();
      showResult(job);
      return;
    }
    if (job.state === "failed") {
      finishWaiting(true);
      showError(job.error);
      return;
    }
    if (job.state === "cancelled") return;  // a newer job replaced it
    const waiting = job.state === "queued" && job.queue_position ? ` (${job.queue_position} ahead)` : "";
    const elapsed = job.seconds ? ` · ${Math.round(job.seconds)} s` : "";
    showProgress(job.stage + waiting + elapsed, job.progress);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (job.id !== state.jobId) return;
    try {
      job = await api(`/api/jobs/${job.id}`);
    } catch (error) {
      finishWaiting(true);
      showError(error.message);
      return;
    }
  }
}

function finishWaiting(failed = false) {
  hideProgress();
  $("views").classList.remove("updating");
  if (failed) markNumbersStale(state.result ? "not updated" : null);
}

// The numbers shown belong to the previous settings until a new result arrives: dimmed, with a note
// beside the headings ("updating…" while it is computed, "not updated" after a failure).
function markNumbersStale(note) {
  $("numbers").classList.toggle("stale", Boolean(note));
  $("numbers").setAttribute("aria-busy", String(note === "updating…"));
  for (const element of $("numbers").querySelectorAll(".stale-note")) element.textContent = note || "updating…";
}

// ---------------------------------------------------------------------------------------------
// Showing a result

function jobFile(jobId, name) {
  return `/api/jobs/${jobId}/files/${name}`;
}

// What a picture is, for the captions and the slider's sides: which file, codec, size.
function describe(which) {
  const upload = state.upload;
  if (which === "original" || (upload && !state.result)) {
    return upload ? `original ${upload.name}: ${formatBytes(upload.bytes)}` : "original";
  }
  if (!state.result) return which === "result" ? "roicodec" : "uniform, same size";
  const {codec, files} = state.result;
  if (which === "result") {
    const file = files.result;
    return `roicodec ${codec.label} ${file.strategy}: ${formatBytes(file.bytes)}, ${file.bpp.toFixed(3)} bpp`;
  }
  return files.uniform
    ? `uniform ${codec.label}, same size: ${formatBytes(files.uniform.bytes)}, q ${files.uniform.quality}`
    : `uniform: ${state.result.uniform_missing}`;
}

// The colour bar under the importance map: the overlay's colormap as the server made it.
function showLegend(overlay) {
  const last = overlay.stops.length - 1;
  const stops = overlay.stops.map(([r, g, b], i) => `rgb(${r}, ${g}, ${b}) ${(100 * i / last).toFixed(1)}%`);
  $("colorbar").style.backgroundImage = `linear-gradient(to right, ${stops.join(", ")})`;
  $("colorbar").title = `${overlay.colormap} colormap, blended ${Math.round(100 * overlay.opacity)}% over the photo`;
  const threshold = `${100 * state.options.roi_threshold}%`;
  $("colorbar-threshold").style.left = threshold;
  $("colorbar-threshold-label").style.left = threshold;
  $("colorbar-threshold-label").textContent = `${state.options.roi_threshold}: subject from here`;
}

function showResult(job) {
  const result = job.result;
  state.result = result;
  state.resultJob = job.id;
  const files = result.files;
  $("result-img").src = jobFile(job.id, "result.png");
  if (files.uniform) $("uniform-img").src = jobFile(job.id, "uniform.png");
  else $("uniform-img").removeAttribute("src");
  $("overlay-img").src = jobFile(job.id, "overlay.png");
  $("caption-result").textContent = describe("result");
  $("caption-uniform").textContent = describe("uniform");
  updateSlider();

  const download = $("download");
  download.href = `/api/jobs/${job.id}/download/result`;
  download.textContent = `Download ${result.codec.extension} (${formatBytes(files.result.bytes)})`;
  const uniform = $("download-uniform");
  uniform.hidden = !files.uniform;
  uniform.href = `/api/jobs/${job.id}/download/uniform`;
  $("downloads").hidden = false;

  const map = result.map;
  const classes = map.classes.map((c) => `${c.name} ${(100 * c.probability).toFixed(0)}%`).join(", ");
  $("map-info").textContent = `${map.method} map (${map.backbone || "no network"}); ` +
    `${(100 * map.roi_fraction).toFixed(1)}% of the picture is subject (map ≥ ${state.options.roi_threshold})` +
    (classes ? `; top classes: ${classes}` : "") +
    (map.cues && map.cues.length ? `; cues: ${map.cues.map((c) => `${c.name} ${(100 * c.share).toFixed(0)}%`).join(", ")}` : "");
  showSizes(result);
  showMetrics(result);
  markNumbersStale(null);
}

const COMPARISON_NOTE = "Uniform: the largest uniform file of this codec not bigger than roicodec's; " +
  "further columns: other uniform encoders at the same size. SSIMULACRA2: 100 identical, 90 visually lossless, " +
  "70 high, 50 medium, 30 low. Subject and background: inside and outside map ≥ 0.5 (subject: each region's " +
  "bounding box). Differences: roicodec minus uniform.";

function showSizes(result) {
  const rows = [];
  const original = result.original;
  rows.push(["uploaded file", original.bytes, original.bytes * 8 / (original.width * original.height), null, ""]);
  for (const [label, file] of [["roicodec", result.files.result], ["uniform, same size", result.files.uniform]]) {
    if (file) rows.push([label, file.bytes, file.bpp, file.ratio, label === "roicodec" ? `mean ${file.quality}` : `q ${file.quality}`]);
  }
  for (const anchor of result.anchors || []) {
    if (anchor.bytes) rows.push([`uniform ${anchor.label}, same size`, anchor.bytes, anchor.bpp, anchor.ratio, `q ${anchor.quality}`]);
  }
  $("sizes").querySelector("tbody").replaceChildren(...rows.map(([label, bytes, bpp, ratio, quality]) =>
    tableRow([label, bytes.toLocaleString("en-US"), bpp.toFixed(3), ratio ? `${ratio.toFixed(1)}×` : "", quality])));
  if (result.target_bytes) {
    $("metrics-note").textContent = `Target ${result.target_bytes.toLocaleString("en-US")} bytes. ${COMPARISON_NOTE}`;
  } else {
    $("metrics-note").textContent = COMPARISON_NOTE;
  }
}

function showMetrics(result) {
  const mine = result.files.result.metrics;
  const theirs = result.files.uniform ? result.files.uniform.metrics : {};
  const anchors = (result.anchors || []).filter((anchor) => anchor.metrics);
  $("metrics").querySelector("thead").replaceChildren(tableRow(
    ["metric", "roicodec", "uniform", ...anchors.map((anchor) => anchor.label), "difference"], "th"));
  const body = $("metrics").querySelector("tbody");
  body.replaceChildren();
  for (const [label, key, digits] of METRIC_ROWS) {
    if (key === null) {
      const row = tableRow([label]);
      row.className = "group";
      row.firstChild.colSpan = 4 + anchors.length;
      body.append(row);
      continue;
    }
    const a = mine[key];
    const b = theirs[key];
    const diff = a != null && b != null ? a - b : null;
    const row = tableRow([label, fixed(a, digits), fixed(b, digits),
      ...anchors.map((anchor) => fixed(anchor.metrics[key], digits)), diff == null ? "" : signed(diff, digits)]);
    row.dataset.metric = key;
    if (diff != null && Math.abs(diff) >= 0.5 * 10 ** -digits) row.lastChild.className = diff > 0 ? "better" : "worse";
    body.append(row);
  }
}

function tableRow(cells, tag = "td") {
  const row = document.createElement("tr");
  for (const text of cells) {
    const cell = document.createElement(tag);
    cell.textContent = text;
    row.append(cell);
  }
  return row;
}

// ---------------------------------------------------------------------------------------------
// Views: tabs, shared zoom and pan, before/after slider

function setUpTabs() {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    tab.addEventListener("click", () => {
      for (const other of document.querySelectorAll('[role="tab"]')) {
        other.setAttribute("aria-selected", String(other === tab));
        $(other.dataset.view).hidden = other !== tab;
      }
      applyView();
    });
  }
}

function viewports() {
  return [...document.querySelectorAll(".viewport")].filter((v) => v.offsetParent !== null);
}

function imageSize() {
  return state.upload ? [state.upload.width, state.upload.height] : [1, 1];
}

// The view is kept in the picture's own terms (screen pixels per picture pixel, the picture point at
// the centre), so views of different sizes show the same part of the picture at the same zoom.
// "Screen pixels" are the device's: 100 % shows each picture pixel on one pixel of the screen.
function layout(viewport) {
  const box = viewport.getBoundingClientRect();
  const [width, height] = imageSize();
  const fit = Math.min(box.width / width, box.height / height) || 1;
  const scale = state.view.fitted ? fit : state.view.scale;  // CSS pixels per picture pixel
  return {box, fit, scale, x: box.width / 2 - state.view.cx * scale, y: box.height / 2 - state.view.cy * scale};
}

function fitView() {
  const [width, height] = imageSize();
  state.view = {scale: 1, cx: width / 2, cy: height / 2, fitted: true};
  applyView();
}

const MAX_ZOOM = 32;  // device pixels per picture pixel

function zoomAround(viewport, factorOf, mx, my) {
  const {box, fit, scale, x, y} = layout(viewport);
  const dpr = window.devicePixelRatio || 1;
  const newScale = Math.min(MAX_ZOOM / dpr, Math.max(Math.min(fit, 1 / dpr) / 4, factorOf(scale) * scale));
  const px = (mx - x) / scale;  // the picture point under the pointer stays there
  const py = (my - y) / scale;
  const nx = mx - px * newScale;
  const ny = my - py * newScale;
  state.view = {scale: newScale, cx: (box.width / 2 - nx) / newScale, cy: (box.height / 2 - ny) / newScale,
                fitted: false};
  applyView();
}

function applyView() {
  const dpr = window.devicePixelRatio || 1;
  for (const viewport of viewports()) {
    const {scale, x, y} = layout(viewport);
    const transform = `translate(${x}px, ${y}px) scale(${scale})`;
    for (const img of viewport.querySelectorAll("img")) img.style.transform = transform;
    viewport.classList.toggle("pixelated", scale * dpr >= 2);
  }
  // "fit" has no single number (each view fits its own box); any other zoom is the same in every view.
  const shown = viewports()[0];
  const percent = Math.round((shown ? layout(shown).scale : state.view.scale) * dpr * 100);
  $("zoom-level").textContent = state.view.fitted ? "fit" : `${percent} %`;
  $("zoom-level").title = state.view.fitted
    ? `the whole picture in each view (${percent} % in this one)`
    : `${percent} %: each picture pixel is ${percent / 100} screen pixels wide, in every view`;
}

function setUpZoom() {
  for (const viewport of document.querySelectorAll(".viewport")) {
    viewport.addEventListener("wheel", (event) => {
      event.preventDefault();
      const box = viewport.getBoundingClientRect();
      const factor = event.deltaY < 0 ? 1.2 : 1 / 1.2;
      zoomAround(viewport, () => factor, event.clientX - box.left, event.clientY - box.top);
    }, {passive: false});
    let last = null;
    viewport.addEventListener("pointerdown", (event) => {
      last = [event.clientX, event.clientY];
      viewport.setPointerCapture(event.pointerId);
      viewport.classList.add("dragging");
    });
    viewport.addEventListener("pointermove", (event) => {
      if (!last) return;
      const {scale} = layout(viewport);
      state.view.cx -= (event.clientX - last[0]) / scale;
      state.view.cy -= (event.clientY - last[1]) / scale;
      state.view.scale = scale;  // a fitted view keeps its scale once dragged
      state.view.fitted = false;
      last = [event.clientX, event.clientY];
      applyView();
    });
    const stop = () => { last = null; viewport.classList.remove("dragging"); };
    viewport.addEventListener("pointerup", stop);
    viewport.addEventListener("pointercancel", stop);
  }
  const centre = (factorOf) => {
    const viewport = viewports()[0];
    if (!viewport) return;
    const {box} = layout(viewport);
    zoomAround(viewport, factorOf, box.width / 2, box.height / 2);
  };
  $("zoom-in").addEventListener("click", () => centre(() => 1.5));
  $("zoom-out").addEventListener("click", () => centre(() => 1 / 1.5));
  $("zoom-fit").addEventListener("click", fitView);
  // 1:1 is one picture pixel per device pixel.
  $("zoom-1").addEventListener("click", () => centre((scale) => 1 / ((window.devicePixelRatio || 1) * scale)));
  window.addEventListener("resize", applyView);
}

function setUpSlider() {
  $("slider").addEventListener("input", updateSlider);
  $("slider-left-source").addEventListener("change", updateSlider);
  $("slider-right-source").addEventListener("change", updateSlider);
}

function sliderSide(which) {
  const missing = which === "uniform" && state.result && !state.result.files.uniform;
  return describe(which) + (missing ? " (showing the original)" : "");
}

function sourceUrl(which) {
  if (!state.upload) return "";
  if (which === "original" || !state.result) return state.upload.original;
  if (which === "uniform" && !state.result.files.uniform) return state.upload.original;
  return jobFile(state.resultJob, `${which}.png`);
}

function updateSlider() {
  const position = Number($("slider").value);
  $("slider-left-layer").style.clipPath = `inset(0 ${100 - position}% 0 0)`;
  $("slider-line").style.left = `calc(${position}% - 1px)`;
  $("slider-left-label").textContent = `◀ Left: ${sliderSide($("slider-left-source").value)}`;
  $("slider-right-label").textContent = `Right: ${sliderSide($("slider-right-source").value)} ▶`;
  const left = sourceUrl($("slider-left-source").value);
  const right = sourceUrl($("slider-right-source").value);
  if (left && !$("slider-left").src.endsWith(left)) $("slider-left").src = left;
  if (right && !$("slider-right").src.endsWith(right)) $("slider-right").src = right;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function showProgress(stage, fraction) {
  $("progress-box").hidden = false;
  $("progress").value = fraction;
  $("stage").textContent = stage;
}

function hideProgress() {
  $("progress-box").hidden = true;
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function hideError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

function fixed(value, digits) {
  return value == null ? "n/a" : value.toFixed(digits);
}

function signed(value, digits) {
  return (value > 0 ? "+" : value < 0 ? "−" : "±") + Math.abs(value).toFixed(digits);
}

function formatBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1000).toFixed(1)} KB`;
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

function formatMB(bytes) {
  return `${(bytes / 1048576).toFixed(bytes % 1048576 ? 1 : 0)} MB`;
}

init();
