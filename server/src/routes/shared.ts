import { z } from 'zod';

/** What every error answer looks like. */
export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), requestId: z.string(), details: z.unknown().optional() }),
  })
  .meta({ id: 'Error' });

export const errorResponses = {
  404: { description: 'not found', schema: errorSchema },
  422: { description: 'invalid input', schema: errorSchema },
};

export const idParams = z.object({ id: z.uuid() });

/** A stated reason, required where personal data is revealed, held or erased. */
export const reasonSchema = (hint: string) => z.string().trim().min(10, hint).max(1000);
