import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scanBytes, scanText } from '../../src/pii-scan/scan-at-rest';
import { AES_256_GCM } from '../../src/protection/cipher';

describe('scan:pii detectors on raw bytes', () => {
  it('finds written, grouped and spoken card numbers, CN IDs and labelled CVVs', () => {
    const kinds = (s: string) => scanText(s, 't').map((f) => f.kind);
    expect(kinds('pan=4111111111111111;')).toEqual(['card_number']);
    expect(kinds('card 5500-0000-0000-0004 ok')).toEqual(['card_number']);
    expect(kinds('id 11010519491231002X here')).toEqual(['cn_resident_id']);
    expect(kinds('"cvv":"123"')).toEqual(['cvv']);
    expect(kinds('it is four one one one one one one one one one one one one one one one and that is all')).toEqual([
      'spoken_card_number',
    ]);
    expect(kinds('the security code is seven three nine')).toEqual(['spoken_cvv']);
  });

  it('finds dates of birth, PINs and one-time codes next to their label, written and spoken', () => {
    const kinds = (s: string) => scanText(s, 't').map((f) => f.kind);
    expect(kinds('date of birth 14/07/1983')).toEqual(['date_of_birth']);
    expect(kinds('i was born on the fourteenth of august nineteen eighty two')).toEqual(['date_of_birth']);
    expect(kinds('my pin is 4096')).toEqual(['pin']);
    expect(kinds('the one-time passcode is six oh four two one eight')).toEqual(['spoken_otp']);
    // masked forms and payment dates are not findings
    expect(kinds('date of birth [DOB], pin [REDACTED]. We paid you on 14/07/2024')).toEqual([]);
  });

  it('leaves look-alikes alone: timestamps, numbers failing Luhn, IDs with a wrong check digit, masked cards', () => {
    const kinds = (s: string) => scanText(s, 't').map((f) => f.kind);
    expect(
      kinds('1763900000000 1700000000123 4111111111111112 11010519491231002Y 411111******1111 amount 1234.56'),
    ).toEqual([]);
  });

  it('reads a dump row by row: numbers in neighbouring rows are not one spoken card number', () => {
    // one number word per row (as a table of counts or ordinals can give): read as one line, they spell a Visa number
    const rows = ['four', ...Array(15).fill('one')];
    expect(scanText(rows.join(' '), 'whole').map((f) => f.kind)).toEqual(['spoken_card_number']);
    expect(scanBytes(Buffer.from(`COPY findings FROM stdin;\n${rows.join('\n')}\n`), 'dump')).toEqual([]);
    expect(
      scanBytes(
        Buffer.from(
          'COPY utterances FROM stdin;\nnote\tfour one one one one one one one one one one one one one one one\n',
        ),
        'dump',
      ).map((f) => f.kind),
    ).toEqual(['spoken_card_number']);
  });

  it('looks inside hex-encoded bytea of a dump, and finds nothing in ciphertext', () => {
    const plain = Buffer.from('card 4111 1111 1111 1111');
    expect(
      scanBytes(Buffer.from(`COPY t (v) FROM stdin;\n\\\\x${plain.toString('hex')}\n`), 'dump').map((f) => [
        f.kind,
        f.source,
      ]),
    ).toEqual([['card_number', 'dump (bytea)']]);
    const sealed = AES_256_GCM.seal(crypto.randomBytes(32), plain, Buffer.from('aad'));
    expect(scanBytes(Buffer.from(`\\\\x${sealed.toString('hex')}\n`), 'dump')).toEqual([]);
    // findings never carry the value itself
    expect(scanText('4111111111111111', 't')[0].sample).toBe('************1111');
  });
});
