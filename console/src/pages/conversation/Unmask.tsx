import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Space, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ReasonModal } from '../../ReasonModal';
import { api, Me } from '../../api/client';
import { TAG } from '../../ui';

/**
 * The caller's requests and the ones they may decide (two-person rule); shared with the Approvals page, which polls
 * as an inbox does, while a conversation's page polls only while one of the caller's own requests waits.
 */
export function useUnmaskApprovals(enabled: boolean, poll: 'always' | 'while-mine-waits') {
  return useQuery({
    queryKey: ['unmask-approvals'],
    enabled,
    refetchInterval: (q) =>
      poll === 'always' || q.state.data?.some((a) => a.mine && a.state === 'pending') ? 5_000 : false,
    queryFn: async () => {
      const { data, error } = await api.GET('/api/v1/unmask-approvals');
      if (error) throw new Error(error.error.message);
      return data.items;
    },
  });
}

/**
 * Showing the original transcript after a stated reason (the server audits it before it answers). Where the
 * deployment sets the two-person rule, the reason goes to a second person first: the button asks, the page shows
 * the request waiting, and once another person approves it one unmask under that approval opens the originals.
 */
export function Unmask({ id, me, onOpened }: { id: string; me: Me; onOpened: (o: Map<string, string>) => void }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const twoPerson = me.unmaskApproval === 'two-person';
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const approvals = useUnmaskApprovals(twoPerson, 'while-mine-waits');
  const mine = (approvals.data ?? []).find((a) => a.mine && a.conversationId === id);

  const unmask = useMutation({
    mutationFn: async (v: { reason: string; approvalId?: string }) => {
      const { data, error } = await api.POST('/api/v1/conversations/{id}/unmask', {
        params: { path: { id } },
        body: v,
      });
      if (error) throw new Error(error.error.message);
      return data;
    },
    onSuccess: (d) => {
      onOpened(new Map(d.utterances.map((u) => [u.id, u.text ?? ''])));
      setOpen(false);
      setReason('');
      void qc.invalidateQueries({ queryKey: ['unmask-approvals'] });
    },
  });
  const ask = useMutation({
    mutationFn: async () => {
      const { error } = await api.POST('/api/v1/conversations/{id}/unmask/approvals', {
        params: { path: { id } },
        body: { reason },
      });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: () => {
      setOpen(false);
      setReason('');
      void qc.invalidateQueries({ queryKey: ['unmask-approvals'] });
    },
  });
  const pending = twoPerson ? ask : unmask;

  let action;
  if (!twoPerson || !mine || mine.state === 'denied')
    action = (
      <>
        {mine?.state === 'denied' && (
          <Tag color={TAG.warn} data-testid="unmask-denied">
            {t('unmaskDenied', { who: mine.approver ?? '' })}
          </Tag>
        )}
        <Button danger data-testid={twoPerson ? 'unmask-ask' : 'unmask'} onClick={() => setOpen(true)}>
          {t(twoPerson ? 'unmaskAsk' : 'unmask')}
        </Button>
      </>
    );
  else if (mine.state === 'pending')
    action = (
      <Tag color={TAG.info} data-testid="unmask-pending">
        {t('unmaskWaiting')}
      </Tag>
    );
  else
    action = (
      <Button
        danger
        data-testid="unmask"
        loading={unmask.isPending}
        onClick={() => unmask.mutate({ reason: mine.reason, approvalId: mine.approvalId })}
      >
        {t('unmaskApproved', { who: mine.approver ?? '' })}
      </Button>
    );

  return (
    <Space>
      {action}
      {twoPerson && unmask.isError && <Alert type="error" title={String(unmask.error)} />}
      <ReasonModal
        open={open}
        title={t(twoPerson ? 'unmaskAskTitle' : 'unmaskTitle')}
        okText={t(twoPerson ? 'unmaskAsk' : 'unmask')}
        explain={t(twoPerson ? 'unmaskAskExplain' : 'unmaskExplain')}
        label={t('unmaskReason')}
        testId="unmask-reason"
        value={reason}
        onChange={setReason}
        onOk={() => (twoPerson ? ask.mutate() : unmask.mutate({ reason }))}
        onCancel={() => setOpen(false)}
        pending={pending.isPending}
        error={pending.error}
        danger
      />
    </Space>
  );
}
