import { describe, expect, it } from 'vitest';
import { maskedTexts as masked } from '../helpers/masking';

// Held-out S (stop 34): a bank's toll-free number masked as a customer's phone, and "the limit is £20,000" masked as a
// date of birth because the customer's own "I was born on 1985-07-19 … can I do that online?" was taken as a question
// for one.

describe("an organisation's number by its numbering plan stays readable; a person's does not", () => {
  it('NANP toll-free (800 … 888) and UK 03/08 in international form', () => {
    expect(masked('A: Sorry, please call 1-800-555-0199.')[0]).toBe('Sorry, please call 1-800-555-0199.');
    expect(masked('A: From abroad, call +44 345 000 1234.')[0]).toBe('From abroad, call +44 345 000 1234.');
    expect(masked('A: Ring us free on +1 888 555 0142.')[0]).toBe('Ring us free on +1 888 555 0142.');
    // geographic numbers and mobiles are people's
    expect(masked('C: call me on 1-202-555-0199')[0]).not.toMatch(/555-0199/);
    expect(masked('C: my mobile is +44 7700 900518')[0]).not.toMatch(/900518/);
    // a Chinese mobile written as one is still masked
    expect(masked('C: 我的手机是18005550199')[0]).not.toMatch(/18005550199/);
  });

  it("answering a question for the customer's number, a toll-free one is masked (fail closed)", () => {
    expect(masked('A: What number can we reach you on?', 'C: 1-800-555-0199')[1]).not.toMatch(/555-0199/);
  });
});

describe('a turn that gives its own date of birth asks for none', () => {
  it("the reply's amount is not a date of birth", () => {
    const u = masked(
      'C: Hi, I was born on 1985-07-19 and want to open an ISA. Can I do that online?',
      'A: Yes; the limit is £20,000 for the tax year.',
    );
    expect(u[0]).not.toMatch(/1985-07-19/);
    expect(u[1]).toBe('Yes; the limit is £20,000 for the tax year.');
  });

  it('a question for a date of birth still opens the expectation', () => {
    expect(masked('A: What is your date of birth?', 'C: 14 7 85')[1]).not.toMatch(/14 7 85/);
  });
});

describe('UK bank details written as a payee form writes them', () => {
  it('a sort code in pairs then an 8-digit account, with no label, is an account (held-out T)', () => {
    const u = masked('C: standing order of £150 on the 1st of each month to 20-32-06 73645112 please');
    expect(u[0]).not.toMatch(/20-32-06|73645112/);
    expect(u[0]).toMatch(/£150/);
    // a date in dashes alone stays readable
    expect(masked('A: the payment left on 20-11-26 as planned')[0]).toBe('the payment left on 20-11-26 as planned');
  });
});

describe("a Mandarin hotline's own work-order number", () => {
  it('"受理编号是 SC 2026 1207 0334" stays readable (letters before it are not "s/c", a sort code); an ID is masked', () => {
    const text = '您的受理编号是 SC 2026 1207 0334，五个工作日内联系您。';
    expect(masked(`A: ${text}`)[0]).toBe(text);
    expect(masked('A: 您的身份证号是 110105198806152433 对吗')[0]).not.toMatch(/198806152433/);
  });
});
