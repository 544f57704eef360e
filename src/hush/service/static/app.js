// The demo page: tabs, the file tab (upload or record, enhance, A/B playback, spectrograms, DNSMOS, download).
import { decodeMono, draw, spectrogram } from './spectrogram.js';
import { encodeWav } from './wav.js';
import { initLive } from './live.js';

const $ = (id) => document.getElementById(id);

export const state = { file: null, enhancedUrl: null, noisyUrl: null, active: 'noisy', methods: [] };

function status(text, error = false) {
  const el = $('status');
  el.textContent = text;
  el.classList.toggle('error', error);
}

/** The `detail` of a JSON error body, else the status line. */
async function problem(resp) {
  try {
    const body = await resp.json();
    return body.detail || body.error || `${resp.status} ${resp.statusText}`;
  } catch {
    return `${resp.status} ${resp.statusText}`;
  }
}

// ------------------------------------------------------------------------------------------------- tabs
function initTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute('aria-controls')).hidden = !on;
    }
    tab.focus();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) select(tabs[(i + step + tabs.length) % tabs.length]);
      if (e.key === 'Home') select(tabs[0]);
      if (e.key === 'End') select(tabs[tabs.length - 1]);
    });
  });
}

// ---------------------------------------------------------------------------------------------- methods
async function loadMethods() {
  for (let attempt = 0; ; attempt++) {
    const resp = await fetch('/v1/methods').catch(() => null);
    if (resp && resp.ok) {
      const doc = await resp.json();
      state.methods = doc.methods;
      fillMethods($('method'), doc.methods, doc.default, () => true);
      fillMethods($('live-method'), doc.methods, doc.default, (m) => m.streaming);
      describeMethod();
      return;
    }
    $('method-help').textContent = 'Loading the methods…';
    await new Promise((r) => setTimeout(r, Math.min(500 * (attempt + 1), 3000)));
  }
}

function fillMethods(select, methods, preferred, keep) {
  select.replaceChildren();
  for (const m of methods.filter(keep)) {
    const opt = new Option(`${m.name} (${m.kind})`, m.name);
    opt.selected = m.name === preferred;
    select.append(opt);
  }
}

function describeMethod() {
  const m = state.methods.find((x) => x.name === $('method').value);
  if (!m) return;
  const parts = [m.description];
  if (m.latency_ms != null) parts.push(`${m.latency_ms.toFixed(0)} ms latency`);
  if (m.parameters) parts.push(`${(m.parameters / 1e6).toFixed(2)} M parameters`);
  $('method-help').textContent = parts.join('; ');
  updateButton();
}

function updateButton() {
  $('enhance').disabled = !(state.file && state.methods.length);
}

// ------------------------------------------------------------------------------------------- choosing audio
function setFile(file) {
  state.file = file;
  $('file-name').textContent = `${file.name}, ${(file.size / 1024).toFixed(0)} kB`;
  if (state.noisyUrl) URL.revokeObjectURL(state.noisyUrl);
  state.noisyUrl = URL.createObjectURL(file);
  $('noisy-audio').src = state.noisyUrl;
  updateButton();
}

function initDrop() {
  const drop = $('drop');
  $('file-input').addEventListener('change', (e) => e.target.files[0] && setFile(e.target.files[0]));
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files[0]) setFile(e.dataTransfer.files[0]);
  });
}

let recorder = null;

async function toggleRecording() {
  const button = $('record');
  if (recorder) {
    const { ctx, stream, chunks } = recorder;
    recorder = null;
    stream.getTracks().forEach((t) => t.stop());
    await ctx.close();
    button.setAttribute('aria-pressed', 'false');
    button.textContent = 'Record from the microphone';
    setFile(new File([encodeWav(chunks, ctx.sampleRate)], 'recording.wav', { type: 'audio/wav' }));
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    const ctx = new AudioContext();
    await ctx.audioWorklet.addModule('/static/worklet.js');
    const node = new AudioWorkletNode(ctx, 'hush-io', { processorOptions: { frame: 4096, mode: 'record' } });
    const chunks = [];
    node.port.onmessage = (e) => e.data.type === 'frame' && chunks.push(e.data.samples);
    ctx.createMediaStreamSource(stream).connect(node).connect(ctx.destination);
    recorder = { ctx, stream, chunks };
    button.setAttribute('aria-pressed', 'true');
    button.textContent = 'Stop recording';
    status('Recording… press the button again to stop.');
  } catch (err) {
    status(`The microphone is not available: ${err.message}`, true);
  }
}

// -------------------------------------------------------------------------------------------- enhancing
async function enhance(e) {
  e.preventDefault();
  if (!state.file) return;
  const form = new FormData();
  form.append('file', state.file, state.file.name);
  form.append('method', $('method').value);
  form.append('format', 'wav');
  const limit = Number($('limit').value);
  if (limit > 0) form.append('atten_lim_db', String(limit));
  $('enhance').disabled = true;
  $('results').setAttribute('aria-busy', 'true');
  status(`Enhancing ${state.file.name} with ${$('method').value}…`);
  try {
    const resp = await fetch('/v1/enhance', { method: 'POST', body: form });
    if (!resp.ok) throw new Error(await problem(resp));
    const blob = await resp.blob();
    const h = (k) => resp.headers.get(k);
    const seconds = Number(h('X-Hush-Processing-Seconds'));
    $('timing').textContent = `${Number(h('X-Hush-Audio-Seconds')).toFixed(2)} s of audio enhanced with ${h('X-Hush-Method')} in ${seconds.toFixed(2)} s (real-time factor ${Number(h('X-Hush-RTF')).toFixed(3)}).` + (h('X-Hush-Warning') ? ` Note: ${h('X-Hush-Warning')}` : '');
    showResult(blob, resp);
    status('Done. Drawing the spectrograms and scoring DNSMOS…');
    await Promise.all([drawBoth(blob), scoreBoth(blob)]);
    status('Done.');
  } catch (err) {
    status(`Enhancement failed: ${err.message}`, true);
  } finally {
    $('results').setAttribute('aria-busy', 'false');
    updateButton();
  }
}

