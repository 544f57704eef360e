// Run a hush streaming ONNX export (`hush export onnx`) with onnxruntime-web, from the file's metadata alone.
//
// The graph is one step of the model on one STFT frame:
//   (spec_re, spec_im, state.*) -> (enhanced_re, enhanced_im, next_state.*)
// Framing, the FFTs and the overlap-add live here, in the same convention as hush's own onnxruntime backend, so
// the output matches `hush enhance -m model.onnx` sample by sample (to float rounding). No Node APIs: the module
// also runs in a browser.

import * as ort from 'onnxruntime-web';

export const FORMAT = 'hush-onnx';
export const VERSION = 1; // newest metadata version this client understands
const META_KEY = 'hush';

export class HushError extends Error {}

// ------------------------------------------------------------------------------------------------- metadata

/**
 * The `metadata_props` of an ONNX ModelProto, read straight from the protobuf bytes: onnxruntime-web does not
 * expose a model's custom metadata. Only the top-level fields are walked; the graph is skipped by its length.
 * @param {Uint8Array} bytes
 * @returns {Map<string, string>}
 */
export function onnxMetadataProps(bytes) {
  let pos = 0;
  const varint = () => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (pos >= bytes.length) throw new HushError('not an ONNX file (truncated protobuf)');
      const b = bytes[pos++];
      value += (b & 0x7f) * scale; // no bit shifts: lengths may pass 2^31
      if (b < 0x80) return value;
      scale *= 128;
    }
  };
  const skip = (wire, end) => {
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 2) { const n = varint(); pos += n; } // (`pos += varint()` would read pos first)
    else if (wire === 5) pos += 4;
    else throw new HushError('not an ONNX file (unexpected protobuf wire type)');
    if (pos > end) throw new HushError('not an ONNX file (truncated protobuf)');
  };
  const text = new TextDecoder();
  const props = new Map();
  while (pos < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new HushError('not an ONNX file (bad protobuf field)');
    if (field === 14 && wire === 2) { // ModelProto.metadata_props: StringStringEntryProto {1: key, 2: value}
      const len = varint();
      const end = pos + len;
      if (end > bytes.length) throw new HushError('not an ONNX file (truncated protobuf)');
      let key = '';
      let value = '';
      while (pos < end) {
        const t = varint();
        if (t === 10 || t === 18) {
          const n = varint();
          if (pos + n > end) throw new HushError('not an ONNX file (truncated protobuf)');
          const s = text.decode(bytes.subarray(pos, pos + n));
          pos += n;
          if (t === 10) key = s; else value = s;
        } else skip(t % 8, end);
      }
      props.set(key, value);
    } else skip(wire, bytes.length);
  }
  return props;
}

const TYPED = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array,
  int8: Int8Array, int16: Int16Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array, bool: Uint8Array,
};

/** Check the metadata document of an export and return it; throws a one-line HushError when it cannot be run. */
export function checkMetadata(meta) {
  if (meta.format !== FORMAT) throw new HushError('not a hush ONNX export');
  if (!(meta.version <= VERSION)) {
    throw new HushError(`ONNX export version ${meta.version} is newer than this client supports (${VERSION})`);
  }
  if (meta.window !== 'sqrt_hann') throw new HushError(`unsupported analysis window ${JSON.stringify(meta.window)}`);
  for (const k of ['sample_rate', 'n_fft', 'hop', 'n_bins', 'stream_delay', 'min_length']) {
    if (!Number.isInteger(meta[k]) || meta[k] < 0) throw new HushError(`bad or missing metadata field ${k}`);
  }
  if (meta.hop < 1 || meta.n_fft % meta.hop) throw new HushError(`hop ${meta.hop} must divide n_fft ${meta.n_fft}`);
  if (meta.n_bins !== Math.floor(meta.n_fft / 2) + 1) throw new HushError('n_bins does not match n_fft');
  if (meta.inputs?.length !== 2 || meta.outputs?.length !== 2) {
    throw new HushError('expected two spectrum inputs and two outputs (real, imaginary)');
  }
  for (const s of meta.state ?? []) {
    if (!TYPED[s.dtype]) throw new HushError(`state ${s.name}: unsupported dtype ${s.dtype}`);
  }
  return meta;
}

/** The hush metadata document of an exported model, from the file's bytes. */
export function readMetadata(bytes) {
  const props = onnxMetadataProps(bytes);
  if (!props.has(META_KEY)) throw new HushError(`not an ONNX file exported by hush (no '${META_KEY}' metadata)`);
  let meta;
  try {
    meta = JSON.parse(props.get(META_KEY));
  } catch {
    throw new HushError(`unreadable '${META_KEY}' metadata (not JSON)`);
  }
  return checkMetadata(meta);
}

