import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPii } from '../../src/protection/pii/detect';
import { loadMaskingPolicy } from '../../src/protection/pii/mask';
import { digitRuns, tokenize } from '../../src/protection/pii/numbers';
import { protectTranscript } from '../../src/protection/protect-transcript';

/**
 * Protection of recognised speech (calls): what a recogniser writes for digits and questions, and how an answer is
 * protected whole when the question or the value was misheard (fail closed). Written and typed forms are in
 * pii.test.ts.
 */
const policy = loadMaskingPolicy(path.resolve(__dirname, '..', '..', '..', 'policies', 'masking.yaml'));

describe('number words as recognisers write them', () => {
  it.each([
    [
      'four five three two six thousand eight hundred eleven two nine three four five six seven eight',
      '4532681129345678',
    ],
    ['nineteen eighty four', '1984'],
    ['oh nine twenty six', '0926'],
    ['two thousand and five', '2005'],
    ['for to four eight', '4248'],
    ['eight double two five seven oh', '822570'],
  ])('%s', (t, digits) => {
    expect(digitRuns(tokenize(t), t).map((r) => r.digits)).toEqual([digits]);
  });
  it('"one" after an ordinal or a determiner is a pronoun ("the second one is six"), not a digit (held-out AJ)', () => {
    const t = 'the second one is six and the fifth is zero, that one too';
    expect(digitRuns(tokenize(t), t).map((r) => r.digits)).toEqual(['6', '0']);
    const card = 'four one one one one one';
    expect(digitRuns(tokenize(card), card).map((r) => r.digits)).toEqual(['411111']);
  });
  it('"for" and "to" in a sentence are words', () => {
    const t = 'i paid for the coffee and went to the shop';
    expect(digitRuns(tokenize(t), t)).toEqual([]);
  });
});

