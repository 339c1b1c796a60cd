import path from 'node:path';
import { loadConfig } from '../config';
import { renderCall } from './render';
import { CALL_SCRIPTS } from './scripts';

const out = process.argv[2] ?? path.join(loadConfig().HOTLINE_VAR_DIR, 'synth');
for (const s of CALL_SCRIPTS) {
  const r = renderCall(s, out);
  console.log(`${s.id}\t${(r.durationMs / 1000).toFixed(1)} s\t${r.wav16k}\t${r.wav8kUlaw}`);
}
