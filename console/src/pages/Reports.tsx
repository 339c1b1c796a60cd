import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, DatePicker, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, can, Me } from '../api/client';
import { Languages } from './reports/Languages';
import { Schedules } from './reports/Schedules';
import { VerifyPack } from './reports/VerifyPack';

/**
 * Compliance reports: generate one for a period (both languages by default), list them, download the signed pack;
 * schedule them (report:schedule); check a pack handed back.
 */
export function ReportsPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [range, setRange] = useState<[string, string] | null>(null);
  const [langs, setLangs] = useState<Array<'en' | 'zh'>>(['en', 'zh']);
  const list = useQuery({
    queryKey: ['reports'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/reports');
      if (error) throw new Error('reports');
      return data.items;
    },
  });
  const make = useMutation({
    mutationFn: async () => {
      const { error } = await api.POST('/api/v1/reports', {
        body: { from: range![0], to: range![1], languages: langs, scope: { kind: 'all', values: [] } },
      });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['reports'] }),
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('reports')}</Typography.Title>
      <Card size="small" title={t('generate')}>
        <Space wrap>
          <DatePicker.RangePicker
            aria-label={t('period')}
            onChange={(v) => setRange(v?.[0] && v[1] ? [v[0].format('YYYY-MM-DD'), v[1].format('YYYY-MM-DD')] : null)}
          />
          <Languages value={langs} onChange={setLangs} />
          <Button
            type="primary"
            disabled={!range || !langs.length}
            loading={make.isPending}
            onClick={() => make.mutate()}
          >
            {t('generate')}
          </Button>
        </Space>
        {make.isError && <Alert type="error" title={String(make.error)} style={{ marginTop: 8 }} />}
        <Typography.Paragraph style={{ marginTop: 8 }}>{t('reportNote')}</Typography.Paragraph>
      </Card>
      <Table
        rowKey="id"
        size="small"
        loading={list.isLoading}
        dataSource={list.data ?? []}
        pagination={false}
        columns={[
          { title: t('period'), render: (_, r) => `${r.periodFrom} – ${r.periodTo}` },
          {
            title: t('scope'),
            render: (_, r) => (r.scope.kind === 'all' ? t('all') : `${r.scope.kind}: ${r.scope.values.join(', ')}`),
          },
          { title: t('languages'), render: (_, r) => r.languages.join(', ') },
          { title: t('requestedBy'), dataIndex: 'requestedBy' },
          { title: t('created'), dataIndex: 'createdAt', render: (v: string) => v.replace('T', ' ').slice(0, 16) },
          {
            title: 'SHA-256',
            dataIndex: 'sha256',
            render: (v: string | null) => <Typography.Text code>{v?.slice(0, 16)}…</Typography.Text>,
          },
          {
            title: '',
            render: (_, r) =>
              r.status === 'ready' ? (
                <a href={`/api/v1/reports/${r.id}/pack`} download>
                  {t('download')}
                </a>
              ) : (
                r.status
              ),
          },
        ]}
      />
      {can(me, 'report:schedule') && <Schedules />}
      <VerifyPack />
    </Space>
  );
}
