import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ReasonModal } from '../ReasonModal';
import { api } from '../api/client';
import { navigate } from '../router';
import { TAG } from '../ui';
import { useUnmaskApprovals } from './conversation/Unmask';

type Decision = { approvalId: string; decision: 'approve' | 'deny'; requester: string };

/**
 * The two-person rule's inbox: other people's requests to unmask a conversation this person may unmask, with their
 * reasons; approve or deny with a comment (both audited). Below, this person's own requests and where they stand.
 */
export function ApprovalsPage() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const list = useUnmaskApprovals(true, 'always');
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const [comment, setComment] = useState('');
  const decide = useMutation({
    mutationFn: async (d: Decision) => {
      const { error } = await api.POST('/api/v1/unmask-approvals/{approvalId}/decision', {
        params: { path: { approvalId: d.approvalId } },
        body: { decision: d.decision, comment },
      });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: () => {
      setDeciding(null);
      setComment('');
      void qc.invalidateQueries({ queryKey: ['unmask-approvals'] });
    },
  });
  if (list.isError) return <Alert type="error" title={String(list.error)} />;
  const rows = list.data ?? [];
  const when = (iso: string) => iso.replace('T', ' ').slice(0, 16);
  const open = (conversationId: string) => (
    <Typography.Link onClick={() => navigate(`/conversations/${conversationId}`)}>
      {conversationId.slice(0, 8)}
    </Typography.Link>
  );
  const state = (s: string) => (
    <Tag color={s === 'approved' ? TAG.good : s === 'denied' ? TAG.bad : TAG.info}>{t(`approval_${s}`)}</Tag>
  );
  return (
    <>
      <Typography.Title level={3}>{t('approvals')}</Typography.Title>
      <Typography.Paragraph>{t('approvalsExplain')}</Typography.Paragraph>
      <Table
        data-testid="approvals-to-decide"
        rowKey="approvalId"
        size="small"
        loading={list.isLoading}
        dataSource={rows.filter((r) => !r.mine)}
        pagination={false}
        locale={{ emptyText: <Typography.Text type="secondary">{t('approvalsNone')}</Typography.Text> }}
        columns={[
          { title: t('requestedAt'), render: (_, r) => when(r.requestedAt) },
          { title: t('requester'), render: (_, r) => r.requester },
          { title: t('conversation'), render: (_, r) => open(r.conversationId) },
          { title: t('reason'), render: (_, r) => r.reason },
          {
            title: t('decision'),
            render: (_, r) => (
              <Space>
                <Button
                  type="primary"
                  data-testid="approve"
                  onClick={() => setDeciding({ approvalId: r.approvalId, decision: 'approve', requester: r.requester })}
                >
                  {t('approve')}
                </Button>
                <Button
                  danger
                  data-testid="deny"
                  onClick={() => setDeciding({ approvalId: r.approvalId, decision: 'deny', requester: r.requester })}
                >
                  {t('deny')}
                </Button>
              </Space>
            ),
          },
        ]}
      />
      <Typography.Title level={4} style={{ marginTop: 24 }}>
        {t('approvalsMine')}
      </Typography.Title>
      <Table
        data-testid="approvals-mine"
        rowKey="approvalId"
        size="small"
        loading={list.isLoading}
        dataSource={rows.filter((r) => r.mine)}
        pagination={false}
        locale={{ emptyText: <Typography.Text type="secondary">{t('approvalsNone')}</Typography.Text> }}
        columns={[
          { title: t('requestedAt'), render: (_, r) => when(r.requestedAt) },
          { title: t('conversation'), render: (_, r) => open(r.conversationId) },
          { title: t('reason'), render: (_, r) => r.reason },
          { title: t('state'), render: (_, r) => state(r.state) },
          { title: t('approver'), render: (_, r) => r.approver ?? '–' },
        ]}
      />
      <ReasonModal
        open={!!deciding}
        title={t(deciding?.decision === 'deny' ? 'denyTitle' : 'approveTitle', { who: deciding?.requester ?? '' })}
        okText={t(deciding?.decision === 'deny' ? 'deny' : 'approve')}
        label={t('reviewComment')}
        testId="decision-comment"
        value={comment}
        onChange={setComment}
        onOk={() => deciding && decide.mutate(deciding)}
        onCancel={() => setDeciding(null)}
        pending={decide.isPending}
        error={decide.error}
      />
    </>
  );
}
