import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  scoreVerdicts,
  VERDICTS_DIR,
  verdictContext,
  verdictSets,
  type VerdictContext,
} from '../../src/eval/eval-verdicts';
import { readCorpus, type CorpusConversation } from '../../src/lib/labelled-corpus';

const PII_DIR = path.resolve(__dirname, '..', '..', 'eval-data', 'pii');

/**
 * The labelled verdict sets whose disagreements have been read (the development set and the held-out sets after their
 * first run): a regression check, not acceptance — the held-out figure is each set's first run, in the stop notes.
 * Run as eval:verdicts runs them: masked, understood by the shipped models, inspected against the shipped packs.
 */
describe('labelled verdict sets already read (regression)', () => {
  let ctx: VerdictContext;
  beforeAll(async () => {
    ctx = await verdictContext();
  });
  afterAll(async () => {
    await ctx?.nlu.release();
  });

  // disagreements left standing, each read: "Fine. Done." blocks the card without a word the rule knows (a promise's
  // "no way you can lose money", read as negative until stop 34, is read as a risk told)
  const known: Record<string, string[]> = {
    'holdout-4.txt': ['y20: lost_card_blocked gives fail'],
    // "No. Fees are fees, you should have…": the analyst read blame, not a brush-off; negative_with reads the cold "No"
    'holdout-3.txt': ['x07: dismissive_language gives fail'],
    // "you can do it in the app under Payments, or I can set it up here": a menu's name read as account details
    'holdout-9.txt': ['n26: identity_before_account gives fail'],
    // The tone misses of held-out 22, 23 and 25 ("It's on the list.", "Well, something happened.", "Complaints are
    // answered in order of receipt…", "Deleted or did you delete them?" …) are read by conduct-en, which is trained on
    // those sets: agreement there is a training figure. Left: two-word replies the model does not read ("Me,
    // unfortunately.", "Yeah, well.") and a reply with a number word, read as a fact ("Well, I'm the fourth, so here's a
    // fourth answer.")
    'holdout-21.txt': ['u06: agent_negativity gives pass', 'u06: dismissive_language gives pass'],
    'holdout-25.txt': [
      'p05: agent_negativity gives pass',
      'p05: dismissive_language gives pass',
      'p28: agent_negativity gives pass',
      'p28: dismissive_language gives pass',
    ],
    // held-out 26 and 27 (not trained on), run first with the conduct model's first version: its brush-offs "Works
    // fine for me." and "Again? You lot must attract it." are missed by the version that reads replies with the turn
    // they answer and leaves facts alone (fewer false alarms on ordinary replies)
    'holdout-26.txt': ['q05: agent_negativity gives pass', 'q05: dismissive_language gives pass'],
    'holdout-27.txt': ['r23: dismissive_language gives pass'],
    // written last at stop 33, after every change, run once, its misses left: "Works for everyone else.", "Too good
    // to be true usually is." (brush-offs the conduct model reads under its threshold and no phrase names)
    'holdout-33.txt': [
      'x08: agent_negativity gives pass',
      'x08: dismissive_language gives pass',
      'x27: agent_negativity gives pass',
      'x27: dismissive_language gives pass',
    ],
    // written last at stop 34, after every change, run once, its misses left: "Kids break things, what can you do."
    // (its promises and views in words no list had are read by promise-en and politics-en, trained on it since)
    'holdout-41.txt': ['f20: dismissive_language gives pass'],
    // held-out 42 to 46 were each run once with the reply readers as trained on the sets before them, then trained on
    // (see the README); the sentiment model still reads two plain answers to a view question as strongly felt
    // (`opinion.min_strength`): "No idea, I'm afraid, it's down to the voters.", "Policing is run by the police and
    // crime commissioner rather than the mayor, …"
    'holdout-46.txt': ['a04: political_neutrality gives fail'],
    'dev-5.txt': ['k09: political_neutrality gives fail'],
    // held-out 47 was run once, then its false alarm on a warning fixed (the promises rule's `unless` reads "could be
    // worth less", "afford to lose", "high risk") and the readers trained on it; 48 was run once, then the readers
    // trained on it and dev-6 (its warning read as a promise by a phrase, "No investment is a safe bet as such", agrees
    // since stop 36: a sure thing denied is not one). Held-out 49, written last, agreed on every label first time.
    // Held-out 52 (stop 36): an officer who answers with the service's name alone ("Pest Control. Put it in
    // writing.") was left at stop 36 (a turn that opens with a service's name is as often a fact about it, "Parking
    // fines are…"); it is read since stop 44, the name as a sentence of its own (held-out 117's "Environmental Health.")
    // held-out 57, written last at stop 36 and run once, is left as it is: "an engineer will be with you by 6pm today"
    // (a time of day as the deadline), and two identity labels not evaluated ("The joint account has £2,318.60.")
    'holdout-57.txt': ['r13: response_time gives fail'],
    // held-out 58 (stop 37): a refusal ending "Bye." that neither the reply reader nor the tone signal reads as a
    // brush-off ("We don't refund it just because you were a little over"); its officer answering "Housing. …" agrees
    // since stop 38 (a bare service name, then a new clause)
    'holdout-58.txt': ['s05: dismissive_language gives pass'],
    // held-out 59 (stop 37): "Updated. Final check before I let you go: your address is now …" (the update and its recap
    // in one turn, the customer's words read back: no lead-in the rule lists and two of the agent's own words repeated)
    'holdout-59.txt': ['t06: closing_summary gives fail'],
    // held-out 60 (stop 37): "It isn't free on this account, sorry, but our travel card would be." read as the agent's
    // negativity (its "To confirm, your overdraft limit is now £1,200 and …" agrees since the recap is read in each
    // sentence, packs v9)
    'holdout-60.txt': ['v20: agent_negativity gives fail'],
    // held-out 74 (stop 39, English, written last): "Everyone's got problems. The payment is still due on the 1st" (a
    // snub beside a fact: the conduct model does not read a reply that tells one)
    'holdout-74.txt': ['z11: agent_negativity gives pass', 'z11: dismissive_language gives pass'],
    // held-out 81 (stop 40, English): "It's your call. You can freeze it yourself in the app" passes the lost-card rule as
    // the pack defines it (blocked, or the customer told how; the analyst wanted it done when asked); "I can book you a
    // free appointment with one of our advisers … Would that help?" is read as an offer since held-out 119
    'holdout-81.txt': ['b02: lost_card_blocked gives pass'],
    // held-out 96 (stop 41, kind uses of the fatal rules' words): "you can't go wrong there" (of a premium account's
    // travel insurance, beside "it may not be worth £15 a month") is read as a promise; the pack holds "can't go wrong"
    // as one whatever follows
    'holdout-96.txt': ['e09: forbidden_promises gives fail'],
    // held-out 99: "Not my circus, not my monkeys" after blaming the customer is read as dismissive, not as abusive
    'holdout-99.txt': ['h11: abusive_language gives pass'],
    // held-out 82 (stop 40, Mandarin): "社区。… 您自己的社区啊，这还要问？带身份证。行了吧？" is read as abusive, not as refusing:
    // the agent answers, curtly
    'holdout-82.txt': ['m12: shirking gives pass'],
    // held-out 102 to 105 (stop 42, Mandarin, written before refusal-zh; 105 after it): the abusive-language misses left
    // are rudeness in words and shapes no list holds ("没房子还想上好学校？", "你亲眼看见有什么用", "物业没钱那是你们业主的事",
    // "臭就把窗户关上呗"; the mockery of "您也太天真了", "您糊弄谁呢", "这都不知道？" is read as forms since); refusal-zh reads
    // a short answer to an information request as a refusal ("不要钱，号牌工本费免了。"; a reply that only asks, "想提出来做什么用？",
    // is not read since held-out 107); "当初入职怎么不
    // 问清楚" is the taboo lists' blame shape ("怎么不问"), labelled as refusing only; "我一种一种给您念啊？" said in sarcasm
    // reads as the agent reading the caller the options, which clears a refusal anywhere in the conversation
    'holdout-102.txt': [
      'p03: shirking gives pass',
      'p05: abusive_language gives pass',
      'p15: abusive_language gives pass',
    ],
    'holdout-104.txt': ['r05: shirking gives fail', 'r10: abusive_language gives pass'],
    'holdout-105.txt': ['s14: abusive_language gives fail'],
    // held-out 107 (stop 42, Mandarin, written after every change above and run once): blame and a taunt in words no
    // list holds ("买顶楼就得有这个心理准备，当初图便宜嘛", "不想打就别打呗，又没人逼你"); its one refusal false alarm, a reply that
    // only asks ("老人家多大年纪了？"), is not read by refusal-zh since
    'holdout-107.txt': ['u02: abusive_language gives pass', 'u10: abusive_language gives pass'],
    // held-out 106 (stop 42, English, the common rules): the last turn tells what was done ("I've removed the block …
    // I've also added a travel note until the 20th") and the analyst took it as the summary; the rule wants a recap
    'holdout-106.txt': ['t03: closing_summary gives fail'],
    // held-out 109 (stop 42, English, six rude and six polite, run once after 108's forms: abusive 1 of 6 found, read
    // as forms since): "Again? You really are hopeless, aren't you. … Write it on your hand next time, brainbox." is
    // abusive, and neither the dismissive phrases nor the tone signal read it as a brush-off
    'holdout-109.txt': ['w04: dismissive_language gives pass', 'w04: agent_negativity gives pass'],
    // held-out 110 (English, six rude and six polite, run once: abusive 3 of 6 found, read as forms since): "You are a
    // pain, actually. … memory of a goldfish … dimwit" insults without a brush-off phrase; the bereavement e-mail that
    // ends "There's no need to do anything until then" offers no further help in words the rule holds
    'holdout-110.txt': ['x06: dismissive_language gives pass', 'x11: further_help gives fail'],
    // held-out 111 (Mandarin, seven rude or refusing agents and seven polite, run once, nothing changed for it): "这种事网上
    // 一搜就有，还用得着打电话问？" sends the caller to search instead of answering; labelled abusive only, read as refusing too
    'holdout-111.txt': ['y04: shirking gives fail'],
    // held-out 112 (English, six rude and six polite, run once after 110's forms: abusive 1 of 6 found, read as forms
    // since): "Pfft. Course you did. Ask your landlord for it back, sweetie" is an insult, not a brush-off phrase the
    // packs hold (polite agents send customers to a merchant too); "Cry harder." is not read as negative by the tone signal
    'holdout-112.txt': ['z02: dismissive_language gives pass', 'z10: agent_negativity gives pass'],
    // held-out 113 (English, six rude and six polite, run once after 112's forms: abusive 1 of 6 found, read as forms
    // since): "Of course you didn't. Scroungers never read the small print. Check your journal." insults without a
    // brush-off phrase
    'holdout-113.txt': ['q04: dismissive_language gives pass'],
    // held-out 114 (stop 44, English, six rude and six polite, run once after the Culpeper block: abusive 0 of 6 found;
    // objected_to and forms since): two rude agents who still helped ("Reset link's sent. Try to make this one last.",
    // "Send proof of the date you left and we'll look at it.") are read as dismissive too; the analyst said not. "Open a
    // window, it's not complicated." is not read as abusive: the same words end a curt brush-off that earlier sets label
    // dismissive ("It's not complicated. Just fill it in.")
    'holdout-114.txt': [
      'k02: dismissive_language gives fail',
      'k06: dismissive_language gives fail',
      'k12: abusive_language gives pass',
    ],
    // held-out 115 (English, run once after 114's changes: abusive 2 of 6 found, forms since): "I'm amazed you've got
    // this far in life without knowing … Clearly." is not read as negative by the tone signal; "Anything else or are we
    // done." is labelled as no offer of help here, where held-out 112's z10 ("Anything else or are we done here?") is
    // labelled as one: the rule reads both as an offer, and both labels stand as written
    'holdout-115.txt': ['n04: further_help gives pass', 'n10: agent_negativity gives pass'],
    // held-out 116 (English, run once after 115's forms: abusive 3 of 6 found, forms since): two more rude agents who
    // still helped ("Fast track, online, £178. If you can manage to book it …", "Logged. Try not to overfill it …") are
    // read as dismissive too; the analyst said not
    'holdout-116.txt': ['j06: dismissive_language gives fail', 'j10: dismissive_language gives fail'],
    // held-out 117 (English, the common rules, run once: 90.9 %): an agent who tells the caller a scammer can have the
    // code ("If they say they're the bank you might as well give it to them … Pretty sure. Anything else?") is labelled
    // neither negative nor dismissive, and is read as both
    'holdout-117.txt': ['g04: agent_negativity gives fail', 'g04: dismissive_language gives fail'],
    // held-out 118 (English, six rude and six polite, run once after every change above: abusive 1 of 6 found, through
    // objected_to; forms since): sarcasm the tone signal does not read as negative ("Did you type your PIN in wrong? They
    // don't just eat cards for fun, you know.", "get one of your grandchildren to drag you into this century"), a long
    // redirect with no dismissive phrase, and "No fee this time." read as a bald refusal
    'holdout-118.txt': [
      'h02: agent_negativity gives pass',
      'h04: dismissive_language gives pass',
      'h04: agent_negativity gives pass',
      'h10: dismissive_language gives fail',
    ],
    // held-out 119 (English, sixteen rude and sixteen polite, run once: abusive 6 of 16 found; forms since): "We are a
    // bank, not your personal accountant. Take it up with the hotel like an adult …" is read as abusive since, but the
    // tone signal does not read it as negative
    'holdout-119.txt': ['q04: agent_negativity gives pass'],
    // held-out 120 (English, eight rude and eight polite, written after packs v6 and run once, at the end of stop 45);
    // its sarcasm, talking down and comparisons read as kinds since packs v7 ("If you say so.", "Maybe keep an eye on your
    // stuff", "Most people manage to"); left: r06's sarcasm ("Another cafe, just what the high street needs", "I'm sure
    // you have.") in turns the tone signal reads as neutral, a weight put on the customer's spending ("the problem isn't
    // your rent, it's the takeaways"), and the reply misses of the other rules
    'holdout-120.txt': [
      'r04: dismissive_language gives pass',
      'r05: dismissive_language gives fail',
      'r06: abusive_language gives pass',
      'r06: dismissive_language gives pass',
      'r14: abusive_language gives pass',
    ],
    // held-out 121 (English, eight rude and eight polite, written before packs v7 and run once: abusive 0 of 8 found);
    // left: rudeness in a turn the tone signal reads as neutral ("Petrol costs a bit more than that, last time we checked",
    // "my nan manages it and she's 90"), "because someone can't set an alarm clock"; its e-mail offers of more help are
    // read since packs v8, and "that's not something you should have to live with" as on the caller's side (tone-14)
    'holdout-121.txt': [
      's04: abusive_language gives pass',
      's06: abusive_language gives pass',
      's06: dismissive_language gives pass',
      's12: abusive_language gives pass',
      's12: dismissive_language gives pass',
      's12: agent_negativity gives pass',
    ],
    // held-out 122 (English, eight rude and eight polite, written after packs v7 and run once: abusive 1 of 8 found, the
    // kinds v7 reads did not carry to it); its rudeness is left as it is: "It's an international transfer, not a text
    // message … Have you considered being patient?", "Maybe plan ahead next time", "If you can send a text you can manage
    // an app", "We get a lot of people trying it on … then you'll have no trouble finding the certificate", "only so much we
    // can do to protect people from themselves", "Amazing how people always move out just as the bill arrives", "Students
    // seem to think an overdraft is free money … Mm. Sure."
    'holdout-122.txt': [
      't02: abusive_language gives pass',
      't04: abusive_language gives pass',
      't04: dismissive_language gives pass',
      't06: abusive_language gives pass',
      't06: dismissive_language gives pass',
      't10: abusive_language gives pass',
      't12: abusive_language gives pass',
      't14: abusive_language gives pass',
      't16: abusive_language gives pass',
    ],
    // held-out 126: "I'm afraid it's app or branch only." (a refusal with nothing offered) is read cold by conduct-en,
    // trained on analysts who marked such refusals dismissive; this analyst did not call it negative
    'holdout-126.txt': ['x15: agent_negativity gives fail'],
    // held-out 127: conduct-en reads "Oh no. Have you checked with the place you were last at?" (a lost card not yet
    // stopped) and "your complaint is still being reviewed." (a late complaint, nothing more) as cold; this analyst did
    // not call the agent negative
    'holdout-127.txt': ['y02: agent_negativity gives fail', 'y05: agent_negativity gives fail'],
  };
  // every set in the folder: a set added later is read here too, its disagreements named above
  it.each(verdictSets())(
    '%s: every evaluated rule agrees with the analyst but the known cases; every conversation inspected',
    async (file) => {
      const s = await scoreVerdicts(path.join(VERDICTS_DIR, file), ctx);
      const gives = s.notes.filter((n) => / gives /.test(n)).map((n) => n.replace(/, the analyst.*$/, ''));
      expect(gives).toEqual(known[file] ?? []);
      expect(s.disagreements).toBe(gives.length);
      expect(s.noPolicy).toBe(0);
      const labels = [...s.per.values()].reduce((n, r) => n + r.labels, 0);
      const unevaluated = [...s.per.values()].reduce((n, r) => n + r.notEvaluated, 0);
      expect(labels).toBeGreaterThan(20);
      // a rule that applies nowhere would pass this test by never being evaluated: at most 10 % may be not applicable
      expect(unevaluated / labels).toBeLessThanOrEqual(0.1);
    },
  );

  /**
   * The conversations of `from`'s sets that `pick` takes (by default the PII sets, written for another purpose: staff
   * asking for and reading back details, warning about fraud, politely), as one labelled set with a header and "rule
   * pass" labels: the number of conversations and their score.
   */
  async function politeSet(
    pick: (c: CorpusConversation) => boolean,
    header: string | ((c: CorpusConversation) => string),
    rules: string[],
    from = PII_DIR,
  ) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polite-'));
    const blocks: string[] = [];
    for (const f of fs.readdirSync(from).filter((x) => x.endsWith('.txt')))
      for (const c of readCorpus(path.join(from, f)).filter(pick))
        blocks.push(
          [
            `=== ${c.id}-${blocks.length} ${typeof header === 'string' ? header : header(c)}`,
            ...c.turns.map((t) => `${t.speaker === 'agent' ? 'A' : 'C'}: ${t.text.replace(/\n/g, ' ')}`),
            ...rules.map((r) => `! ${r} pass`),
          ].join('\n'),
        );
    const file = path.join(dir, 'polite.txt');
    fs.writeFileSync(file, blocks.join('\n\n') + '\n');
    const score = await scoreVerdicts(file, ctx);
    fs.rmSync(dir, { recursive: true });
    return { n: blocks.length, score };
  }
  const han = /[\u4e00-\u9fa5]/;

  // precision of the Mandarin conduct rules: every PII set's conversation with a Chinese agent turn, inspected under the
  // Mandarin government pack, must pass both rules
  it('the polite Mandarin agents of the PII sets are neither abusive nor refusing', async () => {
    const { n, score } = await politeSet(
      (c) => c.turns.some((t) => t.speaker === 'agent' && han.test(t.text)),
      'chat queue=gov-complaints lang=zh',
      ['shirking', 'abusive_language'],
    );
    expect(n).toBeGreaterThan(40);
    expect(score.notes.filter((x) => / gives /.test(x))).toEqual([]);
    expect(score.per.get('shirking')?.labels).toBe(n);
  });

  // precision of the English fatal abusive-language rule: every PII set's English conversation, inspected as a chat
  it('the English agents of the PII sets are not abusive', async () => {
    const { n, score } = await politeSet(
      (c) => c.turns.some((t) => t.speaker === 'agent') && !c.turns.some((t) => han.test(t.text)),
      'chat',
      ['abusive_language'],
    );
    expect(n).toBeGreaterThan(400);
    expect(score.notes.filter((x) => / gives /.test(x))).toEqual([]);
    expect(score.per.get('abusive_language')?.labels).toBe(n);
  });

  // the same over the verdict sets: an English conversation the analyst passed on every rule labelled (curt, warm,
  // firm refusals, bad news told plainly), inspected in its own channel and queue, is not read as abusive — a form
  // added for one set's rude agent must not read another set's ordinary one
  it('no English conversation of the verdict sets that passed every labelled rule is read as abusive', async () => {
    const { n, score } = await politeSet(
      (c) => c.language === 'en' && c.labels.length > 0 && c.labels.every((l) => l.expected === 'pass'),
      (c) => `${c.channel}${c.queue ? ` queue=${c.queue}` : ''}`,
      ['abusive_language'],
      VERDICTS_DIR,
    );
    expect(n).toBeGreaterThan(1000);
    expect(score.notes.filter((x) => / gives /.test(x))).toEqual([]);
    // every one evaluated (each English pack holds the rule)
    expect(score.per.get('abusive_language')).toMatchObject({ labels: n, agree: n });
  });
});

