import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Col, Descriptions, Row, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { TAG } from '../ui';
import { Queues } from './system/Queues';

/**
 * For the administrator: the pipeline's queues and workers, readiness of each part, model versions, key status,
 * conversations failed for good (retry). No conversation content.
 */
export function SystemPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const ready = useQuery({
    queryKey: ['readyz'],
    queryFn: async () => {
      const { data, error } = await api.GET('/readyz');
      return (data ?? error) as {
        ready: boolean;
        checks: Record<string, { ok: boolean; error?: string; models?: unknown }>;
      };
    },
  });
  const keys = useQuery({
    queryKey: ['keys'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/system/keys');
      if (error) throw new Error('keys');
      return data;
    },
  });
  const failed = useQuery({
    queryKey: ['failed'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/system/jobs/failed');
      if (error) throw new Error('failed jobs');
      return data.items;
    },
  });
  const retry = useMutation({
    mutationFn: async () => {
      const { error } = await api.POST('/api/v1/system/jobs/retry', { body: { all: true } });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['failed'] }),
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('system')}</Typography.Title>
      <Queues />
      <Row gutter={16}>
        <Col span={12}>
          <Card size="small" title={t('readiness')} data-testid="readiness">
            {ready.data && (
              <Descriptions size="small" column={1} bordered>
                {Object.entries(ready.data.checks).map(([k, v]) => (
                  <Descriptions.Item key={k} label={k}>
                    <Tag color={v.ok ? TAG.good : TAG.bad}>{v.ok ? 'ok' : t('notOk')}</Tag>
                    {v.error ?? ''}
                    {Array.isArray(v.models) ? ` ${v.models.join(', ')}` : ''}
                    {v.models && !Array.isArray(v.models) ? ` ${Object.values(v.models as object).join(', ')}` : ''}
                  </Descriptions.Item>
                ))}
              </Descriptions>
            )}
          </Card>
        </Col>
        <Col span={12}>
          <Card size="small" title={t('keys')}>
            {keys.isError && <Alert type="error" title={String(keys.error)} />}
            {keys.data && (
              <Descriptions size="small" column={1} bordered>
                <Descriptions.Item label={t('cipher')}>{keys.data.cipher}</Descriptions.Item>
                <Descriptions.Item label={t('activeKek')}>
                  {keys.data.kekId} v{keys.data.activeVersion}
                </Descriptions.Item>
                <Descriptions.Item label={t('pendingRewrap')}>{keys.data.pendingRewrap}</Descriptions.Item>
                <Descriptions.Item label={t('subjectKeys')}>{keys.data.subjectKeys}</Descriptions.Item>
                <Descriptions.Item label={t('destroyedKeys')}>{keys.data.destroyedKeys}</Descriptions.Item>
              </Descriptions>
            )}
          </Card>
        </Col>
      </Row>
      <Card
        size="small"
        title={t('failedForGood')}
        extra={
          <Button disabled={!failed.data?.length} loading={retry.isPending} onClick={() => retry.mutate()}>
            {t('retryAll')}
          </Button>
        }
      >
        <Table
          rowKey="id"
          size="small"
          dataSource={failed.data ?? []}
          pagination={false}
          columns={[
            { title: 'id', dataIndex: 'id' },
            { title: t('stage'), dataIndex: 'stage' },
            { title: t('reason'), dataIndex: 'reason' },
            { title: t('since'), dataIndex: 'since' },
          ]}
        />
      </Card>
    </Space>
  );
}
