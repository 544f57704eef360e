#!/usr/bin/env node
// Enhance a WAV file with a hush ONNX export:  node enhance.mjs [--float | --pcm16] model.onnx in.wav out.wav

import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

import * as ort from 'onnxruntime-web';

import { HushError, HushModel } from './hush-onnx.mjs';
import { WavError, mixDown, readWav, writeWav } from './wav.mjs';

const USAGE = `usage: node enhance.mjs [--float | --pcm16] model.onnx in.wav out.wav

Enhances a 16-bit PCM or 32-bit float WAV (multi-channel input is averaged to mono) at the model's sample rate
with a model exported by \`hush export onnx\`. The output has the input's length; it is written in the input's
sample format unless --float (32-bit float) or --pcm16 is given.`;

class UsageError extends Error {}

function parseArgs(argv) {
  let format = null;
  const files = [];
  for (const a of argv) {
    if (a === '-h' || a === '--help') return { help: true };
    if (a === '--float') format = 'float32';
    else if (a === '--pcm16') format = 'pcm16';
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else files.push(a);
  }
  if (files.length !== 3) throw new UsageError('expected three arguments: model.onnx in.wav out.wav');
  const [model, input, output] = files;
  return { model, input, output, format };
}

async function readInput(file, what) {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    if (e.code === 'ENOENT') throw new HushError(`${file}: ${what} not found`);
    throw new HushError(`${file}: cannot read (${e.code ?? e.message})`);
  }
}

async function main(argv) {
  const args = parseArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return;
  }
  if (path.resolve(args.input) === path.resolve(args.output)) {
    throw new HushError(`${args.output}: output would overwrite the input`);
  }
  ort.env.wasm.numThreads = 1; // one frame at a time: threads only add overhead (and worker start-up under Node)
  ort.env.logLevel = 'error';

  const modelBytes = await readInput(args.model, 'model file');
  let model;
  try {
    model = await HushModel.create(modelBytes);
  } catch (e) {
    if (e instanceof HushError) throw new HushError(`${args.model}: ${e.message}`);
    throw e;
  }

  let wav;
  try {
    wav = readWav(await readInput(args.input, 'input file'));
  } catch (e) {
    if (e instanceof WavError) throw new HushError(`${args.input}: ${e.message}`);
    throw e;
  }
  if (wav.sampleRate !== model.sampleRate) {
    throw new HushError(
      `${args.input}: sample rate ${wav.sampleRate} Hz, the model runs at ${model.sampleRate} Hz (resample it first)`,
    );
  }
  const x = mixDown(wav.channels);
  if (x.length === 0) throw new HushError(`${args.input}: empty audio (0 samples)`);
  if (!x.every(Number.isFinite)) throw new HushError(`${args.input}: contains NaN or infinite samples`);
  if (x.length < model.minLength) {
    throw new HushError(
      `${args.input}: too short: ${x.length} samples at ${wav.sampleRate} Hz, need at least ${model.minLength} (one frame)`,
    );
  }

  let y = await model.enhance(x);
  const format = args.format ?? wav.format;
  if (format === 'pcm16') {
    // as hush does for integer formats: scale the whole file down rather than clip
    const peak = y.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    if (peak > 0.999) {
      const gain = 0.999 / peak;
      y = y.map((v) => v * gain);
      console.error(`${args.output}: output scaled by ${(20 * Math.log10(gain)).toFixed(1)} dB to avoid clipping`);
    }
  }
  const tmp = path.join(path.dirname(args.output), `.${path.basename(args.output)}.${process.pid}.part`);
  try {
    await writeFile(tmp, writeWav(y, model.sampleRate, format));
    await rename(tmp, args.output);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new HushError(`${args.output}: cannot write (${e.code ?? e.message})`);
  }
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof UsageError) {
    console.error(`enhance.mjs: ${e.message}\n${USAGE.split('\n')[0]}`);
    process.exit(2);
  }
  console.error(e instanceof HushError ? `enhance.mjs: ${e.message}` : `enhance.mjs: ${e.stack ?? e}`);
  process.exit(1);
});