function initialState(s) {
  const Typed = TYPED[s.dtype];
  const size = s.shape.reduce((a, b) => a * b, 1);
  const data = new Typed(size);
  if (s.init !== 'zeros') {
    const flat = [s.init].flat(Infinity); // nested lists in row-major order
    if (flat.length !== size) throw new HushError(`state ${s.name}: initial value does not match its shape`);
    const big = Typed === BigInt64Array || Typed === BigUint64Array;
    flat.forEach((v, i) => { data[i] = big ? BigInt(v) : Number(v); });
  }
  return new ort.Tensor(s.dtype, data, s.shape);
}

// ------------------------------------------------------------------------------------------------------ FFT

/** Complex FFT of any size (mixed radix, prime factors), in float64. */
class FFT {
  constructor(n) {
    this.n = n;
    this.factors = [];
    let m = n;
    for (let p = 2; p * p <= m; p++) while (m % p === 0) { this.factors.push(p); m /= p; }
    if (m > 1) this.factors.push(m);
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      this.cos[t] = Math.cos((2 * Math.PI * t) / n);
      this.sin[t] = -Math.sin((2 * Math.PI * t) / n);
    }
    const maxp = Math.max(1, ...this.factors);
    this.sre = new Float64Array(maxp);
    this.sim = new Float64Array(maxp);
  }

  /** Forward transform of (re, im) into (outRe, outIm); inputs are left unchanged. */
  forward(re, im, outRe, outIm) {
    this.work(outRe, outIm, 0, re, im, 0, 1, 0);
  }

  // Decimation in time (as KISS FFT): p sub-transforms of length m, then a radix-p butterfly with twiddles.
  work(oRe, oIm, o, re, im, i, stride, level) {
    const p = this.factors[level];
    if (p === undefined) { oRe[o] = re[i]; oIm[o] = im[i]; return; }
    const n = this.n;
    let m = 1;
    for (let l = level + 1; l < this.factors.length; l++) m *= this.factors[l];
    for (let q = 0; q < p; q++) this.work(oRe, oIm, o + q * m, re, im, i + q * stride, stride * p, level + 1);
    const fstride = stride; // twiddle step of this level: W_{p m} = W_n^stride
    const { sre, sim, cos, sin } = this;
    for (let u = 0; u < m; u++) {
      for (let q = 0; q < p; q++) { sre[q] = oRe[o + u + q * m]; sim[q] = oIm[o + u + q * m]; }
      for (let q1 = 0; q1 < p; q1++) {
        const k = u + q1 * m;
        let accRe = sre[0];
        let accIm = sim[0];
        const step = (fstride * k) % n;
        let t = 0;
        for (let q = 1; q < p; q++) {
          t += step;
          if (t >= n) t -= n;
          accRe += sre[q] * cos[t] - sim[q] * sin[t];
          accIm += sre[q] * sin[t] + sim[q] * cos[t];
        }
        oRe[o + k] = accRe;
        oIm[o + k] = accIm;
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------ the model

/** sqrt-Hann, periodic: sqrt(0.5 - 0.5 cos(2 pi n / N)), n = 0..N-1. */
export function sqrtHann(n) {
  return Float64Array.from({ length: n }, (_, i) => Math.sqrt(0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)));
}

/** Weighted overlap-add synthesis window: window / sum_k window(n + k hop)^2 (constant for sqrt-Hann). */
export function synthesisWindow(window, hop) {
  const n = window.length;
  const norm = new Float64Array(hop);
  for (let k = 0; k < n / hop; k++) for (let i = 0; i < hop; i++) norm[i] += window[k * hop + i] ** 2;
  return window.map((w, i) => w / norm[i % hop]);
}

export class HushModel {
  /**
   * Load an exported model. `options` go to `ort.InferenceSession.create` (default: the wasm backend).
   * @param {Uint8Array} bytes the .onnx file
   */
  static async create(bytes, options = {}) {
    const meta = readMetadata(bytes);
    let session;
    try {
      session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], ...options });
    } catch (e) {
      throw new HushError(`cannot load the ONNX graph (${String(e.message ?? e).split('\n')[0]})`);
    }
    return new HushModel(meta, session);
  }

  constructor(meta, session) {
    this.meta = meta;
    this.session = session;
    this.sampleRate = meta.sample_rate;
    this.nFft = meta.n_fft;
    this.hop = meta.hop;
    this.nBins = meta.n_bins;
    this.delay = meta.stream_delay; // output lags input by this many samples (window overlap + lookahead frames)
    this.minLength = meta.min_length;
    this.state = meta.state ?? [];
    const want = [...meta.inputs, ...this.state.map((s) => s.input)];
    const missing = want.filter((n) => !session.inputNames.includes(n));
    if (missing.length || want.length !== session.inputNames.length) {
      throw new HushError(`graph inputs ${session.inputNames.join(', ')} do not match the metadata`);
    }
    this.window = sqrtHann(this.nFft);
    this.window32 = Float32Array.from(this.window); // hush windows the float32 frame with a float32 window
    this.synWindow = synthesisWindow(this.window, this.hop);
    this.fft = new FFT(this.nFft);
  }

  /** A fresh copy of the initial state: one tensor per `meta.state` entry, by its input name. */
  initState() {
    return Object.fromEntries(this.state.map((s) => [s.input, initialState(s)]));
  }

  /** One graph step on one frame's spectrum (Float32Array re/im of n_bins); returns enhanced re/im, next state. */
  async step(re, im, state) {
    const shape = this.meta.frame_shape ?? [1, 1, this.nBins];
    const feeds = {
      [this.meta.inputs[0]]: new ort.Tensor('float32', re, shape),
      [this.meta.inputs[1]]: new ort.Tensor('float32', im, shape),
      ...state,
    };
    const res = await this.session.run(feeds);
    const next = {};
    for (const s of this.state) next[s.input] = res[s.output];
    return { re: res[this.meta.outputs[0]].data, im: res[this.meta.outputs[1]].data, state: next };
  }

  /** A streaming processor (see HushStream). */
  stream() {
    return new HushStream(this);
  }

  /**
   * Enhance a whole mono signal at `sampleRate`; the output has the input's length and is aligned with it.
   * @param {Float32Array} x
   */
  async enhance(x) {
    if (x.length < this.minLength) {
      throw new HushError(`too short: ${x.length} samples, need at least ${this.minLength} (one frame)`);
    }
    const s = this.stream();
    const head = await s.process(x);
    const tail = await s.flush();
    const y = new Float32Array(head.length + tail.length);
    y.set(head);
    y.set(tail, head.length);
    return y.slice(this.delay, this.delay + x.length);
  }
}