describe('recognised speech fails closed', () => {
  // utterances with word timings, as the recogniser gives them (one word every 300 ms)
  const said = (speaker: string, at: number, text: string, phrases: string[] = []) => ({
    speaker,
    startMs: at,
    endMs: at + text.split(' ').length * 300,
    text,
    words: text.split(' ').map((w, k) => ({ w, s: at + k * 300, e: at + k * 300 + 250, c: 0.9 })),
    keyphrases: phrases.map((p) => ({ p, s: at, e: at + 500, c: 1 })),
    confidence: 0.9,
  });

  // the customer's answer to the agent's question
  const answerTo = (question: string, answer: string) =>
    protectTranscript([said('agent', 0, question), said('customer', 4000, answer)], policy).utterances[1];

  it('positions of a passcode asked for await no one-time code once answered: a later amount stays (held-out AH)', () => {
    // a call's turns, each [speaker, start (ms), what the recogniser wrote], protected as a whole
    const heard = (...turns: Array<[string, number, string]>) =>
      protectTranscript(
        turns.map(([speaker, at, text]) => said(speaker, at, text)),
        policy,
      ).utterances;
    const us = heard(
      ['agent', 0, 'for security can you tell me the first and third digits of your code'],
      ['customer', 5000, "first ones to end the third one's eight"],
      ['agent', 9000, "you you're through"],
      ['customer', 10500, 'i wanted to check a payment of two hundred and twelve found zonic forth'],
    );
    expect(us[1].original.text).toBe('[REDACTED]');
    expect(us[3].masked.text).toBe('i wanted to check a payment of two hundred and twelve found zonic forth');
    // a one-time code asked for is still awaited after the agent's turn until digits of a code come
    const code = heard(
      ['agent', 0, "i've sent a code to your phone can you read it to me"],
      ['customer', 4000, 'hang on'],
      ['agent', 6000, 'no problem take your time'],
      ['customer', 9000, 'three three eight one oh seven'],
    );
    expect(code[3].original.text).toBe('[REDACTED]');
  });

  it('questions a call garbled still ask, and an address said with a number in words is one (held-out AJ)', () => {
    // "the second and fifth characters of your memorable number" heard with its joining words lost
    const pin = answerTo(
      'so that i can verify you what are the second insist fifteers of your memorable number',
      'the second one is six and the fifth is zero',
    );
    expect(pin.original.text).toBe('the second one is [REDACTED] and the fifth is [REDACTED]');
    // "one time passcode" heard as "one time pasco": the answer, its "oh six oh" misheard, is removed whole
    const otp = answerTo("i've just sent to you one time pasco can you read it back to me", 'so ex or nine one four');
    expect(otp.original.text).toBe('[REDACTED]');
    // a one-time payment is no code
    const amount = 'yes it was nine hundred and fourteen pounds';
    expect(answerTo('is this a one time payment', amount).original.text).toBe(amount);
    // an address heard in pieces after an e-mail question heard as "and then he may address please" or "and in a male
    // dress" (held-out F and G as this machine heard them at stop 47): "dart con", "u k" said letter by letter
    expect(answerTo('and then he may address please', 'gener to walsky at me or dart con').masked.text).toBe('[email]');
    expect(answerTo('and in a male dress', 'he does charmy had not male dot u k').masked.text).toBe('[email]');
    // found as an address, its number said in words read as digits
    expect(detectPii('it is m dot patel eighty two at gmail dot com')).toEqual([
      { type: 'email', start: 6, end: 45, value: 'm.patel82@gmail.com' },
    ]);
  });

  it('a long answer that is mostly digits, some misheard as words, is protected whole as the card number asked for', () => {
    // the customer's answer to the agent's question for the card number
    const answerToCard = (text: string) =>
      protectTranscript(
        [said('agent', 0, 'and the long number on the front of the card'), said('customer', 4000, text)],
        policy,
      ).utterances[1];
    const answer = 'five oath four three oh nine oh made four nine four two six two';
    const u = answerToCard(answer);
    expect(u.pii).toEqual([expect.objectContaining({ type: 'card_number', start: 0, end: answer.length })]);
    expect(u.masked.words.every((w) => w.w === '[card_number]' || /\*|\[/.test(w.w))).toBe(true);
    // a card number heard whole keeps its precise finding: the masked view shows the first six and last four
    expect(answerToCard('four one one one one one one one one one one one one one one one').masked.text).toBe(
      '411111******1111',
    );
    // the same words with no question heard: not called a card number, but a caller's utterance of digits read out
    // with unexplained words among them is removed whole as a digit string (the question may have been misheard)
    const alone = protectTranscript([said('customer', 4000, answer)], policy).utterances[0];
    expect(alone.pii).toEqual([expect.objectContaining({ type: 'digit_string', start: 0, end: answer.length })]);
    expect(alone.original.text).toBe('[REDACTED]');
    // "seven and two" after a question misheard as "the first and third edges of yorkin": removed
    expect(answerTo('can you tell me the first and third edges of yorkin', 'seven and two').masked.text).toBe(
      '[REDACTED]',
    );
    // the second position and what it is of both lost ("… the first and third digits of your PIN" heard as "… the
    // first and surges of yorkin", held-out AE): "for and zero" (four, zero) is removed
    expect(answerTo('for security what are the first and surges of yorkin', 'for and zero').masked.text).toBe(
      '[REDACTED]',
    );
    // positions asked for with what they are of misheard ("the first and last digit the york"): a PIN asked for in
    // part, so "first is to last us six" (two, six) is removed, not kept as ordinary words
    const partial = answerTo('for security the first and last digit the york and please', 'first is to last us six');
    expect(partial.masked.text).toBe('[REDACTED]');
    expect(partial.pii.map((p) => p.type)).toContain('pin');
    // numbers said in pairs and nothing else, five digits and more: a sort code after a misheard question
    const alone2 = (text: string) => protectTranscript([said('customer', 0, text)], policy).utterances[0].masked.text;
    expect(alone2('twenty forty one o two')).toBe('[REDACTED]');
    // the start of a long number heard as words that sound like digits goes with it; ordinary words do not
    const garbled = 'for oath force of aid four or five one two three four nine eight';
    expect(alone2(garbled)).not.toMatch(/for|oath|force|aid|five/);
    expect(alone2('i paid my rent last week from the other account four five one two three four nine eight')).toBe(
      'i paid my rent last week from the other account ****3498',
    );
    // years, times and amounts are not
    for (const t of ['two thousand and twenty four', 'nineteen eighty four', 'ten forty five', 'twenty twenty five'])
      expect(alone2(t)).toBe(t);
    // an amount said as a compound stays readable, and so does an agent's utterance
    const amount = 'two hundred and fifty';
    expect(protectTranscript([said('customer', 0, amount)], policy).utterances[0].masked.text).toBe(amount);
    expect(protectTranscript([said('agent', 0, 'seven and two')], policy).utterances[0].masked.text).toBe(
      'seven and two',
    );
    // a long answer with words in it keeps its words
    const words = 'sorry i do not have the card with me right now it is at home';
    expect(answerToCard(words).masked.text).toBe(words);
  });

  it('a long answer to a question for a phone number, "double" and sound-alikes among the digits, is protected whole', () => {
    // held-out I: "oh seven seven double oh nine double oh one two three" heard with words for some digits
    const heard = 'of seven seven bubble of nine double hon two three';
    const u = answerTo("what's the best mobile number for you", heard);
    expect(u.pii).toEqual([expect.objectContaining({ type: 'phone', start: 0, end: heard.length })]);
    // a long answer that is not mostly digits keeps what is found in it only
    const words = 'it is the one for work so use it after six or before nine please';
    expect(answerTo("what's the best mobile number for you", words).masked.text).toBe(words);
  });

  it('a misheard answer to a question for the security code is removed whole, words and audio span', () => {
    const u = protectTranscript(
      [said('agent', 0, 'and the three digit code on the back'), said('customer', 4000, 'they paid one')],
      policy,
    ).utterances;
    expect(u[1].masked.text).toBe('[REDACTED]');
    expect(u[1].original.text).toBe('[REDACTED]');
    expect(u[1].masked.words.every((w) => w.w === '[REDACTED]')).toBe(true);
    // its audio from the end of the question (or 1.5 s before the segment, whichever is later) to the answer's end:
    // what the recogniser did not place may have been said before its first word
    expect(u[1].pii).toEqual([{ type: 'cvv', start: 0, end: 13, s: 2500, e: 4900 }]);
    // held-out AG on this machine: "oh four four" heard as "war", its segment starting after the digits began; the
    // question ended 1.1 s before it, so the silence starts there
    const war = protectTranscript(
      [said('agent', 0, 'lovely and the three digit code on the back'), said('customer', 3800, 'war')],
      policy,
    ).utterances[1];
    expect(war.pii).toEqual([{ type: 'cvv', start: 0, end: 3, s: 2700, e: 4100 }]);
    // a card number's answer keeps its words' times: only a secret (CVV, PIN, one-time code) widens
    const card = answerTo(
      'and the long number on the front of the card',
      'four one one one one one one one one one one one one one one one',
    );
    expect(card.pii[0].s).toBe(4000);
  });

  it('one position asked for with "digits" in the plural and the rest misheard asks for a PIN in part', () => {
    // held-out AG: "can you give me the second and fourth digits of your pin" heard as "… the second digits of yorkin"
    const u = answerTo('can you give me the second digits of yorkin', 'the second is five and the fourth is nine');
    expect(u.masked.text).toBe('the second is [REDACTED] and the fourth is [REDACTED]');
    expect(u.pii.map((p) => p.type)).toEqual(['pin', 'pin']);
    // a single digit asked for is not a PIN asked for in part, nor are "the first six digits" of a card
    expect(answerTo('what is the second digit on the screen', 'the second is five').masked.text).toBe(
      'the second is five',
    );
  });

  it('an e-mail address spelt out and garbled is protected whole; "I\'ll email you" asks for nothing', () => {
    const answer = 'john dot smith that may or dark calm';
    const t = protectTranscript(
      [said('agent', 0, 'and can i take your email address please'), said('customer', 4000, answer)],
      policy,
    );
    expect(t.utterances[1].pii).toEqual([expect.objectContaining({ type: 'email', start: 0, end: answer.length })]);
    expect(t.utterances[1].masked.text).toBe('[email]');
    expect(t.counts.email).toBe(1);
    const after = protectTranscript(
      [said('agent', 0, "i'll email you the letter today"), said('customer', 4000, "great i'll look at it tonight")],
      policy,
    ).utterances[1];
    expect(after.pii).toEqual([]);
  });

  it('an address spelt out after a misheard question is protected; "on the dot" is not', () => {
    expect(answerTo('and in a male dress', 'he does charmy had not male dot code u k').masked.text).toBe('[email]');
    expect(answerTo('when can you come in', "at nine on the dot i'll come").pii).toEqual([]);
    // "at" with a word like "dot" before an ending, the question misheard too ("and then he may address please")
    expect(answerTo('and then he may address please', 'gen dr walsky at me or dark con').masked.text).toBe('[email]');
    expect(answerTo('where are you now', "i'm at the park with the dog").pii).toEqual([]);
    // a secret is never typed as an address: removed from the original too
    const cvv = answerTo('and the three digit code on the back', 'for dot two at one');
    expect(cvv.pii.map((m) => m.type)).toEqual(['cvv']);
    expect(cvv.original.text).toBe('[REDACTED]');
  });

  it('"the second and fourth X of your Y", X and Y misheard, asks for a secret in part', () => {
    const u = answerTo('for security can you give me the second and fourth ages of yorkin', 'three hundred');
    expect(u.masked.text).toBe('[REDACTED]');
    expect(u.original.text).toBe('[REDACTED]');
  });

  it('questions as the recogniser misheard them in the full run (stop 38): "then fifty digits", "the extrary"', () => {
    // "and the second and fifth digits of your passcode" … "four and nine"
    const pin = answerTo("and the second then fifty digits of york tesco's please", 'for in nine');
    expect(pin.masked.text).toBe('[REDACTED]');
    // "and the expiry" … "march twenty seven"
    expect(answerTo('and the extrary', 'merged twenty seven').masked.text).toBe('**/**');
    // "please confirm your date of birth" with its last words lost … "august the fifth nineteen seventy"
    expect(answerTo('please confirm your', 'this to the fifth nineteen seventy').masked.text).toBe('[DOB]');
  });

  it('an answer to "the expiry date on the card" is the expiry, counted once', () => {
    const t = protectTranscript(
      [said('agent', 0, 'and the expiry date on the card'), said('customer', 4000, "november it's twenty eight")],
      policy,
    );
    expect(t.utterances[1].pii.map((m) => m.type)).toEqual(['expiry_date']);
    expect(t.counts).toEqual({ expiry_date: 1 });
  });

  it('a question the transcript misheard but keyphrase search spotted still opens the expectation', () => {
    const u = protectTranscript(
      [
        said('agent', 0, 'can i have the pierre to complete', ['code we sent']),
        said('customer', 4000, 'seven seven to nine'),
      ],
      policy,
    ).utterances;
    expect(u[1].pii.map((m) => m.type)).toEqual(['otp']);
  });

  it('digits a caller reads out one by one, unexplained, are removed; an agent reading a case number is not', () => {
    const u = protectTranscript(
      [
        said('customer', 0, 'yes it is four one nine nine to eight'),
        said('agent', 5000, 'your case number is four four two one eight'),
        said('customer', 9000, 'i want to borrow two thousand'),
      ],
      policy,
    ).utterances;
    expect(u[0].pii.map((m) => m.type)).toEqual(['digit_string']);
    expect(u[0].original.text).toBe('yes it is [REDACTED]');
    expect(u[1].pii).toEqual([]);
    expect(u[2].pii).toEqual([]);
  });

  it('a value stated with its label does not put the other party under an expectation', () => {
    const u = protectTranscript(
      [
        said('customer', 0, 'my account number is six two three nine one nine oh two'),
        said('agent', 5000, 'i will transfer five thousand two hundred'),
      ],
      policy,
    ).utterances;
    expect(u[0].pii.map((m) => m.type)).toEqual(['bank_account']);
    expect(u[1].pii).toEqual([]);
  });

  it('a question that also reads out digits still opens the expectation', () => {
    const u = protectTranscript(
      [
        said('agent', 0, 'i see the card starting four one one one one one can you give me the security code'),
        said('customer', 6000, 'it is one two three'),
      ],
      policy,
    ).utterances;
    expect(u[1].pii.map((m) => m.type)).toEqual(['cvv']);
    expect(u[1].original.text).not.toMatch(/one two three/);
  });

  it('"or" between digits is the recogniser\'s "oh"; "one or two days" is not a number', () => {
    const t = 'six two three one nine or two three';
    expect(digitRuns(tokenize(t), t).map((r) => r.digits)).toEqual(['62319023']);
    const d = 'it takes one or two days';
    expect(digitRuns(tokenize(d), d).map((r) => r.digits)).toEqual(['1', '2']);
    // "ho": the digit before ran into "oh"; only inside a string, before another digit
    const pin = 'for two ho ate';
    expect(digitRuns(tokenize(pin), pin).map((r) => r.digits)).toEqual(['4208']);
    const laugh = 'two ho ho merry christmas';
    expect(digitRuns(tokenize(laugh), laugh).map((r) => r.digits)).toEqual(['2']);
  });

  it('"oh" run into the next sound ("o\'d", "o\'ve") inside a digit string is a zero; o\'clock and names are not', () => {
    const pin = "for two o'd";
    expect(digitRuns(tokenize(pin), pin).map((r) => r.digits)).toEqual(['420']);
    const card = "four three oh nine o've seven";
    expect(digitRuns(tokenize(card), card).map((r) => r.digits)).toEqual(['430907']);
    const time = "call me at nine o'clock";
    expect(digitRuns(tokenize(time), time).map((r) => r.digits)).toEqual(['9']);
    const name = "room two two O'Neill";
    expect(digitRuns(tokenize(name), name).map((r) => r.digits)).toEqual(['22']);
    // alone it is nothing: one digit before it is not a string
    const one = "five o'd";
    expect(digitRuns(tokenize(one), one).map((r) => r.digits)).toEqual(['5']);
    // "oh" cut short after one digit, before another
    const sort = "six o' one six one three";
    expect(digitRuns(tokenize(sort), sort).map((r) => r.digits)).toEqual(['601613']);
  });

  it("a long number's start heard as short words that sound like nothing is still the number's (held-out T)", () => {
    // "oh two oh seven nine four six oh three one two" heard with "oh seven" as "o's of in"
    const u = protectTranscript(
      [said('customer', 1000, "my phone number is o two o's of in nine four six o three one two")],
      policy,
    ).utterances[0];
    expect(u.masked.text.startsWith('my phone number is [REDACTED]')).toBe(true);
    expect(u.masked.text).not.toMatch(/\btwo\b|o's|nine/);
    // words that are no number before a long run are not taken ("my number is the one ending …" keeps its words)
    const v = protectTranscript(
      [said('customer', 1000, 'i think the branch said nine four six oh three one two')],
      policy,
    ).utterances[0];
    expect(v.masked.text).toMatch(/^i think the branch said/);
  });

  it('"you can reach me on …" names a phone number, said or typed, with no question for one (held-out U)', () => {
    const u = protectTranscript(
      [said('customer', 1000, 'you can reach me on oh seven seven oh oh nine oh oh eight four six')],
      policy,
    ).utterances[0];
    expect(u.pii.map((m) => m.type)).toContain('phone');
    expect(u.masked.text).not.toMatch(/eight four six/);
    const typed = protectTranscript(
      [{ ...said('customer', 1000, 'call me on 07700 900 846 after 5'), words: [] }],
      policy,
    ).utterances[0];
    expect(typed.masked.text).not.toMatch(/900 846/);
    // "call me at three" is a time, not a number
    const time = protectTranscript([said('customer', 1000, 'call me at three please')], policy).utterances[0];
    expect(time.masked.text).toBe('call me at three please');
  });
});
