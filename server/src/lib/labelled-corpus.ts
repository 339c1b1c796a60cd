import fs from 'node:fs';

/**
 * One labelled conversation of `server/eval-data/pii/*.txt` and `server/eval-data/verdicts/*.txt` (the format in their
 * READMEs): read by the evaluations, and by the conduct model's training (the verdict sets it is trained on).
 */
export interface CorpusConversation {
  id: string;
  channel: string;
  spoken: boolean;
  queue: string | null;
  /** the conversation's language as the ingest API is told it ("lang=zh" in the header; en when not given) */
  language: 'en' | 'zh';
  /** what a QA analyst gives for rules of the pack that applies (eval:verdicts) */
  labels: Array<{ ruleId: string; expected: 'pass' | 'fail' }>;
  turns: Array<{
    speaker: 'agent' | 'customer';
    text: string;
    /** personal data: type and character span in text; type "~" is a look-alike that must stay readable */
    spans: Array<{ type: string; start: number; end: number }>;
  }>;
}

/** the channels a set may name: the text ingest's (`ingest/schema.ts`), a call, or "spoken" (a call as a recogniser writes it) */
const CHANNELS = new Set(['chat', 'email', 'sms', 'call', 'voice', 'spoken']);

export function readCorpus(file: string): CorpusConversation[] {
  const out: CorpusConversation[] = [];
  let cur: CorpusConversation | undefined;
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, n) => {
      const head = /^=== (\S+) (\S+)( spoken)?(?: queue=(\S+))?(?: lang=(\S+))?\s*$/.exec(line);
      if (head) {
        // "=== h20 spoken": a call as a recogniser writes it
        const spoken = !!head[3] || head[2] === 'spoken';
        // a channel the ingest API would refuse ("e-mail") is a mistake in the set, not a conversation no pack applies to
        if (!CHANNELS.has(head[2]))
          throw new Error(`${file}:${n + 1}: channel ${head[2]} is not one of ${[...CHANNELS].join(', ')}`);
        if (head[5] && head[5] !== 'en' && head[5] !== 'zh')
          throw new Error(`${file}:${n + 1}: lang ${head[5]} is not en or zh`);
        cur = {
          id: head[1],
          channel: head[2] === 'spoken' ? 'voice' : head[2],
          spoken,
          queue: head[4] ?? null,
          language: head[5] === 'zh' ? 'zh' : 'en',
          labels: [],
          turns: [],
        };
        out.push(cur);
        return;
      }
      const label = /^! (\w+) (pass|fail)\s*$/.exec(line);
      if (label && cur) {
        cur.labels.push({ ruleId: label[1], expected: label[2] as 'pass' | 'fail' });
        return;
      }
      const turn = /^([AC]): (.*)$/.exec(line);
      if (!turn) {
        if (line.trim()) throw new Error(`${file}:${n + 1}: not a turn`);
        return;
      }
      if (!cur) throw new Error(`${file}:${n + 1}: turn before a conversation header`);
      let text = '';
      const spans: CorpusConversation['turns'][number]['spans'] = [];
      const re = /\{([a-z_~]+)\|([^}]*)\}/g;
      let pos = 0;
      for (let m = re.exec(turn[2]); m; m = re.exec(turn[2])) {
        text += turn[2].slice(pos, m.index);
        spans.push({ type: m[1], start: text.length, end: text.length + m[2].length });
        text += m[2];
        pos = m.index + m[0].length;
      }
      text += turn[2].slice(pos);
      cur.turns.push({ speaker: turn[1] === 'A' ? 'agent' : 'customer', text, spans });
    });
  return out;
}
