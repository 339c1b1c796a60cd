import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import type { components } from '../../api/schema';
import { hunks, lineDiff } from './diff';

type Version = components['schemas']['PolicyVersion'];
const label = (v: Pick<Version, 'policyId' | 'version'>) => `${v.policyId}@v${v.version}`;

async function source(ref: string) {
  const [policyId, version] = ref.split('@v');
  const { data, error } = await api.GET('/api/v1/policies/{policyId}/versions/{version}', {
    params: { path: { policyId, version: Number(version) } },
  });
  if (error) throw new Error(error.error.message);
  return data.source;
}

/** Two stored versions side by side as a line diff (what changed between them, with three lines of context). */
export function Compare({ versions }: { versions: Version[] }) {
  const { t } = useTranslation();
  const [a, setA] = useState<string>();
  const [b, setB] = useState<string>();
  const diff = useQuery({
    queryKey: ['policy-diff', a, b],
    enabled: Boolean(a && b),
    queryFn: async () => hunks(lineDiff(await source(a!), await source(b!))),
  });
  const options = versions.map((v) => ({ value: label(v), label: `${label(v)} (${v.status})` }));
  return (
    <Card size="small" title={t('compareVersions')} data-testid="compare">
      <Space wrap>
        <Select
          aria-label={t('olderVersion')}
          placeholder={t('olderVersion')}
          style={{ width: 260 }}
          value={a}
          onChange={setA}
          options={options}
        />
        <Select
          aria-label={t('newerVersion')}
          placeholder={t('newerVersion')}
          style={{ width: 260 }}
          value={b}
          onChange={setB}
          options={options}
        />
      </Space>
      {diff.isError && <Alert type="error" title={String(diff.error)} style={{ marginTop: 8 }} />}
      {diff.data &&
        (diff.data.length === 0 ? (
          <Typography.Paragraph style={{ marginTop: 8 }}>{t('noDifferences')}</Typography.Paragraph>
        ) : (
          <pre
            data-testid="diff"
            aria-label={t('compareVersions')}
            tabIndex={0}
            style={{ marginTop: 8, maxHeight: 420, overflow: 'auto', fontSize: 12, background: '#fafafa', padding: 8 }}
          >
            {diff.data.map((l, k) =>
              l === null ? (
                <div key={k} style={{ color: '#595959' }}>
                  ⋯
                </div>
              ) : (
                <div
                  key={k}
                  className={l.op === '+' ? 'diff-add' : l.op === '-' ? 'diff-del' : undefined}
                  style={{
                    background: l.op === '+' ? '#d9f7be' : l.op === '-' ? '#ffccc7' : undefined,
                    color: '#000',
                  }}
                >
                  {`${String(l.a ?? '').padStart(4)} ${String(l.b ?? '').padStart(4)} ${l.op} ${l.text}`}
                </div>
              ),
            )}
          </pre>
        ))}
    </Card>
  );
}
