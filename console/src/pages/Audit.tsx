import { useMutation, useQuery } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Input, List, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { TAG } from '../ui';

/** The audit trail: search events, verify the hash chain and the signed checkpoints, download the checkpoints. */
export function AuditPage() {
  const { t } = useTranslation();
  const [filter, setFilter] = useState<{ actor?: string; action?: string; objectId?: string }>({});
  const events = useQuery({
    queryKey: ['audit', filter],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/audit/events', { params: { query: { ...filter, limit: 200 } } });
      if (error) throw new Error(error.error.message);
      return data.items;
    },
  });
  const verify = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/v1/audit/verify');
      if (error) throw new Error('verification failed to run');
      return data;
    },
  });
  const clean = (v: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(v).filter(([, x]) => x && x.trim())) as typeof filter;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('audit')}</Typography.Title>
      <Card size="small">
        <Space wrap>
          <Button type="primary" data-testid="verify-chain" loading={verify.isPending} onClick={() => verify.mutate()}>
            {t('verifyChain')}
          </Button>
          <a href="/api/v1/audit/checkpoints" download>
            {t('downloadCheckpoints')}
          </a>
        </Space>
        {verify.data && (
          <Alert
            style={{ marginTop: 8 }}
            data-testid="verify-result"
            type={verify.data.ok ? 'success' : 'error'}
            title={t(verify.data.ok ? 'chainOk' : 'chainTampered', {
              rows: verify.data.rows,
              checkpoints: verify.data.checkpointsVerified,
            })}
            description={
              verify.data.problems.length ? (
                <List
                  size="small"
                  dataSource={verify.data.problems}
                  renderItem={(p) => <List.Item>{`#${p.seq} ${p.kind}: ${p.detail}`}</List.Item>}
                />
              ) : undefined
            }
          />
        )}
      </Card>
      <Form layout="inline" onFinish={(v: Record<string, string | undefined>) => setFilter(clean(v))}>
        <Form.Item name="actor" label={t('actor')}>
          <Input allowClear />
        </Form.Item>
        <Form.Item name="action" label={t('action')}>
          <Input allowClear placeholder="report." />
        </Form.Item>
        <Form.Item name="objectId" label={t('object')}>
          <Input allowClear />
        </Form.Item>
        <Button htmlType="submit">{t('search')}</Button>
      </Form>
      {events.isError && <Alert type="error" title={String(events.error)} />}
      <Table
        rowKey="seq"
        size="small"
        loading={events.isLoading}
        dataSource={events.data ?? []}
        pagination={{ pageSize: 50 }}
        columns={[
          { title: '#', dataIndex: 'seq' },
          { title: t('at'), dataIndex: 'at', render: (v: string) => v.replace('T', ' ').slice(0, 19) },
          { title: t('actor'), render: (_, r) => r.actorName ?? r.actorId },
          { title: t('action'), dataIndex: 'action' },
          { title: t('object'), render: (_, r) => (r.objectType ? `${r.objectType} ${r.objectId ?? ''}` : '–') },
          {
            title: t('outcome'),
            dataIndex: 'outcome',
            render: (v: string) => <Tag color={v === 'allowed' ? TAG.good : TAG.bad}>{v}</Tag>,
          },
          { title: t('reason'), dataIndex: 'reason', render: (v: string | null) => v ?? '' },
        ]}
      />
    </Space>
  );
}
