// Log-magnitude spectrograms drawn on a canvas from decoded audio (no server round trip, no library).

export const SPEC_RATE = 24000; // decode at this rate: 0-12 kHz shown
const N_FFT = 512;
const RANGE_DB = 80;

/** In-place iterative radix-2 FFT of (re, im), length a power of two. */
function fft(re, im) {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang), wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k, b = a + len / 2;
        const tr = re[b] * cr - im[b] * ci, ti = re[b] * ci + im[b] * cr;
        re[b] = re[a] - tr; im[b] = im[a] - ti;
        re[a] += tr; im[a] += ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr; cr = nr;
      }
    }
  }
}

/** Mono samples of an encoded file (any format the browser decodes), resampled to SPEC_RATE. */
export async function decodeMono(blob) {
  const bytes = await blob.arrayBuffer();
  const ctx = new OfflineAudioContext(1, 1, SPEC_RATE);
  const buf = await ctx.decodeAudioData(bytes);
  const out = new Float32Array(buf.length);
  for (let c = 0; c < buf.numberOfChannels; c++) {
    const ch = buf.getChannelData(c);
    for (let i = 0; i < ch.length; i++) out[i] += ch[i] / buf.numberOfChannels;
  }
  return { samples: out, rate: buf.sampleRate, duration: buf.duration };
}

/** Power spectrogram in dB: `columns` frames (Hann window), N_FFT / 2 + 1 bins each. */
export function spectrogram(x, columns) {
  const bins = N_FFT / 2 + 1;
  const hop = Math.max(1, (x.length - N_FFT) / Math.max(columns - 1, 1));
  const win = new Float32Array(N_FFT).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / N_FFT));
  const db = new Float32Array(columns * bins);
  const re = new Float64Array(N_FFT), im = new Float64Array(N_FFT);
  let peak = -Infinity;
  for (let c = 0; c < columns; c++) {
    const start = Math.round(c * hop);
    for (let i = 0; i < N_FFT; i++) {
      re[i] = (x[start + i] || 0) * win[i];
      im[i] = 0;
    }
    fft(re, im);
    for (let k = 0; k < bins; k++) {
      const v = 10 * Math.log10(re[k] * re[k] + im[k] * im[k] + 1e-12);
      db[c * bins + k] = v;
      if (v > peak) peak = v;
    }
  }
  return { db, bins, columns, peak };
}

// magma-like colour stops, low to high
const STOPS = [[0, 0, 4], [59, 15, 112], [140, 41, 129], [222, 73, 104], [254, 159, 109], [252, 253, 191]];

function colour(t) {
  const p = Math.min(Math.max(t, 0), 1) * (STOPS.length - 1);
  const i = Math.min(Math.floor(p), STOPS.length - 2), f = p - i;
  return STOPS[i].map((a, k) => a + f * (STOPS[i + 1][k] - a));
}

/** Draw `spec` on `canvas`, `top` dB (a shared reference keeps two spectrograms comparable) to top - 80 dB. */
export function draw(canvas, spec, top, rate = SPEC_RATE) {
  const g = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  const img = g.createImageData(w, h);
  const { db, bins, columns } = spec;
  for (let y = 0; y < h; y++) {
    const k = Math.min(bins - 1, Math.floor(((h - 1 - y) / (h - 1)) * (bins - 1)));
    for (let xp = 0; xp < w; xp++) {
      const c = Math.min(columns - 1, Math.floor((xp / w) * columns));
      const [r, gg, b] = colour((db[c * bins + k] - (top - RANGE_DB)) / RANGE_DB);
      const o = 4 * (y * w + xp);
      img.data[o] = r; img.data[o + 1] = gg; img.data[o + 2] = b; img.data[o + 3] = 255;
    }
  }
  g.putImageData(img, 0, 0);
  g.fillStyle = 'rgba(255,255,255,0.85)';
  g.font = '12px system-ui, sans-serif';
  for (let khz = 2; khz < rate / 2000; khz += 2) {
    const y = h - 1 - (khz * 1000 * 2 / rate) * (h - 1);
    g.fillRect(0, Math.round(y), 6, 1);
    g.fillText(`${khz} kHz`, 9, Math.round(y) + 4);
  }
  canvas.dataset.drawn = 'true';
}
