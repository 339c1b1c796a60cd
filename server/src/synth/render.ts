import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { linearToUlaw } from '../speech/audio/g711';
import { resample } from '../speech/audio/resample';
import { decodeWav, encodeWav, inspectWav } from '../speech/audio/wav';
import type { CallScript } from './scripts';

export const VOICES = { agent: 'slt', customer: 'rms' } as const;
export const SYNTH_VERSION = 2;

export interface GroundTruthTurn {
  speaker: 'agent' | 'customer';
  channel: number;
  startMs: number;
  endMs: number;
  text: string;
  /** where each of the turn's parts was spoken (when the script gives parts) */
  parts?: Array<{ startMs: number; endMs: number }>;
}

export interface RenderedCall {
  id: string;
  wav16k: string;
  wav8kUlaw: string;
  truth: string;
  durationMs: number;
  turns: GroundTruthTurn[];
}

export function fliteAvailable(): boolean {
  return spawnSync('flite', ['-lv'], { encoding: 'utf8' }).status === 0;
}

function speak(voice: string, text: string): Int16Array {
  const tmp = path.join(os.tmpdir(), `hotline-tts-${crypto.randomUUID()}.wav`);
  try {
    const r = spawnSync('flite', ['-voice', voice, '-t', text, '-o', tmp], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`flite failed (voice ${voice}): ${r.stderr || r.error?.message}`);
    const buf = fs.readFileSync(tmp);
    const info = inspectWav(buf);
    const [pcm] = decodeWav(buf, info);
    return resample(pcm, info.sampleRate, 16000);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Trims the synthesizer's leading and trailing near-silence so ground-truth times mark the speech itself. */
function trim(pcm: Int16Array): Int16Array {
  const thr = 300;
  let a = 0;
  let b = pcm.length - 1;
  while (a < b && Math.abs(pcm[a]) < thr) a++;
  while (b > a && Math.abs(pcm[b]) < thr) b--;
  return pcm.slice(Math.max(0, a - 160), Math.min(pcm.length, b + 160));
}

/**
 * Renders a script: agent on the left channel, customer on the right, as 16 kHz PCM and 8 kHz µ-law stereo WAV
 * (what a recorder writes), plus a JSON ground truth of who said what and when. Cached by content.
 */
export function renderCall(script: CallScript, outDir: string): RenderedCall {
  fs.mkdirSync(outDir, { recursive: true });
  const key = crypto
    .createHash('sha256')
    .update(JSON.stringify({ script, VOICES, SYNTH_VERSION }))
    .digest('hex')
    .slice(0, 12);
  const base = path.join(outDir, `${script.id}`);
  const truthPath = `${base}.truth.json`;
  if (fs.existsSync(truthPath)) {
    const cached = JSON.parse(fs.readFileSync(truthPath, 'utf8')) as RenderedCall & { key: string };
    if (cached.key === key && fs.existsSync(cached.wav16k) && fs.existsSync(cached.wav8kUlaw)) return cached;
  }
  const rate = 16000;
  // a turn given in parts is spoken part by part (a short pause between), so each part's time is known
  const PART_GAP = Math.round(rate * 0.12);
  const partTimes: Array<Array<{ startMs: number; endMs: number }> | undefined> = [];
  const clips = script.turns.map((t) => {
    if (!t.parts) {
      partTimes.push(undefined);
      return trim(speak(VOICES[t.speaker], t.text));
    }
    const pieces = t.parts.filter((p) => /\w/.test(p)).map((p) => trim(speak(VOICES[t.speaker], p)));
    const total = pieces.reduce((a, p) => a + p.length, 0) + PART_GAP * Math.max(0, pieces.length - 1);
    const out = new Int16Array(total);
    const times: Array<{ startMs: number; endMs: number }> = [];
    let at = 0;
    for (const p of pieces) {
      out.set(p, at);
      times.push({ startMs: Math.round((at * 1000) / rate), endMs: Math.round(((at + p.length) * 1000) / rate) });
      at += p.length + PART_GAP;
    }
    partTimes.push(times);
    return out;
  });
  const turns: GroundTruthTurn[] = [];
  let cursor = 500; // ms of room tone before the agent answers
  let prevEnd = cursor;
  script.turns.forEach((t, i) => {
    const start = i === 0 ? cursor : Math.max(0, prevEnd + (t.gapMs ?? 600));
    const dur = Math.round((clips[i].length * 1000) / rate);
    turns.push({
      speaker: t.speaker,
      channel: t.speaker === 'agent' ? 0 : 1,
      startMs: start,
      endMs: start + dur,
      text: t.text,
      ...(partTimes[i]
        ? { parts: partTimes[i]!.map((p) => ({ startMs: start + p.startMs, endMs: start + p.endMs })) }
        : {}),
    });
    prevEnd = Math.max(prevEnd, start + dur);
    cursor = start + dur;
  });
  const totalMs = prevEnd + 700;
  const total = Math.ceil((totalMs * rate) / 1000);
  const channels = [new Int16Array(total), new Int16Array(total)];
  // faint comfort noise, as on a real line (deterministic)
  let seed = 12345;
  for (const ch of channels)
    for (let i = 0; i < total; i++) ch[i] = (((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) % 41) - 20;
  turns.forEach((t, i) => {
    const ch = channels[t.channel];
    const off = Math.round((t.startMs * rate) / 1000);
    const clip = clips[i];
    for (let j = 0; j < clip.length && off + j < total; j++)
      ch[off + j] = Math.max(-32768, Math.min(32767, ch[off + j] + clip[j]));
  });
  const wav16k = `${base}.16k.wav`;
  const wav8kUlaw = `${base}.8k-ulaw.wav`;
  fs.writeFileSync(wav16k, encodeWav(channels, rate, 'pcm16'));
  const narrow = channels.map((c) => resample(c, rate, 8000));
  fs.writeFileSync(wav8kUlaw, encodeWav(narrow, 8000, 'mulaw', linearToUlaw));
  const rendered: RenderedCall = { id: script.id, wav16k, wav8kUlaw, truth: truthPath, durationMs: totalMs, turns };
  fs.writeFileSync(
    truthPath,
    JSON.stringify({ ...rendered, key, title: script.title, voices: VOICES, expect: script.expect }, null, 2),
  );
  return rendered;
}

/** The metadata a recorder would send beside the file. */
export function metadataFor(script: CallScript, variant: '16k' | '8k') {
  return {
    agentId: script.agentId,
    teamId: script.teamId,
    queue: script.queue,
    direction: 'inbound' as const,
    externalId: `synth-${script.id}-${variant}`,
    customerRef: `CUST-${String(100000 + CALL_INDEX(script) * 37).padStart(6, '0')}`,
    startedAt: new Date(Date.UTC(2026, 10, 2, 9, 0, 0) + CALL_INDEX(script) * 3600_000).toISOString(),
  };
}
const CALL_INDEX = (s: CallScript) => Math.abs([...s.id].reduce((a, c) => (a * 31 + c.charCodeAt(0)) | 0, 7)) % 24;
