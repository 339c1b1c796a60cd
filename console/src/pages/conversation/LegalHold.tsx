import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Button, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ReasonModal } from '../../ReasonModal';
import { api, can, Me } from '../../api/client';
import { TAG } from '../../ui';

/**
 * A conversation's legal hold: shown to everyone who sees the conversation; placed or lifted, with a reason, by
 * those who manage retention (compliance officers). The hold keeps it from retention deletion and erasure.
 */
export function LegalHold({ id, hold, me }: { id: string; hold: boolean; me: Me }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const change = useMutation({
    mutationFn: async () => {
      const { error } = await api.PUT('/api/v1/conversations/{id}/legal-hold', {
        params: { path: { id } },
        body: { hold: !hold, reason },
      });
      if (error) throw new Error(error.error.message);
    },
    onSuccess: () => {
      setOpen(false);
      setReason('');
      void qc.invalidateQueries({ queryKey: ['conversation', id] });
    },
  });
  return (
    <>
      {hold && (
        <Tag color={TAG.warn} data-testid="on-hold">
          {t('onHold')}
        </Tag>
      )}
      {can(me, 'retention:manage') && (
        <Button data-testid="legal-hold" onClick={() => setOpen(true)}>
          {hold ? t('liftHold') : t('placeHold')}
        </Button>
      )}
      <ReasonModal
        open={open}
        title={hold ? t('liftHold') : t('placeHold')}
        okText={hold ? t('liftHold') : t('placeHold')}
        explain={t('holdExplain')}
        label={t('reason')}
        placeholder={t('holdReason')}
        testId="hold-reason"
        value={reason}
        onChange={setReason}
        onOk={() => change.mutate()}
        onCancel={() => setOpen(false)}
        pending={change.isPending}
        error={change.error}
      />
    </>
  );
}
