// WAV reading and writing for 16-bit PCM and 32-bit float, on byte arrays (no Node APIs: usable in a browser).

export class WavError extends Error {}

const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

function fourcc(view, offset) {
  return String.fromCharCode(
    view.getUint8(offset), view.getUint8(offset + 1), view.getUint8(offset + 2), view.getUint8(offset + 3),
  );
}

/**
 * Decode a WAV file.
 * @param {Uint8Array} bytes
 * @returns {{sampleRate: number, channels: Float32Array[], format: 'pcm16' | 'float32'}}
 *   one array per channel, samples in [-1, 1) for PCM (int / 32768, as libsndfile reads them)
 */
export function readWav(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || fourcc(view, 0) !== 'RIFF' || fourcc(view, 8) !== 'WAVE') {
    const tag = bytes.byteLength >= 4 ? fourcc(view, 0) : '';
    if (tag === 'RF64' || tag === 'riff') throw new WavError('RF64/Wave64 files are not supported (use a RIFF WAV)');
    throw new WavError('not a WAV file (no RIFF/WAVE header)');
  }
  let fmt = null;
  let data = null;
  let pos = 12;
  while (pos + 8 <= bytes.byteLength) {
    const id = fourcc(view, pos);
    let size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'data') {
      // writers that stream (size 0 or 0xFFFFFFFF) or were cut short: take what the file holds
      if (size === 0 || body + size > bytes.byteLength) size = bytes.byteLength - body;
      data = { offset: body, size };
      if (fmt) break;
    } else if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.byteLength) throw new WavError('malformed WAV: fmt chunk too short');
      let tag = view.getUint16(body, true);
      if (tag === EXTENSIBLE && size >= 40 && body + 26 <= bytes.byteLength) tag = view.getUint16(body + 24, true); // SubFormat GUID's first two bytes
      fmt = {
        tag,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        blockAlign: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
      if (data) break;
    }
    pos = body + size + (size & 1); // chunks are padded to an even size
  }
  if (!fmt) throw new WavError('malformed WAV: no fmt chunk');
  if (!data) throw new WavError('malformed WAV: no data chunk');
  let format;
  if (fmt.tag === PCM && fmt.bits === 16) format = 'pcm16';
  else if (fmt.tag === IEEE_FLOAT && fmt.bits === 32) format = 'float32';
  else {
    const kind = fmt.tag === PCM ? `${fmt.bits}-bit PCM` : fmt.tag === IEEE_FLOAT ? `${fmt.bits}-bit float` : `format tag ${fmt.tag}`;
    throw new WavError(`unsupported WAV sample format: ${kind} (use 16-bit PCM or 32-bit float)`);
  }
  const nch = fmt.channels;
  const width = fmt.bits / 8;
  if (nch < 1 || fmt.sampleRate < 1) throw new WavError('malformed WAV: no channels or a zero sample rate');
  if (fmt.blockAlign !== nch * width) throw new WavError('malformed WAV: block size does not match the sample format');
  const frames = Math.floor(data.size / fmt.blockAlign);
  const channels = Array.from({ length: nch }, () => new Float32Array(frames));
  let p = data.offset;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++, p += width) {
      channels[c][i] = format === 'pcm16' ? view.getInt16(p, true) / 32768 : view.getFloat32(p, true);
    }
  }
  return { sampleRate: fmt.sampleRate, channels, format };
}

/** Average the channels into one (the input itself when mono). */
export function mixDown(channels) {
  if (channels.length === 1) return channels[0];
  const n = channels[0].length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const ch of channels) s += ch[i];
    out[i] = s / channels.length;
  }
  return out;
}

/**
 * Encode mono audio as a WAV file.
 * @param {Float32Array} samples
 * @param {number} sampleRate
 * @param {'pcm16' | 'float32'} format  pcm16 scales by 32768 (the inverse of reading) and rounds, clipping at full scale
 * @returns {Uint8Array}
 */
export function writeWav(samples, sampleRate, format = 'float32') {
  if (format !== 'pcm16' && format !== 'float32') throw new WavError(`unknown WAV output format ${format}`);
  const width = format === 'pcm16' ? 2 : 4;
  const dataSize = samples.length * width;
  // float data needs the 18-byte fmt chunk (cbSize) and a fact chunk (WAVE spec for non-PCM formats)
  const fmtSize = format === 'pcm16' ? 16 : 18;
  const factSize = format === 'pcm16' ? 0 : 12;
  const header = 12 + 8 + fmtSize + factSize + 8;
  if (header - 8 + dataSize > 0xffffffff) throw new WavError('output too long for a WAV file (4 GiB)');
  const bytes = new Uint8Array(header + dataSize);
  const view = new DataView(bytes.buffer);
  const put = (offset, s) => { for (let i = 0; i < 4; i++) view.setUint8(offset + i, s.charCodeAt(i)); };
  put(0, 'RIFF');
  view.setUint32(4, header - 8 + dataSize, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, fmtSize, true);
  view.setUint16(20, format === 'pcm16' ? PCM : IEEE_FLOAT, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * width, true);
  view.setUint16(32, width, true);
  view.setUint16(34, width * 8, true);
  let p = 20 + fmtSize;
  if (format === 'float32') {
    view.setUint16(36, 0, true);
    put(p, 'fact');
    view.setUint32(p + 4, 4, true);
    view.setUint32(p + 8, samples.length, true);
    p += 12;
  }
  put(p, 'data');
  view.setUint32(p + 4, dataSize, true);
  p += 8;
  for (let i = 0; i < samples.length; i++, p += width) {
    if (format === 'float32') view.setFloat32(p, samples[i], true);
    else view.setInt16(p, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), true);
  }
  return bytes;
}
