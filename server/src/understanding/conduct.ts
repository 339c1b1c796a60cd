/**
 * What the agent-conduct model reads: the agent's **reply** — consecutive agent turns (a chat's messages, a call's
 * segments) joined — together with the words of the customer's turn it answers, each marked `zq…` so they are
 * features of their own ("Send us the death certificate." after "my husband passed away" is not the same reply as
 * after "how do I register a death?"). Shared by training and inference so both see the same text.
 */
export interface Reply {
  /** indices of the agent's utterances the reply joins */
  at: number[];
  /** the reply as said */
  text: string;
  /** the customer's turn before it ('' when the agent speaks first) */
  prev: string;
}

/** a reply shorter than this (words) is not read: "okay", "right", "good afternoon" are not conduct */
export const CONDUCT_MIN_WORDS = 3;

export function replies(us: ReadonlyArray<{ speaker: string; text: string }>): Reply[] {
  const out: Reply[] = [];
  us.forEach((u, i) => {
    if (u.speaker !== 'agent') return;
    const last = out[out.length - 1];
    if (last && last.at[last.at.length - 1] === i - 1) {
      last.at.push(i);
      last.text = `${last.text} ${u.text}`;
      return;
    }
    out.push({ at: [i], text: u.text, prev: i > 0 && us[i - 1].speaker === 'customer' ? us[i - 1].text : '' });
  });
  return out;
}

/**
 * The opening formula of a Mandarin reply — a greeting, the line's name, the staff number, "为您服务" — which every agent
 * says and which tells nothing of how the agent then speaks: taken off before a Mandarin reply is read, so a greeting
 * said on its own ("您好，工号3388。") is not read at all, and one said with or without "为您服务" reads the same.
 */
const ZH_OPENING =
  /^\s*(喂[，,！!。？?\s]*)?((您|你)好[，,！!。\s]*)?([\p{Script=Han}0-9]{0,8}热线[，,！!。\s]*)?((工号|坐席|话务员|接线员)\s*[0-9]+\s*号?|[0-9]+\s*号(话务员|接线员|坐席)?)?[，,\s]*(很高兴|竭诚)?(为您服务)?[，,！!。\s]*/u;

const HAN = /\p{Script=Han}/u;

/** a text with Chinese characters in it: a Mandarin reply (the sets and the PII corpora name no language per turn) */
export const hasHan = (text: string): boolean => HAN.test(text);

/** a reply as the Mandarin models read it: its opening formula taken off */
export function zhContent(text: string): string {
  return text.replace(ZH_OPENING, '');
}

/** the model's input for a reply: its words, then the customer's words marked (a Mandarin reply: its content) */
export function conductInput(r: Pick<Reply, 'text' | 'prev'>): string {
  if (hasHan(r.text)) return zhContent(r.text);
  const theirs = r.prev
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean)
    .map((w) => `zq${w}`);
  return [r.text, ...theirs].join(' ');
}

/**
 * A reply that tells a fact (a number, a date, a day, an amount, a time: "the payment went out on the third") or
 * confirms ("yes, that's right") answers the customer, whatever its length: the model — which learned that short
 * replies to complaints are often brush-offs — does not read it. A brush-off in those words is left to the phrases.
 */
const FACT =
  /\d|\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|[a-z]+teenth|twentieth|thirtieth|january|february|march|april|may|june|july|august|september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|pounds?|pence|euros?|dollars?|yuan|percent|per cent|hundred|thousand|am|pm|o'?clock)\b/i;
const CONFIRM =
  /^\W*(yes|yeah|yep|yup|correct|exactly|that'?s (right|correct)|that is (right|correct)|absolutely|of course|sure)\b/i;

/** words of a reply: what is between spaces and holds a letter or a digit */
const wordCount = (text: string) => text.split(/\s+/).filter((w) => /[a-z0-9]/i.test(w)).length;

/** the model reads a reply of at least CONDUCT_MIN_WORDS words that tells no fact and is no confirmation */
export function readable(r: Pick<Reply, 'text'>): boolean {
  return wordCount(r.text) >= CONDUCT_MIN_WORDS && !FACT.test(r.text) && !CONFIRM.test(r.text);
}

/** the promise and politics models read every reply of two words or more: a promise is often a number ("6% every year") */
export function readableAny(r: Pick<Reply, 'text'>): boolean {
  return wordCount(r.text) >= 2;
}

/** a Mandarin reply shorter than this (Chinese characters) is not read: "好的", "您好" are not conduct */
export const ZH_MIN_CHARS = 4;

/**
 * the Mandarin reply models read a reply of at least ZH_MIN_CHARS Chinese characters after its opening formula that
 * does not only ask (and no other reply)
 */
export function readableZh(r: Pick<Reply, 'text'>): boolean {
  const content = zhContent(r.text);
  return (content.match(/\p{Script=Han}/gu)?.length ?? 0) >= ZH_MIN_CHARS && !onlyAsks(content);
}

/**
 * A reply that only asks ("老人家多大年纪了？", "哪个工地？"): asking the caller for what the case needs is not refusing it,
 * and a rhetorical question that refuses ("你问我，我问谁？") is left to the phrases
 */
function onlyAsks(content: string): boolean {
  const sentences = content.split(/(?<=[。！？!?；;])/).filter(hasHan);
  return sentences.length > 0 && sentences.every((x) => /[？?]\s*$/.test(x));
}
