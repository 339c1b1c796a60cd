import Busboy from 'busboy';
import type { Context } from 'koa';
import { HttpError } from '../lib/errors';

export interface UploadedCall {
  audio: Buffer;
  filename?: string;
  metadata?: unknown;
}

/** Streams a multipart upload (fields `audio` and `metadata`), refusing it as soon as it passes `maxBytes`. */
export function readCallUpload(ctx: Context, maxBytes: number): Promise<UploadedCall> {
  const type = ctx.get('content-type');
  if (!type.startsWith('multipart/form-data')) {
    return Promise.reject(
      new HttpError(
        415,
        'unsupported_media_type',
        'expected multipart/form-data with an "audio" file and a "metadata" JSON field',
      ),
    );
  }
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > maxBytes + 64 * 1024) {
    return Promise.reject(
      new HttpError(413, 'too_large', `upload is ${declared} bytes; the limit is ${maxBytes} bytes`),
    );
  }
  return new Promise((resolve, reject) => {
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({
        headers: ctx.req.headers,
        limits: { files: 1, fileSize: maxBytes, fields: 4, fieldSize: 64 * 1024 },
      });
    } catch (e) {
      reject(new HttpError(400, 'bad_multipart', `malformed multipart request: ${(e as Error).message}`));
      return;
    }
    const chunks: Buffer[] = [];
    let filename: string | undefined;
    let metadataRaw: string | undefined;
    let sawFile = false;
    let failed: HttpError | undefined;
    const fail = (e: HttpError) => {
      failed ??= e;
    };
    bb.on('file', (name, stream, info) => {
      if (name !== 'audio') {
        fail(new HttpError(422, 'unexpected_field', `unexpected file field "${name}"; send the recording as "audio"`));
        stream.resume();
        return;
      }
      sawFile = true;
      filename = info.filename;
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () =>
        fail(new HttpError(413, 'too_large', `recording exceeds the limit of ${maxBytes} bytes`)),
      );
    });
    bb.on('field', (name, value, info) => {
      if (name === 'metadata' && info.valueTruncated)
        fail(new HttpError(413, 'metadata_too_large', 'the metadata field exceeds 64 KiB'));
      else if (name === 'metadata') metadataRaw = value;
      else fail(new HttpError(422, 'unexpected_field', `unexpected field "${name}"; expected "audio" and "metadata"`));
    });
    bb.on('error', (e: Error) =>
      reject(new HttpError(400, 'bad_multipart', `malformed multipart request: ${e.message}`)),
    );
    bb.on('close', () => {
      if (failed) return reject(failed);
      if (!sawFile) return reject(new HttpError(422, 'missing_audio', 'missing the "audio" file field'));
      let metadata: unknown;
      if (metadataRaw !== undefined) {
        try {
          metadata = JSON.parse(metadataRaw);
        } catch (e) {
          return reject(new HttpError(422, 'invalid_metadata', `metadata is not valid JSON: ${(e as Error).message}`));
        }
      }
      resolve({ audio: Buffer.concat(chunks), filename, metadata });
    });
    ctx.req.pipe(bb);
  });
}
