import { luhnValid } from './checksums';
import type { PiiType } from './detect';

/**
 * A deterministic labelled set of hotline sentences for measuring PII detection: each sentence carries the exact
 * spans of the personal data in it, in written, grouped and spoken forms, mixed with look-alikes that must stay
 * readable (order numbers, amounts, dates, numbers failing Luhn). Written for this project; the held-out acceptance
 * set is elsewhere.
 */
export interface LabelledSentence {
  text: string;
  spans: Array<{ type: PiiType; start: number; end: number }>;
  form: 'written' | 'grouped' | 'spoken' | 'lookalike';
}

const W = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

export function labelledSet(n = 600, seed = 7): LabelledSentence[] {
  let s = seed;
  const rnd = (k: number) => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) % k;
  const pick = <T>(xs: T[]) => xs[rnd(xs.length)];
  const digits = (k: number) => Array.from({ length: k }, () => String(rnd(10))).join('');
  const card = () => {
    const len = pick([15, 16, 16, 16, 19]);
    const body = pick(['4', '5', '37', '6']) + digits(len - 2);
    const head = body.slice(0, len - 1);
    for (let c = 0; c < 10; c++) if (luhnValid(head + c)) return head + c;
    return head + '0';
  };
  // as a recognizer writes digits: "oh" for zero, and now and then a homophone ("for" for four, "to" for two)
  const spoken = (d: string) =>
    d
      .split('')
      .map((x, i) =>
        x === '0' && rnd(3) === 0
          ? 'oh'
          : x === '4' && i < d.length - 1 && rnd(4) === 0
            ? 'for'
            : x === '2' && i < d.length - 1 && rnd(4) === 0
              ? 'to'
              : W[Number(x)],
      )
      .join(' ');
  const grouped = (d: string) => d.replace(/(\d{4})(?=\d)/g, pick(['$1 ', '$1-']));
  const cnId = () => {
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const y = 1950 + rnd(60);
    const body = `${1 + rnd(8)}${digits(5)}${y}${String(1 + rnd(12)).padStart(2, '0')}${String(1 + rnd(28)).padStart(2, '0')}${digits(3)}`;
    const sum = w.reduce((a, wi, i) => a + wi * Number(body[i]), 0);
    return body + '10X98765432'[sum % 11];
  };
  const out: LabelledSentence[] = [];
  const make = (form: LabelledSentence['form'], parts: Array<string | { type: PiiType; text: string }>) => {
    let text = '';
    const spans: LabelledSentence['spans'] = [];
    for (const p of parts) {
      if (typeof p === 'string') text += p;
      else {
        spans.push({ type: p.type, start: text.length, end: text.length + p.text.length });
        text += p.text;
      }
    }
    out.push({ text, spans, form });
  };
  for (let i = 0; out.length < n; i++) {
    const kind = i % 12;
    const c = card();
    switch (kind) {
      case 0:
        make('written', [
          pick(['my card number is ', 'the card is ', 'card ']),
          { type: 'card_number', text: c },
          pick(['.', ' thanks', '']),
        ]);
        break;
      case 1:
        make('grouped', [pick(['my card number is ', 'it is ']), { type: 'card_number', text: grouped(c) }, '.']);
        break;
      case 2:
        make('spoken', [
          pick(['yes it is ', 'the number is ', 'my card number is ']),
          { type: 'card_number', text: spoken(c) },
        ]);
        break;
      case 3: {
        const cvv = digits(pick([3, 3, 4]));
        make(rnd(2) ? 'spoken' : 'written', [
          pick(['the security code is ', 'cvv ', 'the three digit code on the back is ']),
          { type: 'cvv', text: rnd(2) ? spoken(cvv) : cvv },
        ]);
        break;
      }
      case 4:
        make('written', [pick(['my ID is ', 'ID number ']), { type: 'cn_resident_id', text: cnId() }]);
        break;
      case 5:
        make('written', [
          pick(['call me on ', 'my mobile is ']),
          { type: 'phone', text: `1${pick(['38', '39', '58', '86'])}${digits(8)}` },
        ]);
        break;
      case 6: {
        const u = pick(['anna', 'j.smith', 'wang.li', 'k_ng']);
        const d = pick(['example.com', 'bank.cn', 'mail.org']);
        if (rnd(2)) make('written', ['write to ', { type: 'email', text: `${u}@${d}` }, ' please']);
        else
          make('spoken', [
            'it is ',
            {
              type: 'email',
              text: `${u.replace('.', ' dot ').replace('_', ' underscore ')} at ${d.replace('.', ' dot ')}`,
            },
          ]);
        break;
      }
      case 7:
        make('written', ['my account number is ', { type: 'bank_account', text: digits(8 + rnd(6)) }]);
        break;
      case 8:
        make('written', [
          pick(['it expires ', 'expiry ']),
          { type: 'expiry_date', text: `${String(1 + rnd(12)).padStart(2, '0')}/${20 + rnd(10)}` },
        ]);
        break;
      case 9:
        make('written', ['SSN ', { type: 'us_ssn', text: `${100 + rnd(500)}-${10 + rnd(89)}-${1000 + rnd(8999)}` }]);
        break;
      default: {
        // look-alikes: nothing here is personal data
        const bad = c.slice(0, -1) + String((Number(c.slice(-1)) + 1) % 10);
        make('lookalike', [
          pick([
            `your order number is ${bad}`,
            `the balance is ${spoken(digits(4))} dollars`,
            `the transfer of ${100 + rnd(9000)} euros arrives on ${1 + rnd(28)}/${1 + rnd(12)}`,
            `case reference number ${spoken(digits(5))}`,
            `we have ${100 + rnd(900)} branches since ${1950 + rnd(60)}`,
            `the parcel weighs ${digits(2)} kilos and costs ${digits(3)} yuan`,
          ]),
        ]);
      }
    }
  }
  return out;
}
