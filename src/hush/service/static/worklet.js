// Audio thread: cuts the microphone into frames for the main thread and plays back what it sends.
// Options: frame (samples per posted frame), mode ('live': play the enhanced queue or, bypassed, the input;
// 'record': capture only, output silence), maxQueue (samples of enhanced audio kept before the oldest are dropped).

class HushIO extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions || {};
    this.frame = o.frame || 480;
    this.mode = o.mode || 'live';
    this.maxQueue = o.maxQueue || 4 * this.frame * 10;
    this.buf = new Float32Array(this.frame);
    this.fill = 0;
    this.queue = [];
    this.queued = 0;
    this.head = 0;
    this.bypass = false;
    this.underruns = 0;
    this.port.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'audio') {
        this.queue.push(m.samples);
        this.queued += m.samples.length;
        while (this.queued - this.head > this.maxQueue && this.queue.length > 1) this.dropOldest();
      } else if (m.type === 'bypass') {
        this.bypass = m.value;
      }
    };
  }

  dropOldest() {
    this.queued -= this.queue[0].length;
    this.queue.shift();
    this.head = 0;
  }

  capture(input) {
    for (let i = 0; i < input.length; i++) {
      this.buf[this.fill++] = input[i];
      if (this.fill === this.frame) {
        const f = this.buf;
        this.port.postMessage({ type: 'frame', samples: f }, [f.buffer]);
        this.buf = new Float32Array(this.frame);
        this.fill = 0;
      }
    }
  }

  play(out) {
    let i = 0;
    while (i < out.length && this.queue.length) {
      const q = this.queue[0];
      const n = Math.min(out.length - i, q.length - this.head);
      out.set(q.subarray(this.head, this.head + n), i);
      i += n;
      this.head += n;
      if (this.head === q.length) this.dropOldest();
    }
    if (i < out.length) {
      out.fill(0, i);
      this.underruns++;
    }
  }

  process(inputs, outputs) {
    const input = inputs[0] && inputs[0][0];
    const out = outputs[0];
    if (input) this.capture(input);
    if (this.mode === 'live') {
      this.play(out[0]); // bypassed too, so that no stale enhanced audio piles up
      if (this.bypass && input) out[0].set(input);
    }
    for (let c = 1; c < out.length; c++) out[c].set(out[0]);
    return true;
  }
}

registerProcessor('hush-io', HushIO);
