import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, DatePicker, Progress, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';

interface Progressed {
  total: number;
  done: number;
  changed: number;
  unchanged: number;
  skipped: number;
}

/**
 * Re-inspects every inspected conversation of a period against the policies active now (policy:approve), in the
 * background, with its progress; old verdicts stay, a changed one becomes current.
 */
export function Reinspect() {
  const { t } = useTranslation();
  const [range, setRange] = useState<[string, string] | null>(null);
  const start = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/v1/inspection/reinspect', {
        body: { from: range![0], to: range![1] },
      });
      if (error) throw new Error(error.error.message);
      return data.jobId;
    },
  });
  const jobId = start.data;
  const status = useQuery({
    queryKey: ['reinspect', jobId],
    enabled: Boolean(jobId),
    refetchInterval: (q) => (q.state.data && ['completed', 'failed'].includes(q.state.data.state) ? false : 1000),
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/inspection/reinspect/{jobId}', {
        params: { path: { jobId: jobId! } },
      });
      if (error) throw new Error(error.error.message);
      return data;
    },
  });
  const s = status.data;
  const p = ((s?.result ?? s?.progress) || null) as Progressed | null;
  return (
    <Card size="small" title={t('reinspect')} data-testid="reinspect">
      <Typography.Paragraph>{t('reinspectNote')}</Typography.Paragraph>
      <Space wrap>
        <DatePicker.RangePicker
          aria-label={t('period')}
          onChange={(v) =>
            // whole UTC days, the last one included
            setRange(
              v?.[0] && v[1]
                ? [`${v[0].format('YYYY-MM-DD')}T00:00:00Z`, `${v[1].add(1, 'day').format('YYYY-MM-DD')}T00:00:00Z`]
                : null,
            )
          }
        />
        <Button type="primary" disabled={!range} loading={start.isPending} onClick={() => start.mutate()}>
          {t('reinspectStart')}
        </Button>
      </Space>
      {start.isError && <Alert type="error" title={String(start.error)} style={{ marginTop: 8 }} />}
      {s && (
        <div style={{ marginTop: 8 }} data-testid="reinspect-progress">
          <Progress
            percent={p && p.total ? Math.round((100 * p.done) / p.total) : s.state === 'completed' ? 100 : 0}
            status={s.state === 'failed' ? 'exception' : s.state === 'completed' ? 'success' : 'active'}
            aria-label={t('reinspect')}
          />
          <Typography.Text>
            {t(`job_${['completed', 'failed', 'active'].includes(s.state) ? s.state : 'waiting'}`)}
            {p ? ` — ${t('reinspectProgress', { ...p })}` : ''}
            {s.error ? ` — ${s.error}` : ''}
          </Typography.Text>
        </div>
      )}
    </Card>
  );
}
