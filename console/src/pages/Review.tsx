import { useQuery } from '@tanstack/react-query';
import { Alert, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { navigate } from '../router';
import { TAG } from '../ui';

/** Findings waiting for a reviewer (the caller's scope): fatal first, newest first; a row opens its conversation. */
export function ReviewPage() {
  const { t } = useTranslation();
  const queue = useQuery({
    queryKey: ['review-queue'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/findings/review-queue', { params: { query: { limit: 200 } } });
      if (error) throw new Error(error.error.message);
      return data.items;
    },
  });
  if (queue.isError) return <Alert type="error" title={String(queue.error)} />;
  return (
    <>
      <Typography.Title level={3}>{t('review')}</Typography.Title>
      <Typography.Paragraph>{t('reviewExplain')}</Typography.Paragraph>
      <Table
        rowKey={(r) => r.finding.id}
        size="small"
        loading={queue.isLoading}
        dataSource={queue.data ?? []}
        pagination={false}
        onRow={(r) => ({
          onClick: () => navigate(`/conversations/${r.conversation.id}`),
          style: { cursor: 'pointer' },
        })}
        columns={[
          {
            title: t('rule'),
            render: (_, r) => (
              <>
                {r.finding.fatal && <Tag color={TAG.warn}>{t('fatal')}</Tag>} {r.finding.title}
              </>
            ),
          },
          { title: t('message'), render: (_, r) => r.finding.message },
          { title: t('agent'), render: (_, r) => r.conversation.agentId ?? '–' },
          { title: t('team'), render: (_, r) => r.conversation.teamId ?? '–' },
          { title: t('channel'), render: (_, r) => r.conversation.channel },
          { title: t('started'), render: (_, r) => r.conversation.startedAt.replace('T', ' ').slice(0, 16) },
        ]}
      />
    </>
  );
}
