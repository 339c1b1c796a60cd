import { describe, expect, it } from 'vitest';
import { AudioFormatError } from '../../src/speech/audio/errors';
import { ALAW_TABLE, linearToAlaw, linearToUlaw, ULAW_TABLE } from '../../src/speech/audio/g711';
import { decodeWav, encodeWav, inspectWav } from '../../src/speech/audio/wav';

function tone(n: number, rate: number, freq = 440, amp = 8000): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate)));
}

function expectAudioError(fn: () => unknown, status: number, code: string, message: RegExp) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AudioFormatError);
    const err = e as AudioFormatError;
    expect({ status: err.status, code: err.code }).toEqual({ status, code });
    expect(err.message).toMatch(message);
    return;
  }
  throw new Error('expected an AudioFormatError');
}

describe('inspectWav / decodeWav', () => {
  it('reads 16-bit PCM mono and stereo at 8 and 16 kHz, keeping channels apart', () => {
    for (const rate of [8000, 16000]) {
      const left = tone(rate, rate, 300);
      const right = tone(rate, rate, 1000, 3000);
      const info = inspectWav(encodeWav([left, right], rate));
      expect(info).toMatchObject({ codec: 'pcm16', sampleRate: rate, channels: 2, frames: rate, durationMs: 1000 });
      const [l, r] = decodeWav(encodeWav([left, right], rate));
      expect(Array.from(l)).toEqual(Array.from(left));
      expect(Array.from(r)).toEqual(Array.from(right));
      expect(inspectWav(encodeWav([left], rate)).channels).toBe(1);
    }
  });

  it('decodes G.711 µ-law and A-law within the codec quantisation error', () => {
    const src = tone(8000, 8000, 440, 12000);
    for (const [codec, enc] of [
      ['mulaw', linearToUlaw],
      ['alaw', linearToAlaw],
    ] as const) {
      const buf = encodeWav([src], 8000, codec, enc);
      expect(inspectWav(buf).codec).toBe(codec);
      const [out] = decodeWav(buf);
      for (let i = 0; i < src.length; i++) {
        // G.711 keeps 4 mantissa bits: error under 1/16 of the magnitude (plus the small-signal step)
        expect(Math.abs(out[i] - src[i])).toBeLessThanOrEqual(Math.abs(src[i]) / 16 + 16);
      }
    }
  });

  it('G.711 tables: silence codes decode to zero-ish, extremes to full scale, sign symmetric', () => {
    expect(Math.abs(ULAW_TABLE[0xff])).toBe(0);
    expect(ULAW_TABLE[0x00]).toBe(-32124);
    expect(ULAW_TABLE[0x80]).toBe(32124);
    expect(ALAW_TABLE[0xd5]).toBe(8);
    expect(ALAW_TABLE[0x55]).toBe(-8);
    expect(ALAW_TABLE[0xaa]).toBe(32256);
    for (let v = -32000; v <= 32000; v += 997) {
      expect(Math.sign(ULAW_TABLE[linearToUlaw(v)]) * Math.sign(v)).toBeGreaterThanOrEqual(0);
      expect(Math.sign(ALAW_TABLE[linearToAlaw(v)]) * Math.sign(v)).toBeGreaterThanOrEqual(0);
    }
  });

  it('accepts WAVE_FORMAT_EXTENSIBLE PCM and skips unknown chunks before data', () => {
    const pcm = encodeWav([tone(1600, 16000)], 16000);
    const fmt = Buffer.alloc(8 + 40);
    fmt.write('fmt ', 0, 'ascii');
    fmt.writeUInt32LE(40, 4);
    pcm.copy(fmt, 8, 20, 36); // the 16 bytes of the plain fmt body
    fmt.writeUInt16LE(0xfffe, 8);
    fmt.writeUInt16LE(22, 24);
    fmt.writeUInt16LE(1, 32); // SubFormat GUID starts with 0x0001 = PCM
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])]); // odd size + pad
    const body = Buffer.concat([Buffer.from('WAVE'), fmt, list, pcm.subarray(36)]);
    const header = Buffer.alloc(8);
    header.write('RIFF', 0, 'ascii');
    header.writeUInt32LE(body.length, 4);
    const info = inspectWav(Buffer.concat([header, body]));
    expect(info).toMatchObject({ codec: 'pcm16', channels: 1, sampleRate: 16000, frames: 1600 });
  });

  it('takes what is present when a streaming recorder left the data size as 0xFFFFFFFF', () => {
    const buf = encodeWav([tone(800, 8000)], 8000);
    buf.writeUInt32LE(0xffffffff, 40);
    expect(inspectWav(buf).frames).toBe(800);
  });

  describe('refuses bad input with a precise status and message', () => {
    const good = () => encodeWav([tone(1600, 16000)], 16000);
    it('zero bytes → 422 empty', () => expectAudioError(() => inspectWav(Buffer.alloc(0)), 422, 'empty', /0 bytes/));
    it('a few bytes → 422 truncated header', () =>
      expectAudioError(() => inspectWav(Buffer.from('RIFF')), 422, 'truncated_header', /truncated header/));
    it('not RIFF → 415', () =>
      expectAudioError(
        () => inspectWav(Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00')),
        415,
        'not_wav',
        /RIFF\/WAVE/,
      ));
    it('fmt chunk cut short → 422 truncated header', () =>
      expectAudioError(
        () => inspectWav(good().subarray(0, 30)),
        422,
        'truncated_header',
        /fmt chunk declares 16 bytes, 10 present/,
      ));
    it('header only, no data chunk → 422', () =>
      expectAudioError(() => inspectWav(good().subarray(0, 36)), 422, 'missing_data', /no data chunk/));
    it('data chunk shorter than declared → 422 truncated data', () =>
      expectAudioError(
        () => inspectWav(good().subarray(0, 1000)),
        422,
        'truncated_data',
        /declares 3200 bytes, 956 present/,
      ));
    it('empty data chunk → 422', () =>
      expectAudioError(() => inspectWav(encodeWav([new Int16Array(0)], 16000)), 422, 'empty', /zero audio samples/));
    it('unknown codec → 415 naming it', () => {
      const b = good();
      b.writeUInt16LE(0x0055, 20);
      expectAudioError(() => inspectWav(b), 415, 'unsupported_codec', /0x0055 \(MPEG Layer 3\)/);
    });
    it('IEEE float → 415', () => {
      const b = good();
      b.writeUInt16LE(3, 20);
      expectAudioError(() => inspectWav(b), 415, 'unsupported_codec', /IEEE float/);
    });
    it('24-bit PCM → 415', () => {
      const b = good();
      b.writeUInt16LE(24, 34);
      expectAudioError(() => inspectWav(b), 415, 'unsupported_bit_depth', /24 bits/);
    });
    it('44.1 kHz → 415', () =>
      expectAudioError(() => inspectWav(encodeWav([tone(441, 44100)], 44100)), 415, 'unsupported_rate', /44100 Hz/));
    it('3 channels → 415', () =>
      expectAudioError(
        () => inspectWav(encodeWav([tone(16, 8000), tone(16, 8000), tone(16, 8000)], 8000)),
        415,
        'unsupported_channels',
        /3 channels/,
      ));
    it('inconsistent block align → 422', () => {
      const b = good();
      b.writeUInt16LE(4, 32);
      expectAudioError(() => inspectWav(b), 422, 'bad_header', /block align 4/);
    });
    it('over the size limit → 413', () =>
      expectAudioError(() => inspectWav(good(), { maxBytes: 1000 }), 413, 'too_large', /limit is 1000 bytes/));
    it('over the duration limit → 422', () =>
      expectAudioError(
        () => inspectWav(encodeWav([tone(16000 * 3, 16000)], 16000), { maxDurationSeconds: 2 }),
        422,
        'too_long',
        /3\.0 s; the limit is 2 s/,
      ));
  });
});
