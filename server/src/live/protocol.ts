import { z } from 'zod';
import { callMetadataSchema } from '../ingest/schema';

/**
 * The recorder's side of a live call, over one WebSocket (`/api/v1/live/calls`, bearer token of a client allowed
 * to ingest):
 * 1. text `{"type":"start","callId":"…","encoding":"mulaw"|"pcm16","sampleRate":8000,"channels":2,"metadata":{…}}`
 *    → `{"type":"started","sessionId":"…","received":[bytes per channel]}`. The same `callId` from the same client
 *    resumes a call whose connection dropped: `received` says how much of each channel is already stored, and the
 *    recorder sends from there.
 * 2. binary frames: byte 0 the channel (0 or 1), then that channel's audio (µ-law bytes, or 16-bit little-endian PCM).
 *    `{"type":"ack","received":[…]}` comes back at least twice a second for what is on disk.
 * 3. text `{"type":"end"}` → `{"type":"ended","conversationId":"…"}`: the recording entered the pipeline.
 * Errors: `{"type":"error","code":"…","message":"…"}`, then the socket closes (4400 bad input, 4403 not allowed,
 * 4409 the call is open on another connection, 1013 too many calls: try again later).
 */
export const startMessageSchema = z
  .object({
    type: z.literal('start'),
    callId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\w.@:-]+$/, 'letters, digits, and . _ @ : - only'),
    encoding: z.enum(['mulaw', 'pcm16']),
    sampleRate: z.literal(8000).or(z.literal(16000)),
    channels: z.literal(1).or(z.literal(2)),
    metadata: callMetadataSchema,
  })
  .strict();
export type StartMessage = z.infer<typeof startMessageSchema>;

export const controlMessageSchema = z.discriminatedUnion('type', [
  startMessageSchema,
  z.object({ type: z.literal('end') }).strict(),
]);

/** The socket a live call speaks through, as the session needs it (the app adapts a WebSocket to it). */
export interface LiveConnection {
  send(message: Record<string, unknown>): void;
  /** stop reading from the socket (TCP pushes back on the recorder) / read again */
  pause(): void;
  resume(): void;
  close(code: number, reason: string): void;
}

export class LiveProtocolError extends Error {
  constructor(
    readonly closeCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LiveProtocolError';
  }
}
