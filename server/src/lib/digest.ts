/**
 * The digest an installation uses for its keyed indexes, dedupe keys, setting fingerprints and the audit chain:
 * SHA-256, or SM3 when the SM suite is chosen (HOTLINE_CIPHER=sm4-ctr-hmac-sm3, for 密评 assessments).
 */
export type DigestId = 'sha256' | 'sm3';
export const digestOf = (suite: string): DigestId => (suite === 'sm4-ctr-hmac-sm3' ? 'sm3' : 'sha256');
