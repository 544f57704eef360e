// The live tab: microphone -> 10 ms frames over the WebSocket -> enhanced frames played back, with a bypass and
// the measured round trip (time from sending a frame to receiving its reply; every frame gets exactly one reply).

const $ = (id) => document.getElementById(id);

let session = null;

function say(text) {
  $('live-status').textContent = text;
}

function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '–');

function show(s) {
  const rtt = median(s.rtts);
  const device = 1000 * ((s.ctx.baseLatency || 0) + (s.ctx.outputLatency || 0));
  const frameMs = (1000 * s.frame) / s.ctx.sampleRate;
  $('lat-algo').textContent = ms(s.algo);
  $('lat-rtt').textContent = ms(rtt);
  $('lat-proc').textContent = s.proc == null ? '–' : `${s.proc.proc_ms_mean.toFixed(2)} ms mean, ${s.proc.proc_ms_p95.toFixed(2)} ms p95`;
  $('lat-device').textContent = ms(device);
  // a sample waits for its frame to fill, travels, is delayed by the method, then plays
  $('lat-total').textContent = s.bypass ? ms(device) : ms(frameMs + rtt + s.algo + device);
  $('live-frames').textContent = String(s.replies);
  $('lat-rtt').dataset.value = Number.isFinite(rtt) ? rtt.toFixed(3) : '';
}

async function start() {
  const method = $('live-method').value;
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
  });
  const ctx = new AudioContext({ latencyHint: 'interactive' });
  await ctx.audioWorklet.addModule('/static/worklet.js');
  const frame = Math.round(ctx.sampleRate / 100);
  const node = new AudioWorkletNode(ctx, 'hush-io', {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [2],
    processorOptions: { frame, mode: 'live', maxQueue: Math.round(ctx.sampleRate * 0.2) },
  });
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${proto}://${location.host}/v1/stream?method=${encodeURIComponent(method)}&rate=${ctx.sampleRate}&format=f32le`;
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const s = { ctx, stream, node, ws, frame, sent: [], rtts: [], replies: 0, algo: NaN, proc: null, bypass: $('bypass').checked, ready: false };
  node.port.postMessage({ type: 'bypass', value: s.bypass });

  node.port.onmessage = (e) => {
    if (e.data.type !== 'frame' || !s.ready || ws.readyState !== WebSocket.OPEN) return;
    s.sent.push(performance.now());
    ws.send(e.data.samples.buffer);
  };
  ws.onmessage = (e) => {
    if (typeof e.data === 'string') {
      const m = JSON.parse(e.data);
      if (m.type === 'start') {
        s.algo = m.latency_ms;
        s.ready = true;
        say(`Streaming through ${m.method} at ${m.rate} Hz.`);
      } else if (m.type === 'stats' || m.type === 'flushed') {
        s.proc = m;
      } else if (m.type === 'error') {
        say(`The service refused the stream: ${m.detail}`);
      }
      return;
    }
    const t0 = s.sent.shift();
    if (t0 !== undefined) {
      s.rtts.push(performance.now() - t0);
      if (s.rtts.length > 100) s.rtts.shift();
    }
    s.replies++;
    const samples = new Float32Array(e.data);
    if (samples.length) node.port.postMessage({ type: 'audio', samples }, [samples.buffer]);
    if (s.replies % 10 === 0) show(s);
  };
  ws.onclose = () => {
    if (session === s) stop(s.ready ? 'The stream closed.' : 'Could not open the stream.');
  };
  ctx.createMediaStreamSource(stream).connect(node).connect(ctx.destination);
  await ctx.resume();
  return s;
}

async function stop(message = 'Stopped.') {
  const s = session;
  session = null;
  $('live-start').setAttribute('aria-pressed', 'false');
  $('live-start').textContent = 'Start';
  if (!s) return;
  s.stream.getTracks().forEach((t) => t.stop());
  if (s.ws.readyState === WebSocket.OPEN) s.ws.close(1000);
  await s.ctx.close().catch(() => {});
  say(message);
}

export function initLive() {
  $('live-start').addEventListener('click', async () => {
    if (session) return stop();
    $('live-start').setAttribute('aria-pressed', 'true');
    $('live-start').textContent = 'Stop';
    say('Starting the microphone…');
    try {
      session = await start();
    } catch (err) {
      session = null;
      $('live-start').setAttribute('aria-pressed', 'false');
      $('live-start').textContent = 'Start';
      say(`Cannot start: ${err.message}`);
    }
  });
  $('bypass').addEventListener('change', () => {
    if (!session) return;
    session.bypass = $('bypass').checked;
    session.node.port.postMessage({ type: 'bypass', value: session.bypass });
    show(session);
  });
}
