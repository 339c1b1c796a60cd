import { AudioFormatError } from './errors';
import { ALAW_TABLE, ULAW_TABLE } from './g711';

export type WavCodec = 'pcm16' | 'mulaw' | 'alaw';

export interface WavInfo {
  codec: WavCodec;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** byte offset and length of the sample data inside the buffer */
  dataOffset: number;
  dataLength: number;
  frames: number;
  durationMs: number;
}

export interface WavLimits {
  maxBytes?: number;
  maxDurationSeconds?: number;
}

export const SUPPORTED_RATES = [8000, 16000] as const;

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

const CODEC_NAMES: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0003: 'IEEE float',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0055: 'MPEG Layer 3',
  0x0064: 'G.726 ADPCM',
};

/**
 * Reads a RIFF/WAVE header and checks everything the appliance relies on, without decoding samples.
 * Cheap enough for the API's event loop: it walks the chunk headers only.
 */
export function inspectWav(buf: Buffer, limits: WavLimits = {}): WavInfo {
  if (buf.length === 0) throw new AudioFormatError(422, 'empty', 'recording is empty (0 bytes)');
  if (limits.maxBytes !== undefined && buf.length > limits.maxBytes) {
    throw new AudioFormatError(
      413,
      'too_large',
      `recording is ${buf.length} bytes; the limit is ${limits.maxBytes} bytes`,
    );
  }
  if (buf.length < 12)
    throw new AudioFormatError(
      422,
      'truncated_header',
      `truncated header: ${buf.length} bytes, a RIFF/WAVE header needs at least 12`,
    );
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new AudioFormatError(415, 'not_wav', 'not a RIFF/WAVE file (expected "RIFF....WAVE" at byte 0)');
  }
  let offset = 12;
  let fmt: { tag: number; channels: number; rate: number; blockAlign: number; bits: number } | undefined;
  let data: { offset: number; length: number } | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + size > buf.length) {
        throw new AudioFormatError(
          422,
          'truncated_header',
          `truncated header: fmt chunk declares ${size} bytes, ${Math.max(0, buf.length - body)} present`,
        );
      }
      let tag = buf.readUInt16LE(body);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40)
          throw new AudioFormatError(
            422,
            'truncated_header',
            'truncated header: WAVE_FORMAT_EXTENSIBLE fmt chunk shorter than 40 bytes',
          );
        tag = buf.readUInt16LE(body + 24); // first two bytes of the SubFormat GUID
      }
      fmt = {
        tag,
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        blockAlign: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new AudioFormatError(422, 'missing_fmt', 'data chunk comes before any fmt chunk');
      const present = buf.length - body;
      // Recorders that stream write 0 or 0xFFFFFFFF as a placeholder size; take what is present then.
      const length = size === 0xffffffff || (size === 0 && present > 0) ? present : size;
      if (length > present) {
        throw new AudioFormatError(
          422,
          'truncated_data',
          `truncated data: data chunk declares ${length} bytes, ${present} present`,
        );
      }
      data = { offset: body, length };
      break;
    }
    offset = body + size + (size & 1);
  }
  if (!fmt) throw new AudioFormatError(422, 'missing_fmt', 'no fmt chunk: truncated header or not a WAVE file');
  if (!data) throw new AudioFormatError(422, 'missing_data', 'no data chunk: the file ends before any audio');

  let codec: WavCodec;
  if (fmt.tag === WAVE_FORMAT_PCM) {
    if (fmt.bits !== 16)
      throw new AudioFormatError(
        415,
        'unsupported_bit_depth',
        `PCM with ${fmt.bits} bits per sample is not supported; use 16-bit PCM, G.711 µ-law or A-law`,
      );
    codec = 'pcm16';
  } else if (fmt.tag === WAVE_FORMAT_MULAW || fmt.tag === WAVE_FORMAT_ALAW) {
    if (fmt.bits !== 8)
      throw new AudioFormatError(422, 'bad_header', `G.711 declares ${fmt.bits} bits per sample; expected 8`);
    codec = fmt.tag === WAVE_FORMAT_MULAW ? 'mulaw' : 'alaw';
  } else {
    const name = CODEC_NAMES[fmt.tag] ?? 'unknown codec';
    throw new AudioFormatError(
      415,
      'unsupported_codec',
      `unsupported codec: WAVE format tag 0x${fmt.tag.toString(16).padStart(4, '0')} (${name}); use 16-bit PCM, G.711 µ-law or A-law`,
    );
  }
  if (fmt.channels !== 1 && fmt.channels !== 2) {
    throw new AudioFormatError(
      415,
      'unsupported_channels',
      `${fmt.channels} channels are not supported; use mono or stereo`,
    );
  }
  if (!(SUPPORTED_RATES as readonly number[]).includes(fmt.rate)) {
    throw new AudioFormatError(
      415,
      'unsupported_rate',
      `sample rate ${fmt.rate} Hz is not supported; use 8000 or 16000 Hz`,
    );
  }
  const bytesPerSample = fmt.bits / 8;
  const expectedAlign = bytesPerSample * fmt.channels;
  if (fmt.blockAlign !== expectedAlign) {
    throw new AudioFormatError(
      422,
      'bad_header',
      `block align ${fmt.blockAlign} does not match ${fmt.channels} channel(s) of ${fmt.bits}-bit samples (expected ${expectedAlign})`,
    );
  }
  if (data.length === 0)
    throw new AudioFormatError(422, 'empty', 'recording has zero audio samples (empty data chunk)');
  const frames = Math.floor(data.length / expectedAlign);
  if (frames === 0) throw new AudioFormatError(422, 'empty', 'recording has zero complete audio frames');
  const durationMs = Math.round((frames * 1000) / fmt.rate);
  if (limits.maxDurationSeconds !== undefined && durationMs > limits.maxDurationSeconds * 1000) {
    throw new AudioFormatError(
      422,
      'too_long',
      `recording lasts ${(durationMs / 1000).toFixed(1)} s; the limit is ${limits.maxDurationSeconds} s`,
    );
  }
  return {
    codec,
    sampleRate: fmt.rate,
    channels: fmt.channels,
    bitsPerSample: fmt.bits,
    dataOffset: data.offset,
    dataLength: frames * expectedAlign,
    frames,
    durationMs,
  };
}

