import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Descriptions, Table, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { TAG } from '../../ui';

const gb = (b: number) => (b >= 1024 ** 3 ? `${(b / 1024 ** 3).toFixed(1)} GB` : `${(b / 1024 ** 2).toFixed(1)} MB`);

/**
 * The pipeline at a glance (refreshed every 5 s): each stage's queue, its oldest waiting job, the workers
 * connected to it and its run time over the last hour; conversations per state; the coverage alarm; certificate
 * expiries and the object store's volume. The same reading as `hotline status` and /metrics.
 */
export function Queues() {
  const { t } = useTranslation();
  const st = useQuery({
    queryKey: ['system-status'],
    refetchInterval: 5000,
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/system/status');
      if (error) throw new Error('status');
      return data;
    },
  });
  if (st.isError) return <Alert type="error" title={String(st.error)} />;
  const s = st.data;
  return (
    <Card size="small" title={t('pipeline')} data-testid="queues" loading={!s}>
      {s && (
        <>
          <Table
            rowKey="stage"
            size="small"
            pagination={false}
            dataSource={s.queues.map((q) => ({ ...q, time: s.stages.find((x) => x.stage === q.stage) }))}
            columns={[
              { title: t('stage'), dataIndex: 'stage' },
              { title: t('q_waiting'), dataIndex: 'waiting' },
              { title: t('q_active'), dataIndex: 'active' },
              { title: t('q_delayed'), dataIndex: 'delayed' },
              { title: t('q_failed'), dataIndex: 'failed' },
              {
                title: t('q_oldest'),
                dataIndex: 'oldestWaitingS',
                render: (v: number | null) => (v === null ? '–' : `${v} s`),
              },
              {
                title: t('q_workers'),
                dataIndex: 'workers',
                render: (v: number, r) => (v === 0 && r.waiting > 0 ? <Tag color={TAG.bad}>0</Tag> : v),
              },
              {
                title: t('q_time'),
                render: (_, r) =>
                  r.time ? `${Math.round(r.time.p50)} / ${Math.round(r.time.p95)} ms (${r.time.runs})` : '–',
              },
            ]}
          />
          <Descriptions size="small" column={2} bordered style={{ marginTop: 12 }}>
            <Descriptions.Item label={t('version')}>
              {s.version} (Node.js {s.node})
            </Descriptions.Item>
            <Descriptions.Item label={t('coverageAlarm')}>
              <Tag color={s.coverage.alarm === 'ok' ? TAG.good : TAG.bad}>{s.coverage.alarm}</Tag>
              {s.coverage.pendingPastSla ? ` ${s.coverage.pendingPastSla}` : ''}
            </Descriptions.Item>
            <Descriptions.Item label={t('conversations')} span={2}>
              {Object.entries(s.conversations)
                .map(([k, n]) => `${k} ${n}`)
                .join(' · ')}
            </Descriptions.Item>
            <Descriptions.Item label={t('policies')} span={2}>
              {s.policies.map((p) => `${p.id}@v${p.version}`).join(', ')}
            </Descriptions.Item>
            <Descriptions.Item label={t('certificates')} span={2}>
              {s.certificates.length
                ? s.certificates.map((c) => (
                    <Tag key={c.name} color={c.daysLeft < 30 ? TAG.bad : undefined}>
                      {c.name}: {t('daysLeft', { n: c.daysLeft })}
                    </Tag>
                  ))
                : '–'}
            </Descriptions.Item>
            <Descriptions.Item label={t('objectStore')} span={2}>
              {t('objectStoreUse', {
                recordings: gb(s.objectStore.recordingBytes),
                free: gb(s.objectStore.volumeFreeBytes),
                total: gb(s.objectStore.volumeTotalBytes),
              })}
            </Descriptions.Item>
          </Descriptions>
        </>
      )}
    </Card>
  );
}