function showResult(blob, resp) {
  if (state.enhancedUrl) URL.revokeObjectURL(state.enhancedUrl);
  state.enhancedUrl = URL.createObjectURL(blob);
  $('enhanced-audio').src = state.enhancedUrl;
  const link = $('download');
  link.href = state.enhancedUrl;
  const disposition = resp.headers.get('Content-Disposition') || '';
  const star = disposition.match(/filename\*=utf-8''([^;]+)/i);
  link.download = star ? decodeURIComponent(star[1]) : (disposition.match(/filename="([^"]+)"/) || [])[1] || 'enhanced.wav';
  link.classList.remove('disabled');
  link.removeAttribute('aria-disabled');
  $('play').disabled = false;
  $('toggle').disabled = false;
  setActive('noisy');
}

async function drawBoth(blob) {
  const [noisy, enhanced] = await Promise.all([decodeMono(state.file), decodeMono(blob)]);
  const cols = $('noisy-spec').width;
  const a = spectrogram(noisy.samples, cols), b = spectrogram(enhanced.samples, cols);
  const top = Math.max(a.peak, b.peak);
  draw($('noisy-spec'), a, top, noisy.rate);
  draw($('enhanced-spec'), b, top, enhanced.rate);
  $('noisy-spec').setAttribute('aria-label', `Spectrogram of the noisy input, ${noisy.duration.toFixed(1)} s, 0 to ${noisy.rate / 2000} kHz`);
  $('enhanced-spec').setAttribute('aria-label', `Spectrogram of the enhanced audio, ${enhanced.duration.toFixed(1)} s, 0 to ${enhanced.rate / 2000} kHz`);
}

async function scoreOne(blob, name, target) {
  const form = new FormData();
  form.append('file', blob, name);
  const resp = await fetch('/v1/dnsmos', { method: 'POST', body: form });
  const cells = [...$(target).querySelectorAll('dd')];
  if (!resp.ok) {
    const why = await problem(resp);
    cells.forEach((c) => { c.textContent = 'n/a'; c.title = why; });
    return why;
  }
  const doc = await resp.json();
  for (const c of cells) c.textContent = doc[c.dataset.key] == null ? 'n/a' : doc[c.dataset.key].toFixed(2);
  $(target).dataset.scored = 'true';
  return null;
}

async function scoreBoth(blob) {
  // one after the other: the service runs them on the same workers anyway
  const why = (await scoreOne(state.file, state.file.name, 'noisy-scores')) || (await scoreOne(blob, 'enhanced.wav', 'enhanced-scores'));
  if (why) $('timing').textContent += ` DNSMOS unavailable: ${why}`;
}

// ------------------------------------------------------------------------------------------ A/B playback
function audios() {
  return { noisy: $('noisy-audio'), enhanced: $('enhanced-audio') };
}

function setActive(which) {
  state.active = which;
  const other = which === 'noisy' ? 'enhanced' : 'noisy';
  const t = $('toggle');
  t.setAttribute('aria-pressed', String(which === 'enhanced'));
  t.textContent = `Listening to: ${which}. Switch to ${other}`;
}

function togglePlay() {
  const a = audios()[state.active];
  if (a.paused) a.play();
  else a.pause();
}

function toggleAB() {
  const els = audios();
  const from = els[state.active];
  const next = state.active === 'noisy' ? 'enhanced' : 'noisy';
  const to = els[next];
  const playing = !from.paused;
  from.pause();
  to.currentTime = Math.min(from.currentTime, Number.isFinite(to.duration) ? to.duration : from.currentTime);
  setActive(next);
  if (playing) to.play();
}

function initPlayback() {
  $('play').addEventListener('click', togglePlay);
  $('toggle').addEventListener('click', toggleAB);
  for (const [which, el] of Object.entries(audios())) {
    el.addEventListener('play', () => {
      if (state.active !== which) setActive(which);
      const other = audios()[which === 'noisy' ? 'enhanced' : 'noisy'];
      if (!other.paused) other.pause();
      $('play').textContent = 'Pause';
    });
    el.addEventListener('pause', () => { $('play').textContent = 'Play'; });
  }
}

// ------------------------------------------------------------------------------------------------- start
function init() {
  initTabs();
  initDrop();
  initPlayback();
  $('record').addEventListener('click', toggleRecording);
  $('enhance-form').addEventListener('submit', enhance);
  $('method').addEventListener('change', describeMethod);
  $('limit').addEventListener('input', () => {
    const v = Number($('limit').value);
    $('limit-value').textContent = v > 0 ? `${v} dB at most` : 'no limit';
  });
  initLive();
  loadMethods();
}

init();