describe('a labelled set', () => {
  it('refuses a channel the ingest API would refuse, naming the line ("e-mail" for "email")', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-'));
    const file = path.join(dir, 'set.txt');
    fs.writeFileSync(file, '=== a1 chat\nC: hello\n\n=== a2 e-mail\nC: hello\n');
    expect(() => readCorpus(file)).toThrow(/set\.txt:4: channel e-mail is not one of chat, email, sms/);
    fs.writeFileSync(file, '=== a1 email queue=gov-info\nC: hello\n! further_help fail\n');
    expect(readCorpus(file)).toMatchObject([{ channel: 'email', queue: 'gov-info', labels: [{ expected: 'fail' }] }]);
    // the language the ingest API is told: en unless the header says lang=zh; another is a mistake in the set
    fs.writeFileSync(file, '=== a1 chat queue=gov-info lang=zh\nC: 你好\n\n=== a2 chat\nC: hello\n');
    expect(readCorpus(file).map((c) => c.language)).toEqual(['zh', 'en']);
    fs.writeFileSync(file, '=== a1 chat lang=fr\nC: bonjour\n');
    expect(() => readCorpus(file)).toThrow(/set\.txt:1: lang fr is not en or zh/);
    fs.rmSync(dir, { recursive: true });
  });
});
