import { z } from 'zod';
import { loadYamlFile } from '../lib/yaml-file';

/** The data-retention policy (`policies/retention.yaml`): how many days each data class is kept. */
const days = z.object({ days: z.number().int().positive().max(36_500) }).strict();
export const retentionPolicySchema = z
  .object({
    version: z.literal(1),
    classes: z
      .object({
        audio: days,
        transcript_original: days,
        transcript_masked: days,
        verdicts: days,
        /** generated reports, from their generation (optional: 7 years) */
        reports: days.default({ days: 2555 }),
      })
      .strict(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const c = p.classes;
    if (c.audio.days > c.transcript_masked.days)
      ctx.addIssue({
        code: 'custom',
        path: ['classes', 'audio'],
        message: 'audio may not outlive the masked transcript',
      });
    if (c.transcript_original.days > c.transcript_masked.days)
      ctx.addIssue({
        code: 'custom',
        path: ['classes', 'transcript_original'],
        message: 'the original may not outlive the masked transcript',
      });
  });
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

export function loadRetentionPolicy(file: string): RetentionPolicy {
  return loadYamlFile(file, retentionPolicySchema);
}
