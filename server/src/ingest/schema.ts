import { z } from 'zod';

const id = z
  .string()
  .trim()
  .min(1)
  .max(128)
  .regex(/^[\w.@-]+$/, 'letters, digits, and . _ @ - only');

/** Who handled the conversation and where it came in: shared by calls and text conversations. */
const routingFields = {
  agentId: id,
  teamId: id.optional(),
  queue: z.string().trim().min(1).max(128).optional(),
  customerRef: z.string().trim().min(1).max(256).optional(),
  direction: z.enum(['inbound', 'outbound']).default('inbound'),
  language: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/)
    .default('en'),
  externalId: z.string().trim().min(1).max(256).optional(),
};
export type RoutingFields = z.infer<z.ZodObject<typeof routingFields>>;

/** Metadata sent beside a recording (multipart field `metadata`, a drop-folder sidecar, or `hotline ingest --meta`). */
export const callMetadataSchema = z
  .object({
    ...routingFields,
    startedAt: z.iso.datetime({ offset: true }).optional(),
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
    startedAt: z.iso.datetime({ offset: true }),
    messages: z
      .array(
        z
          .object({
            speaker: z.enum(['agent', 'customer']),
            at: z.iso.datetime({ offset: true }),
            text: z.string().min(1).max(100_000),
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
  };
}
