import { loadYamlFile } from '../../lib/yaml-file';
import { z } from 'zod';
import { detectPii, PiiFinding, PiiType } from './detect';

/** Masking formats from policies/masking.yaml, validated; a bad file is refused with the path of what is wrong. */
const rule = z
  .object({
    keep_first: z.number().int().min(0).max(8).optional(),
    keep_last: z.number().int().min(0).max(8).optional(),
    keep_local_first: z.number().int().min(0).max(4).optional(),
    redact: z.literal(true).optional(),
    replace: z.string().max(32).optional(),
  })
  .strict();
const TYPES = [
  'card_number',
  'cvv',
  'pin',
  'otp',
  'expiry_date',
  'cn_resident_id',
  'phone',
  'email',
  'iban',
  'bank_account',
  'us_ssn',
  'date_of_birth',
  'digit_string',
] as const;
export const maskingPolicySchema = z
  .object({
    version: z.literal(1),
    types: z
      .object(Object.fromEntries(TYPES.map((t) => [t, rule])) as Record<(typeof TYPES)[number], typeof rule>)
      .strict(),
  })
  .strict();
export type MaskingPolicy = z.infer<typeof maskingPolicySchema>;

export function loadMaskingPolicy(file: string): MaskingPolicy {
  return loadYamlFile(file, maskingPolicySchema, (p) => {
    if (p.types.card_number.keep_first! + p.types.card_number.keep_last! > 10)
      return { path: ['types', 'card_number'], message: 'PCI DSS allows at most the first 6 and last 4 digits' };
    for (const t of ['cvv', 'pin', 'otp', 'digit_string'] as const) {
      if (!p.types[t].redact)
        return {
          path: ['types', t],
          message: 'sensitive authentication data must be redacted (PCI DSS 3.3.1), never masked',
        };
    }
    return undefined;
  });
}

export const REDACTED = '[REDACTED]';

function maskValue(f: PiiFinding, p: MaskingPolicy): string {
  const r = p.types[f.type as PiiType];
  if (r.redact) return REDACTED;
  if (r.replace !== undefined) return r.replace;
  if (f.type === 'email') {
    const [local, domain] = f.value.split('@');
    return `${local.slice(0, r.keep_local_first ?? 1)}***@${domain}`;
  }
  const v = f.value.replace(/^\+/, '');
  const first = Math.min(r.keep_first ?? 0, v.length);
  const last = Math.min(r.keep_last ?? 0, Math.max(0, v.length - first));
  return v.slice(0, first) + '*'.repeat(v.length - first - last) + (last ? v.slice(-last) : '');
}

/** The masked text and what was found (spans refer to the original text). */
export function maskText(
  text: string,
  policy: MaskingPolicy,
  findings: PiiFinding[] = detectPii(text),
): { masked: string; findings: PiiFinding[] } {
  let out = '';
  let pos = 0;
  for (const f of findings) {
    out += text.slice(pos, f.start) + maskValue(f, policy);
    pos = f.end;
  }
  return { masked: out + text.slice(pos), findings };
}