/** Decodes the samples into one Int16Array per channel. */
export function decodeWav(buf: Buffer, info: WavInfo = inspectWav(buf)): Int16Array[] {
  const out = Array.from({ length: info.channels }, () => new Int16Array(info.frames));
  const { dataOffset: o, channels: ch, frames } = info;
  if (info.codec === 'pcm16') {
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < ch; c++) out[c][i] = buf.readInt16LE(o + (i * ch + c) * 2);
    }
  } else {
    const table = info.codec === 'mulaw' ? ULAW_TABLE : ALAW_TABLE;
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < ch; c++) out[c][i] = table[buf[o + i * ch + c]];
    }
  }
  return out;
}

/** Writes a WAV file: 16-bit PCM, or G.711 when `codec` says so (samples are then encoded with `encode`). */
export function encodeWav(
  channels: Int16Array[],
  sampleRate: number,
  codec: WavCodec = 'pcm16',
  encode?: (s: number) => number,
): Buffer {
  const ch = channels.length;
  const frames = channels[0]?.length ?? 0;
  const bps = codec === 'pcm16' ? 2 : 1;
  const fmtSize = codec === 'pcm16' ? 16 : 18;
  const dataLen = frames * ch * bps;
  const buf = Buffer.alloc(12 + 8 + fmtSize + 8 + dataLen);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(buf.length - 8, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(fmtSize, 16);
  buf.writeUInt16LE(codec === 'pcm16' ? WAVE_FORMAT_PCM : codec === 'mulaw' ? WAVE_FORMAT_MULAW : WAVE_FORMAT_ALAW, 20);
  buf.writeUInt16LE(ch, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * ch * bps, 28);
  buf.writeUInt16LE(ch * bps, 32);
  buf.writeUInt16LE(bps * 8, 34);
  let o = 36;
  if (fmtSize === 18) {
    buf.writeUInt16LE(0, 36);
    o = 38;
  }
  buf.write('data', o, 'ascii');
  buf.writeUInt32LE(dataLen, o + 4);
  o += 8;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < ch; c++) {
      const s = channels[c][i];
      if (bps === 2) buf.writeInt16LE(s, o + (i * ch + c) * 2);
      else buf[o + i * ch + c] = encode!(s);
    }
  }
  return buf;
}

/** A G.711 µ-law WAV's channels as separate byte arrays, as a recorder streams them (tests and benchmarks). */
export function ulawChannelBytes(buf: Buffer): Buffer[] {
  const info = inspectWav(buf);
  if (info.codec !== 'mulaw') throw new Error('not a µ-law recording');
  const data = buf.subarray(info.dataOffset, info.dataOffset + info.dataLength);
  return Array.from({ length: info.channels }, (_, c) => {
    const out = Buffer.alloc(data.length / info.channels);
    for (let i = 0; i < out.length; i++) out[i] = data[i * info.channels + c];
    return out;
  });
}