/**
 * Hop-by-hop analysis -> graph step -> overlap-add. The output stream is the aligned output delayed by
 * `delay` samples; `flush()` returns the tail that brings it to `n_in + delay` samples, then resets.
 * Calls must not overlap (await each one).
 */
export class HushStream {
  constructor(model) {
    this.model = model;
    this.hop = model.hop;
    this.delay = model.delay;
    const n = model.nFft;
    this.frame = new Float32Array(n);
    this.bufRe = new Float64Array(n);
    this.bufIm = new Float64Array(n);
    this.outRe = new Float64Array(n);
    this.outIm = new Float64Array(n);
    this.reset();
  }

  reset() {
    const { nFft: n, hop: h } = this.model;
    this.state = this.model.initState();
    this.prev = new Float32Array(n - h); // the last n_fft - hop input samples (zeros before the start)
    this.ola = new Float64Array(n - h); // overlap-add tail
    this.pending = new Float32Array(0); // input short of a whole hop
    this.nIn = 0;
    this.nOut = 0;
  }

  /** Push samples; returns the output samples completed (whole hops). */
  async process(chunk) {
    this.nIn += chunk.length;
    const y = await this.run(chunk);
    this.nOut += y.length;
    return y;
  }

  /** Zero-pad the end so every input sample is out, past the delay; returns the tail and resets. */
  async flush() {
    const want = Math.max(this.nIn + this.delay - this.nOut, 0);
    const y = (await this.run(new Float32Array(want + this.hop))).slice(0, want);
    this.reset();
    return y;
  }

  async run(x) {
    const m = this.model;
    const { nFft: n, hop: h, nBins: nb, fft } = m;
    const buf = new Float32Array(this.pending.length + x.length);
    buf.set(this.pending);
    buf.set(x, this.pending.length);
    const hops = Math.floor(buf.length / h);
    const out = new Float32Array(hops * h);
    const { frame, bufRe, bufIm, outRe, outIm } = this;
    const re = new Float32Array(nb);
    const im = new Float32Array(nb);
    for (let i = 0; i < hops; i++) {
      frame.set(this.prev);
      frame.set(buf.subarray(i * h, (i + 1) * h), n - h);
      for (let j = 0; j < n; j++) { bufRe[j] = Math.fround(frame[j] * m.window32[j]); bufIm[j] = 0; }
      fft.forward(bufRe, bufIm, outRe, outIm);
      re.set(outRe.subarray(0, nb));
      im.set(outIm.subarray(0, nb));
      const y = await m.step(re, im, this.state);
      this.state = y.state;
      // inverse real FFT as numpy's irfft: Hermitian extension, imaginary parts of DC and Nyquist ignored,
      // via the conjugate trick ifft(X) = conj(fft(conj(X))) / n
      for (let k = 0; k < nb; k++) { bufRe[k] = y.re[k]; bufIm[k] = -y.im[k]; }
      bufIm[0] = 0;
      if (n % 2 === 0) bufIm[n / 2] = 0;
      for (let k = nb; k < n; k++) { bufRe[k] = bufRe[n - k]; bufIm[k] = -bufIm[n - k]; }
      fft.forward(bufRe, bufIm, outRe, outIm);
      for (let j = 0; j < h; j++) out[i * h + j] = (j < n - h ? this.ola[j] : 0) + (outRe[j] / n) * m.synWindow[j];
      const ola = new Float64Array(n - h);
      for (let j = h; j < n; j++) ola[j - h] = (j < n - h ? this.ola[j] : 0) + (outRe[j] / n) * m.synWindow[j];
      this.ola = ola;
      this.prev = frame.slice(h);
    }
    this.pending = buf.slice(hops * h);
    return out;
  }
}
