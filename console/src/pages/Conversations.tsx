import { useInfiniteQuery } from '@tanstack/react-query';
import { Alert, Button, DatePicker, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { navigate } from '../router';
import { TAG } from '../ui';

/** The conversations the signed-in person may see (the API applies their scope), newest first, by cursor. */
export function ConversationsPage() {
  const { t, i18n } = useTranslation();
  const [filter, setFilter] = useState<{
    channel?: 'call' | 'chat' | 'email' | 'sms';
    status?: string;
    teamId?: string;
    agentId?: string;
    from?: string;
    to?: string;
  }>({});
  const list = useInfiniteQuery({
    queryKey: ['conversations', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => {
      const { data, error } = await api.GET('/api/v1/conversations', {
        params: {
          query: {
            limit: 50,
            ...(pageParam ? { cursor: pageParam } : {}),
            ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v)),
          },
        },
      });
      if (error) throw new Error(error.error.message);
      return data;
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  if (list.isError) return <Alert type="error" title={String(list.error)} />;
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const fmt = new Intl.DateTimeFormat(i18n.language === 'zh' ? 'zh-CN' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  });
  return (
    <>
      <Typography.Title level={3}>{t('conversations')}</Typography.Title>
      <Space wrap style={{ marginBottom: 12 }} data-testid="filters">
        <DatePicker.RangePicker
          aria-label={t('period')}
          showTime
          onChange={(v) =>
            setFilter({
              ...filter,
              from: v?.[0]?.toISOString() ?? undefined,
              to: v?.[1]?.toISOString() ?? undefined,
            })
          }
        />
        <Select
          aria-label={t('channel')}
          placeholder={t('channel')}
          allowClear
          style={{ width: 120 }}
          onChange={(v) => setFilter({ ...filter, channel: v })}
          options={['call', 'chat', 'email', 'sms'].map((c) => ({ value: c, label: c }))}
        />
        <Select
          aria-label={t('status')}
          placeholder={t('status')}
          allowClear
          style={{ width: 150 }}
          onChange={(v) => setFilter({ ...filter, status: v })}
          options={['inspected', 'failed', 'received', 'transcribing', 'understood'].map((c) => ({
            value: c,
            label: c,
          }))}
        />
        <Input.Search
          aria-label={t('team')}
          placeholder={t('team')}
          allowClear
          style={{ width: 160 }}
          onSearch={(v) => setFilter({ ...filter, teamId: v.trim() || undefined })}
        />
        <Input.Search
          aria-label={t('agent')}
          placeholder={t('agent')}
          allowClear
          style={{ width: 160 }}
          onSearch={(v) => setFilter({ ...filter, agentId: v.trim() || undefined })}
        />
      </Space>
      <Table
        rowKey="id"
        loading={list.isLoading}
        dataSource={rows}
        pagination={false}
        size="small"
        onRow={(r) => ({ onClick: () => navigate(`/conversations/${r.id}`), style: { cursor: 'pointer' } })}
        columns={[
          { title: t('started'), dataIndex: 'startedAt', render: (v: string) => `${fmt.format(new Date(v))} UTC` },
          { title: t('channel'), dataIndex: 'channel' },
          { title: t('agent'), dataIndex: 'agentId' },
          { title: t('team'), dataIndex: 'teamId' },
          { title: t('queue'), dataIndex: 'queue' },
          {
            title: t('duration'),
            dataIndex: 'durationMs',
            render: (v: number | null) => (v === null ? '–' : `${Math.round(v / 1000)} s`),
          },
          { title: t('intent'), dataIndex: 'intent' },
          {
            title: t('status'),
            dataIndex: 'status',
            render: (v: string) => (
              <Tag color={v === 'inspected' ? TAG.good : v === 'failed' ? TAG.bad : TAG.info}>{v}</Tag>
            ),
          },
        ]}
      />
      {list.hasNextPage && (
        <Button style={{ marginTop: 12 }} loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {t('loadMore')}
        </Button>
      )}
    </>
  );
}
