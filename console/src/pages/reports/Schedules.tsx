import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Input, Popconfirm, Select, Space, Table } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api/client';
import { Languages } from './Languages';

type Cadence = 'daily' | 'weekly' | 'monthly';

/**
 * Scheduled compliance reports (report:schedule): each runs in the background with its creator's scope (daily:
 * yesterday; weekly: last Monday–Sunday; monthly: last month); run one now, or delete it.
 */
export function Schedules() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [id, setId] = useState('');
  const [cadence, setCadence] = useState<Cadence>('monthly');
  const [langs, setLangs] = useState<Array<'en' | 'zh'>>(['en', 'zh']);
  const list = useQuery({
    queryKey: ['schedules'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/reports/schedules');
      if (error) throw new Error('schedules');
      return data.items;
    },
  });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['schedules'] });
    void qc.invalidateQueries({ queryKey: ['reports'] });
  };
  const save = useMutation({
    mutationFn: async () => {
      const { error } = await api.POST('/api/v1/reports/schedules', {
        body: { id, cadence, languages: langs, scope: { kind: 'all', values: [] } },
      });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: () => {
      setId('');
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async (scheduleId: string) => {
      const { error } = await api.DELETE('/api/v1/reports/schedules/{scheduleId}', {
        params: { path: { scheduleId } },
      });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: refresh,
  });
  const run = useMutation({
    mutationFn: async (scheduleId: string) => {
      const { error } = await api.POST('/api/v1/reports/schedules/{scheduleId}/run', {
        params: { path: { scheduleId } },
      });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: refresh,
  });
  const problem = save.error ?? remove.error ?? run.error;
  return (
    <Card size="small" title={t('schedules')} data-testid="schedules">
      <Space wrap style={{ marginBottom: 8 }}>
        <Input
          aria-label={t('scheduleName')}
          placeholder={t('scheduleName')}
          value={id}
          onChange={(e) => setId(e.target.value.toLowerCase())}
          style={{ width: 200 }}
        />
        <Select
          aria-label={t('cadence')}
          value={cadence}
          onChange={setCadence}
          style={{ width: 130 }}
          options={(['daily', 'weekly', 'monthly'] as const).map((c) => ({ value: c, label: t(`cadence_${c}`) }))}
        />
        <Languages value={langs} onChange={setLangs} />
        <Button
          type="primary"
          disabled={!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(id) || !langs.length}
          loading={save.isPending}
          onClick={() => save.mutate()}
        >
          {t('saveSchedule')}
        </Button>
      </Space>
      {problem && <Alert type="error" title={String(problem)} style={{ marginBottom: 8 }} />}
      {run.isSuccess && <Alert type="success" title={t('scheduleRan')} style={{ marginBottom: 8 }} />}
      <Table
        rowKey="id"
        size="small"
        pagination={false}
        loading={list.isLoading}
        dataSource={list.data ?? []}
        columns={[
          { title: t('scheduleName'), dataIndex: 'id' },
          { title: t('cadence'), dataIndex: 'cadence', render: (v: string) => t(`cadence_${v}`) },
          { title: t('languages'), render: (_, r) => r.languages.join(', ') },
          { title: t('requestedBy'), dataIndex: 'createdBy' },
          {
            title: t('nextRun'),
            dataIndex: 'nextRunAt',
            render: (v: string | null) => (v ? `${v.replace('T', ' ').slice(0, 16)} UTC` : '–'),
          },
          {
            title: '',
            render: (_, r) => (
              <Space>
                <Button size="small" loading={run.isPending && run.variables === r.id} onClick={() => run.mutate(r.id)}>
                  {t('runNow')}
                </Button>
                <Popconfirm title={t('deleteSchedule')} onConfirm={() => remove.mutate(r.id)}>
                  <Button size="small" danger>
                    {t('delete')}
                  </Button>
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}
