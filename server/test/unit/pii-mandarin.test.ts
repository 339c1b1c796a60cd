import { describe, expect, it } from 'vitest';
import { maskedTexts as masked } from '../helpers/masking';

// Held-out AC (stop 38): a Mandarin bank hotline's chats, written from the formats and run once before these forms
// were read: a two-digit year "75年11月23号", a date in Chinese numerals, an ID with a wrong check digit, a code
// described rather than named, and look-alikes masked (a dispatch date, a bank's 95xxx number, an order number).

describe('Mandarin answers to a question in the turn before', () => {
  it('dates of birth with a two-digit year, or in Chinese numerals', () => {
    expect(masked('A: 请问您的生日是哪天？', 'C: 75年11月23号')[1]).toBe('[DOB]');
    expect(masked('A: 麻烦报一下您的出生年月日', 'C: 二〇〇一年二月八日')[1]).toBe('[DOB]');
  });

  it('a resident ID asked for is masked even with a wrong check digit (a typo: fail closed)', () => {
    expect(masked('A: 请提供您的身份证号码。', 'C: 32050219751123462X')[1]).not.toMatch(/19751123/);
    // unasked, an 18-digit string failing the check stays as written (an order or a reference)
    expect(masked('A: 您的订单是 32050219751123462X')[0]).toBe('您的订单是 32050219751123462X');
  });

  it('a code described, not named ("短信里有个六位数"), is removed', () => {
    expect(masked('A: 刚才给您发了一条短信，里面有个六位数，麻烦念一下', 'C: 902 741')[1]).toBe('[REDACTED]');
  });
});

describe('Mandarin look-alikes stay readable', () => {
  it('a dispatch date and a bank service number in a turn that names the security code or a one-time code', () => {
    const t = '请不要发送卡片背面的安全码。新卡已于 11月28日 寄出。';
    expect(masked(`A: ${t}`)[0]).toBe(t);
    const c = '我们不会索要验证码。如有疑问请拨打 95533。';
    expect(masked(`A: ${c}`)[0]).toBe(c);
    // a person's mobile after "call" is still a phone number
    expect(masked('C: 请拨打 13812345678 联系我')[0]).not.toMatch(/12345678/);
  });

  it('an order number passing Luhn by chance, without a card prefix, after 订单号; a card after it is masked', () => {
    expect(masked('A: 您的订单号 20261207553201 已经退款。')[0]).toBe('您的订单号 20261207553201 已经退款。');
    expect(masked('A: 您的订单号 4628194821993511 已经退款。')[0]).not.toMatch(/4821993511/);
  });
});
