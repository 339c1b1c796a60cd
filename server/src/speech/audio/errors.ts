/** A recording we cannot accept. `status` is the HTTP answer: 415 unsupported, 413 too large, 422 malformed. */
export class AudioFormatError extends Error {
  constructor(
    readonly status: 413 | 415 | 422,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AudioFormatError';
  }
}
