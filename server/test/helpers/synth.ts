import path from 'node:path';
import { fliteAvailable, renderCall, RenderedCall } from '../../src/synth/render';
import { CALL_SCRIPTS, CallScript } from '../../src/synth/scripts';
import { SERVER_DIR } from './stack';

/** Renders the synthetic calls once per machine (cached by content under var/test-synth). */
export function synthCalls(): Map<string, { script: CallScript; call: RenderedCall }> {
  if (!fliteAvailable()) throw new Error('flite is not installed: run scripts/setup.sh (apt-get install flite)');
  const dir = path.join(SERVER_DIR, '..', 'var', 'test-synth');
  return new Map(CALL_SCRIPTS.map((s) => [s.id, { script: s, call: renderCall(s, dir) }]));
}
