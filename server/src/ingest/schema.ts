import { z } from 'zod';

const id = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[\w.@-]+$/, 'letters, digits, and . _ @ - only');

/** Who handled the conversation and where it came in: shared by calls and text conversations. */
/** Control characters (CR, LF, NUL…) and bidirectional overrides (U+202A–U+202E, U+2066–U+2069) hide or reorder text. */
// eslint-disable-next-line no-control-regex -- these are the characters refused
const UNSAFE_TEXT = /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;
const freeText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((v) => !UNSAFE_TEXT.test(v), 'control and bidirectional-override characters are not allowed');

/**
 * A time a conversation can have: from 2000 to a day ahead of this clock (a recorder's clock may run a little fast).
 * Year 0 or 9999 would let retention act on a conversation before it was processed.
 */
const EARLIEST = Date.UTC(2000, 0, 1);
const when = z.iso.datetime({ offset: true }).refine((v) => {
  const t = Date.parse(v);
  return t >= EARLIEST && t <= Date.now() + 86_400_000;
}, 'must lie between 2000-01-01 and one day from now');
/** A text conversation may span at most this long (its duration is kept in milliseconds as int4: 24.8 days). */
const MAX_SPAN_MS = 14 * 86_400_000;

const routingFields = {
  agentId: id,
  teamId: id.optional(),
  queue: freeText(128).optional(),
  customerRef: freeText(256).optional(),
  direction: z.enum(['inbound', 'outbound']).default('inbound'),
  language: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/)
    .default('en'),
  externalId: freeText(256).optional(),
  /** transfers or handoffs to another agent or queue, as the switch or chat platform counted them */
  transfers: z.number().int().min(0).max(100).optional(),
};
export type RoutingFields = z.infer<z.ZodObject<typeof routingFields>>;

/** Metadata sent beside a recording (multipart field `metadata`, a drop-folder sidecar, or `hotline ingest --meta`). */
export const callMetadataSchema = z
  .object({
    ...routingFields,
    startedAt: when.optional(),
    /** time the caller spent on hold during the recording, as the switch measured it */
    holdSeconds: z.number().min(0).max(86_400).optional(),
    /** speaker per channel; defaults from HOTLINE_STEREO_MAP / HOTLINE_MONO_SPEAKER */
    channelMap: z
      .array(z.enum(['agent', 'customer', 'unknown']))
      .min(1)
      .max(2)
      .optional(),
  })
  .strict()
  .meta({ id: 'CallMetadata' });
export type CallMetadata = z.infer<typeof callMetadataSchema>;

export const textConversationSchema = z
  .object({
    channel: z.enum(['chat', 'email', 'sms']),
    ...routingFields,
    startedAt: when,
    messages: z
      .array(
        z
          .object({
            speaker: z.enum(['agent', 'customer']),
            at: when,
            text: z
              .string()
              .min(1)
              .max(100_000)
              .refine((v) => !v.includes('\u0000'), 'NUL characters are not allowed'),
          })
          .strict(),
      )
      .min(1)
      .max(10_000),
  })
  .strict()
  .superRefine((v, ctx) => {
    const start = Date.parse(v.startedAt);
    let prev = start;
    v.messages.forEach((m, i) => {
      const t = Date.parse(m.at);
      if (t < start)
        ctx.addIssue({ code: 'custom', path: ['messages', i, 'at'], message: 'message is before startedAt' });
      if (t < prev)
        ctx.addIssue({ code: 'custom', path: ['messages', i, 'at'], message: 'messages must be in time order' });
      prev = t;
    });
    if (prev - start > MAX_SPAN_MS)
      ctx.addIssue({
        code: 'custom',
        path: ['messages', v.messages.length - 1, 'at'],
        message: 'a conversation may span at most 14 days',
      });
  })
  .meta({ id: 'TextConversation' });
export type TextConversationInput = z.infer<typeof textConversationSchema>;

/** Turns a zod error into one precise line: "messages.2.at: message is before startedAt". */
export function describeZodError(e: z.ZodError): string {
  return e.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** The conversation columns that come straight from the routing fields. */
export function routingColumns(v: RoutingFields) {
  return {
    direction: v.direction,
    language: v.language,
    agentId: v.agentId,
    teamId: v.teamId ?? null,
    queue: v.queue ?? null,
    customerRef: v.customerRef ?? null,
    transfers: v.transfers ?? null,
  };
}
