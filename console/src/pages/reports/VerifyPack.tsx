import { useMutation } from '@tanstack/react-query';
import { Alert, Card, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { components } from '../../api/schema';

type Verification = components['schemas']['PackVerification'];

/**
 * Checks an evidence pack someone hands back (the zip as it was downloaded, or as an auditor received it) against
 * this appliance's CA: the signature over SHA256SUMS, every file's hash, nothing added or missing.
 */
export function VerifyPack() {
  const { t } = useTranslation();
  const verify = useMutation({
    mutationFn: async (file: File) => {
      const res = await fetch('/api/v1/reports/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/zip', 'x-hotline-csrf': '1' },
        body: file,
      });
      const b = (await res.json()) as Verification | { error: { message: string } };
      if (!res.ok) throw new Error('error' in b ? b.error.message : `HTTP ${res.status}`);
      return b as Verification;
    },
  });
  const r = verify.data;
  return (
    <Card size="small" title={t('verifyPack')} data-testid="verify-pack">
      <Typography.Paragraph>{t('verifyPackNote')}</Typography.Paragraph>
      <label>
        {t('choosePack')}{' '}
        <input
          type="file"
          accept=".zip,application/zip"
          data-testid="pack-file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) verify.mutate(f);
            e.target.value = '';
          }}
        />
      </label>
      {verify.isPending && <Typography.Paragraph>{t('loading')}</Typography.Paragraph>}
      {verify.isError && <Alert type="error" title={String(verify.error)} style={{ marginTop: 8 }} />}
      {r && (
        <Alert
          style={{ marginTop: 8 }}
          data-testid="pack-result"
          type={r.ok ? 'success' : 'error'}
          title={r.ok ? t('packOk', { subject: r.signer?.subject ?? '' }) : t('packBad', { count: r.problems.length })}
          description={
            r.problems.length ? (
              <ul style={{ margin: 0 }}>
                {r.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            ) : undefined
          }
        />
      )}
    </Card>
  );
}
