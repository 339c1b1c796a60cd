import { loadYamlFile } from '../../lib/yaml-file';
import { z } from 'zod';
import { detectPii, OPTIONAL_PII_TYPES, OptionalPiiType, PiiFinding, PiiType } from './detect';

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
      .object({
        ...(Object.fromEntries(TYPES.map((t) => [t, rule])) as Record<(typeof TYPES)[number], typeof rule>),
        // listed: found and masked; absent: not looked for (names, postcodes and addresses stay readable)
        ...(Object.fromEntries(OPTIONAL_PII_TYPES.map((t) => [t, rule.optional()])) as Record<
          OptionalPiiType,
          z.ZodOptional<typeof rule>
        >),
      })
      .strict(),
    /**
     * Who sees a type's original when they unmask (they need the transcript.unmask permission first): the roles
     * listed; an empty list, nobody. A type not listed: everyone who may unmask.
     */
    unmask: z
      .partialRecord(z.enum([...TYPES, ...OPTIONAL_PII_TYPES]), z.array(z.string().regex(/^[a-z_]+$/)).max(20))
      .optional(),
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

/** The types whose originals these roles may not see when they unmask (policy `unmask`). */
/** The optional types this policy masks. */
export function optionalTypes(policy: MaskingPolicy): Set<OptionalPiiType> {
  return new Set(OPTIONAL_PII_TYPES.filter((t) => policy.types[t] !== undefined));
}

export function typesHiddenFrom(policy: MaskingPolicy, roles: string[]): Set<string> {
  return new Set(
    Object.entries(policy.unmask ?? {})
      .filter(([, allowed]) => !allowed!.some((r) => roles.includes(r)))
      .map(([t]) => t),
  );
}

/**
 * An original utterance with the personal data of `hidden` types masked again, as the masked view shows them. The
 * marks' character spans are in the text as transcribed; the stored original differs from it only where sensitive
 * authentication data became "[REDACTED]", so each span is shifted by those replacements before it. Words are masked
 * by time (calls) or by position.
 */
export function remaskOriginal(
  original: { text: string; words: Array<{ w: string; s: number; e: number; c: number }> },
  marks: Array<{ type: string; start: number; end: number; s?: number; e?: number }>,
  policy: MaskingPolicy,
  hidden: Set<string>,
): { text: string; words: Array<{ w: string; s: number; e: number; c: number }> } {
  const sorted = [...marks].sort((a, b) => a.start - b.start);
  if (!sorted.some((m) => hidden.has(m.type))) return original;
  let shift = 0;
  let out = '';
  let pos = 0;
  for (const m of sorted) {
    const a = m.start + shift;
    const b = m.end + shift;
    const redacted = policy.types[m.type as PiiType]?.redact === true;
    if (redacted) {
      shift += REDACTED.length - (m.end - m.start);
      continue;
    }
    if (!hidden.has(m.type) || a < pos || b > original.text.length) continue;
    // as detection gives values: separators dropped (the masked view keeps digits by position in that form)
    const raw = original.text.slice(a, b);
    const value = m.type === 'email' ? raw : raw.replace(/[\s().-]/g, '');
    // a value in its written form is masked as the masked view masks it; a spoken one ("four one one …") becomes
    // its type's name, so no part of it shows
    const written =
      m.type === 'email'
        ? /^[^@\s]+@[^@\s]+$/.test(value)
        : m.type === 'iban'
          ? /^[A-Z]{2}\d{2}[A-Z0-9]+$/i.test(value)
          : /^\+?\d+[Xx]?$/.test(value) || policy.types[m.type as PiiType]?.replace !== undefined;
    out +=
      original.text.slice(pos, a) +
      (written ? maskValue({ type: m.type, start: a, end: b, value } as PiiFinding, policy) : `[${m.type}]`);
    pos = b;
  }
  const text = out + original.text.slice(pos);
  const hiddenMarks = sorted.filter((m) => hidden.has(m.type));
  const words = original.words.map((w) => {
    const m = hiddenMarks.find((x) => x.s !== undefined && x.e !== undefined && w.s < x.e && w.e > x.s);
    return m ? { ...w, w: `[${m.type}]` } : w;
  });
  return { text, words };
}

function maskValue(f: PiiFinding, p: MaskingPolicy): string {
  const r = p.types[f.type as PiiType];
  if (!r) return `[${f.type}]`;
  if (r.redact) return REDACTED;
  if (r.replace !== undefined) return r.replace;
  if (f.type === 'email') {
    // an address heard only as words ("john dot smith that may or dark calm") shows its type
    if (!f.value.includes('@')) return `[${f.type}]`;
    const [local, domain] = f.value.split('@');
    return `${local.slice(0, r.keep_local_first ?? 1)}***@${domain}`;
  }
  const v = f.value.replace(/^\+/, '');
  // a value heard only in part (a short answer protected whole, three digits of a card) is never shown whole: what
  // would be kept at both ends is starred too, and a value with no characters left shows its type
  if (!v) return `[${f.type}]`;
  const first = Math.min(r.keep_first ?? 0, v.length);
  const last = Math.min(r.keep_last ?? 0, Math.max(0, v.length - first));
  if (first + last >= v.length) return '*'.repeat(v.length);
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
